"""Alerts on Telegram, through the fake KMA and the fake Bot API on 127.0.0.1: a Naju heavy-rain warning reaches every
Naju subscriber once, in their language, within Telegram's limits (the fake answers 429 beyond them) — also when the
bot is killed with kill -9 half-way and started again; 429 retry_after, 500 and 403 while sending in bulk."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot import PROJECT_ROOT
from bot.channels.telegram import TelegramChannel
from bot.i18n import translator
from bot.storage.db import Database
from bot.storage.models import outbox_table, resident_table, subscription_table
from scripts.bench_alerts import LOCALES, seed
from tests.conftest import TEST_TOKEN, build_app, make_settings
from tests.fake_kma import pwn_item

NAJU, HEAVY_RAIN = "L1052800", 2
NAJU_FIRST, MOKPO_FIRST = 700000, 800000


def _db_path(sqlite_url: str) -> Path:
    return Path(sqlite_url.split("///", 1)[1])


def _naju_chats(fake_telegram) -> Counter:
    return Counter({chat: len(messages) for chat, messages in fake_telegram.chats.items() if messages})


async def _alert_statuses(db: Database) -> list[str]:
    return await db.read(lambda conn: conn.execute(
        select(outbox_table.c.status).where(outbox_table.c.kind == "alert")).scalars().all())


async def _start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as handle:  # a file, not a pipe nobody reads: a full pipe would stop the bot
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=env,
                                                    stdout=asyncio.subprocess.DEVNULL, stderr=handle)


async def test_a_naju_warning_reaches_every_subscriber_once_within_the_limits_even_after_kill_9(
        fake_telegram, kma, sqlite_url, tmp_path):
    naju = 90
    seed(_db_path(sqlite_url), naju, first_chat=NAJU_FIRST, regions=["naju"])
    seed(_db_path(sqlite_url), 10, first_chat=MOKPO_FIRST, regions=["mokpo"])  # not in the warned zone
    kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1)]
    fake_telegram.limit(30, 1.0)  # Telegram's limits: 30 messages a second overall, one a second per chat
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
           "DATABASE_URL": sqlite_url, "CONTENT_SNAPSHOT_DIR": str(tmp_path / "published"), "LOG_LEVEL": "INFO",
           "KMA_API_KEY": "test-key-1234", "KMA_API_BASE_URL": kma.kma_url, "TELEGRAM_BULK_RATE": "30",
           "TELEGRAM_CHAT_INTERVAL": "1"}
    log = tmp_path / "bot.log"
    process = await _start_bot(env, log)
    db = Database(sqlite_url)
    try:
        await fake_telegram.wait_for(lambda: fake_telegram.delivered >= 30, timeout=60)
        process.kill()  # kill -9 in the middle of the broadcast
        await process.wait()
        at_kill = fake_telegram.delivered
        assert at_kill < naju, "everything was sent before the kill: nothing was tested"
        process = await _start_bot(env, log)  # polls KMA again at start: the same warning is not queued again
        for _ in range(600):
            statuses = await _alert_statuses(db)
            if len(statuses) == naju and set(statuses) == {"sent"}:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # anything still on its way would show now
    finally:
        await db.dispose()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=30)
    statuses = await _alert_statuses(Database(sqlite_url))
    assert sorted(statuses) == ["sent"] * naju, log.read_text()[-3000:]
    got = _naju_chats(fake_telegram)
    assert set(got) == set(range(NAJU_FIRST, NAJU_FIRST + naju))  # every Naju subscriber, nobody in Mokpo
    # At 30 a second the sender has one message on its way at a time: killed mid-request, that one may go twice.
    assert sum(count - 1 for count in got.values()) <= 1
    assert fake_telegram.too_many == 0  # never beyond Telegram's limits
    for offset in range(len(LOCALES)):  # each in their own language, with the place in Korean
        chat, locale = NAJU_FIRST + offset, LOCALES[offset]
        _ = translator(locale)
        text = fake_telegram.chats[chat][0].text
        assert _("{hazard} warning").format(hazard=_("Heavy rain")) in text and "나주" in text, (locale, text)
        assert _("In danger, call 119.") in text


async def test_bulk_sending_waits_out_429_retries_a_500_and_stops_for_a_blocked_resident(fake_telegram, kma,
                                                                                          sqlite_url):
    seed(_db_path(sqlite_url), 6, first_chat=NAJU_FIRST, regions=["naju"])
    blocked = NAJU_FIRST + 2
    fake_telegram.blocked.add(blocked)
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    fake_telegram.fail_next("sendMessage", 500, "Internal Server Error")
    settings = make_settings(sqlite_url, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url,
                             KMA_API_KEY="test-key-1234", KMA_API_BASE_URL=kma.kma_url)
    app = build_app(settings)
    telegram = TelegramChannel(settings=settings, engine=app.engine, db=app.db, alerts=app.alerts)
    await telegram.start(poll_timeout=1)
    app.wakers.append(telegram.outbox.wake)
    try:
        kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1)]
        started = time.monotonic()
        assert await app.alerts.poll_kma() == 6
        for _ in range(300):
            statuses = await _alert_statuses(app.db)
            if set(statuses) <= {"sent", "blocked"}:
                break
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        unreachable = await app.db.read(lambda conn: conn.execute(
            select(resident_table.c.user_key).where(resident_table.c.unreachable_at.is_not(None))).scalars().all())
        subscribed = await app.db.read(lambda conn: conn.execute(
            select(subscription_table.c.user_key)).scalars().all())
    finally:
        await telegram.stop()
        await app.close()
    assert sorted(statuses) == ["blocked"] + ["sent"] * 5
    got = _naju_chats(fake_telegram)
    assert set(got) == {NAJU_FIRST + n for n in range(6)} - {blocked} and set(got.values()) == {1}
    assert elapsed >= 1.0  # the 429's retry_after was waited out
    sends = fake_telegram.calls("sendMessage")
    assert len(sends) == 5 + 1 + 1 + 1  # five delivered, the 429 and the 500 sent again, the blocked one tried once
    assert unreachable == [str(blocked)] and str(blocked) not in subscribed and len(subscribed) == 5
