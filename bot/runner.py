"""Start every configured channel and the scheduler; stop cleanly on SIGTERM or Ctrl-C, or when a channel dies."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App, create_app
from bot.settings import Settings
from bot.storage import alerts as alert_store
from bot.storage import crud, mail, tickets
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

#: Closed inbox rows and finished outbox rows are kept this long, then forgotten.
MAILBOX_KEEP = timedelta(days=2)
OUTBOX_KEEP = timedelta(days=30)


class BotStopped(Exception):
    """The bot cannot go on; its message is the one line to print (e.g. a revoked token)."""


async def purge_job(app: App) -> None:
    """Delete residents not seen for RETENTION_DAYS days (the promise made in the privacy notice), and the closed
    rows of the inbox and outbox."""
    now = utcnow()
    count = await app.db.write(crud.purge_inactive, before=now - timedelta(days=app.settings.retention_days))
    await app.db.write(tickets.purge_closed_conversations, before=now - timedelta(days=app.settings.retention_days))
    await app.db.write(mail.purge_inbox, before=now - MAILBOX_KEEP)
    await app.db.write(mail.purge_outbox, before=now - OUTBOX_KEEP, offload=True)
    await app.db.write(alert_store.purge_payloads, before=now - OUTBOX_KEEP)
    if count:
        log.info("retention: deleted %d inactive resident(s)", count)
        await app.db.after_deletion()


async def expire_job(app: App) -> None:
    """Close requests that waited longer than QUEUE_EXPIRE_DAYS (their residents are told to ask again)."""
    after = timedelta(days=app.settings.queue_expire_days)
    expired = await app.db.write(lambda conn: app.queue.expire(conn, now=utcnow(), after=after))
    if expired:
        log.info("queue: %d request(s) expired", expired)


async def run_channels(settings: Settings, *, stop: asyncio.Event | None = None, app: App | None = None) -> None:
    """Run until `stop` (SIGTERM, Ctrl-C) is set, or until a channel dies: then raise BotStopped."""
    app = app or create_app(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not supported
            pass

    # a job may start late while the bot is busy (a big fan-out, the start): late is better than skipped
    scheduler = AsyncIOScheduler(timezone=settings.tz, job_defaults={"misfire_grace_time": 600, "coalesce": True})
    scheduler.add_job(purge_job, "interval", hours=24, args=[app], next_run_time=None, id="retention")
    scheduler.add_job(app.content.refresh, "interval", seconds=30, id="content")
    scheduler.add_job(expire_job, "interval", minutes=30, args=[app], id="queue-expiry")
    if settings.kma_api_key is not None:
        scheduler.add_job(app.alerts.poll_kma, "interval", minutes=settings.kma_poll_minutes, id="kma",
                          next_run_time=utcnow(), max_instances=1, coalesce=True, misfire_grace_time=None)
    else:
        log.info("KMA_API_KEY is not set: the weather warning feed is off (subscriptions still work)")
    if settings.safety_data_api_key is not None:
        scheduler.add_job(app.alerts.poll_mois, "interval", minutes=settings.kma_poll_minutes, id="mois",
                          next_run_time=utcnow(), max_instances=1, coalesce=True, misfire_grace_time=None)
    scheduler.add_job(app.alerts.send_reminders, "cron", hour=9, minute=0, id="reminders")
    telegram = None
    failure: BaseException | None = None
    try:
        await purge_job(app)
        # the language model loads in about a second: before the first resident writes, not while they wait
        from bot.langid import detector

        await asyncio.get_running_loop().run_in_executor(None, detector)
        # the search indexes (about 0.4 s per language) are built on a worker thread while the bot already serves
        from bot.search import warm

        warming = asyncio.get_running_loop().run_in_executor(None, warm, app.content.current)
        warming.add_done_callback(lambda done: done.cancelled() or done.exception() is None or log.warning(
            "search indexes not prepared ahead (%s); each is built on its first question", done.exception()))
        if 9 <= datetime.now(ZoneInfo("Asia/Seoul")).hour < 22:  # due while the bot was stopped; not at night
            await app.alerts.send_reminders()
        scheduler.start()
        watched = [asyncio.ensure_future(stop.wait())]
        if settings.telegram_bot_token is not None:
            from bot.channels.telegram import ChannelStopped, TelegramChannel

            telegram = TelegramChannel(settings=settings, engine=app.engine, db=app.db, desk=app.desk,
                                       alerts=app.alerts)
            try:
                await telegram.start()
            except ChannelStopped as exc:
                raise BotStopped(str(exc)) from None
            app.wakers.append(telegram.outbox.wake)
            watched += telegram.tasks
        done, _pending = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not watched[0] and not task.cancelled() and task.exception() is not None:
                failure = task.exception()
        if failure is not None and type(failure).__name__ != "ChannelStopped":
            log.error("a channel stopped", exc_info=failure)
        elif failure is None:
            log.info("stopping")
        watched[0].cancel()
    finally:
        if telegram is not None:
            await telegram.stop()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await app.close()
    if failure is not None:
        raise BotStopped(str(failure) or type(failure).__name__)
