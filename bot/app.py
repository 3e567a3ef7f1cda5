"""The application factory: builds the database engine, content, handlers and engine from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import ContentStore
from bot.conversation.engine import ConversationEngine
from bot.settings import Settings
from bot.storage.db import Database
from handlers import build_registry


@dataclass
class App:
    settings: Settings
    db: Database
    content: ContentStore
    engine: ConversationEngine

    async def close(self) -> None:
        await self.db.dispose()


def create_app(settings: Settings, *, content: ContentStore | None = None) -> App:
    registry = build_registry()
    content = content or ContentStore(flows=registry.flows, snapshots=settings.snapshots)
    db = Database(settings.database_url)
    engine = ConversationEngine(db=db, registry=registry, content=content, settings=settings)
    return App(settings=settings, db=db, content=content, engine=engine)


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """Logging at LOG_LEVEL (or `level`) that never prints the bot token (bot/logs.py)."""
    from bot.logs import configure_logging as configure

    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    configure(level or settings.log_level, secrets=[token])
