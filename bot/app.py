"""The application factory: builds the database engine, content, handlers and engine from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import ContentStore
from bot.conversation.engine import ConversationEngine
from bot.services.desk import Desk
from bot.services.hours import OpeningHours
from bot.services.queue import Queue
from bot.settings import Settings
from bot.storage.db import Database
from handlers import build_registry


@dataclass
class App:
    settings: Settings
    db: Database
    content: ContentStore
    engine: ConversationEngine
    queue: Queue
    desk: Desk

    async def close(self) -> None:
        await self.db.dispose()


def create_app(settings: Settings, *, content: ContentStore | None = None) -> App:
    registry = build_registry()
    content = content or ContentStore(flows=registry.flows, snapshots=settings.snapshots)
    db = Database(settings.database_url)
    hours = OpeningHours(settings.opening_hours, settings.opening_hours_by_language, tz=settings.tz,
                         closed_on_holidays=settings.closed_on_holidays)
    queue = Queue(hours, content=lambda: content.current)
    engine = ConversationEngine(db=db, registry=registry, content=content, settings=settings, queue=queue)
    desk = Desk(db=db, queue=queue, settings=settings)
    return App(settings=settings, db=db, content=content, engine=engine, queue=queue, desk=desk)


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """Logging at LOG_LEVEL (or `level`) that never prints the bot token (bot/logs.py)."""
    from bot.logs import configure_logging as configure

    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    configure(level or settings.log_level, secrets=[token])
