"""Start every configured channel and the scheduler; stop cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App, create_app
from bot.settings import Settings
from bot.storage import crud
from bot.storage.types import utcnow

log = logging.getLogger(__name__)


async def purge_job(app: App) -> None:
    """Delete residents not seen for RETENTION_DAYS days (the promise made in the privacy notice)."""
    count = await app.db.write(crud.purge_inactive, before=utcnow() - timedelta(days=app.settings.retention_days))
    if count:
        log.info("retention: deleted %d inactive resident(s)", count)


async def run_channels(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    app = create_app(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not supported
            pass

    scheduler = AsyncIOScheduler(timezone=settings.tz)
    scheduler.add_job(purge_job, "interval", hours=24, args=[app], next_run_time=None, id="retention")
    scheduler.add_job(app.content.refresh, "interval", seconds=30, id="content")
    telegram = None
    try:
        await purge_job(app)
        scheduler.start()
        if settings.telegram_bot_token is not None:
            from bot.channels.telegram import TelegramChannel

            telegram = TelegramChannel(settings=settings, engine=app.engine, db=app.db)
            await telegram.start()
        await stop.wait()
        log.info("stopping")
    finally:
        if telegram is not None:
            await telegram.stop()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await app.close()
