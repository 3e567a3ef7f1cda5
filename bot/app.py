"""The application factory: builds the database engine, content, handlers and engine from Settings."""

from __future__ import annotations

import logging
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
    content = content or ContentStore(flows=registry.flows)
    db = Database(settings.database_url)
    engine = ConversationEngine(db=db, registry=registry, content=content, settings=settings)
    return App(settings=settings, db=db, content=content, engine=engine)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))
