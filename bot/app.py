"""The application factory: builds the database engine, content, handlers and engine from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content import ContentStore
from bot.conversation.engine import ConversationEngine
from bot.services.alerts import Alerts
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
    alerts: Alerts
    wakers: list = field(default_factory=list)  # the channels' senders, told when something was queued

    def wake(self) -> None:
        for wake in self.wakers:
            wake()

    async def close(self) -> None:
        await self.alerts.close()
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
    alerts = Alerts(db=db, settings=settings, content=lambda: content.current)
    app = App(settings=settings, db=db, content=content, engine=engine, queue=queue, desk=desk, alerts=alerts)
    alerts.wake = app.wake
    return app


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """Logging at LOG_LEVEL (or `level`) that never prints the bot token (bot/logs.py)."""
    from bot.logs import configure_logging as configure

    secrets = [value.get_secret_value() for value in (settings.telegram_bot_token, settings.kma_api_key,
                                                      settings.safety_data_api_key) if value is not None]
    configure(level or settings.log_level, secrets=secrets)
