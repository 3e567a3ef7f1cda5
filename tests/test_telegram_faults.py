"""Telegram under faults, with the real client and the real bot process against the fake Bot API on 127.0.0.1:
unreadable updates, Bot API outages, a revoked token, slow answers, forged buttons, floods and kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import PROJECT_ROOT
from bot.channels.telegram import ChannelStopped, TelegramChannel
from bot.channels.telegram_request import AiohttpRequest
from bot.storage.db import Database
from bot.storage.models import inbox_table, outbox_table
from tests.conftest import TEST_TOKEN, build_app, make_settings

ALICE, BOB = 515151, 626262


@pytest.fixture
async def channel(fake_telegram, sqlite_url):
    settings = make_settings(sqlite_url, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    app = build_app(settings)
    telegram = TelegramChannel(settings=settings, engine=app.engine, db=app.db, poll_backoff=(0.05, 0.1, 0.2))
    await telegram.start(poll_timeout=1)
    yield telegram, app
    await telegram.stop()
    await app.close()


async def _inbox(app):
    return await app.db.read(lambda conn: conn.execute(select(inbox_table).order_by(inbox_table.c.update_id)).all())


async def test_an_unreadable_update_is_skipped_once_and_the_others_are_served(channel, fake_telegram):
    _telegram, app = channel
    fake_telegram.send_poll(ALICE)
    fake_telegram.send_text(BOB, "my visa number is PRIVATE-8102")
    sent = await fake_telegram.wait_requests("sendMessage", 1)
    assert sent[0].params["chat_id"] == BOB
    polls_then = fake_telegram.poll_count
    await asyncio.sleep(1.0)
    assert fake_telegram.poll_count - polls_then <= 3  # long polling again, not a tight loop
    rows = await _inbox(app)
    assert [(row.user_key, row.status) for row in rows] == [(str(ALICE), "skipped"), (str(BOB), "done")]
    assert rows[0].error == "unreadable: TypeError" and rows[0].payload is not None  # kept for an operator
    assert rows[1].payload is None  # what Bob wrote is not kept once answered


@pytest.mark.parametrize("fault", ["500", "garbage", "wrong shape", "dropped", "429"])
async def test_polling_survives_a_bad_answer_from_the_bot_api(channel, fake_telegram, fault):
    match fault:
        case "500":
            fake_telegram.fail_next("getUpdates", 500, "Internal Server Error")
        case "garbage":
            fake_telegram.garbage_next("getUpdates")
        case "wrong shape":
            fake_telegram.result_next("getUpdates", [{"update_id": "x"}])
        case "dropped":
            fake_telegram.drop_next("getUpdates")
        case "429":
            fake_telegram.fail_next("getUpdates", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    await asyncio.sleep(0.3)
    fake_telegram.send_text(ALICE, "/start")
    sent = await fake_telegram.wait_requests("sendMessage", 1, timeout=15)
    assert sent[0].params["text"].startswith("Hello! 👋")


async def test_a_revoked_token_ends_polling_with_a_clear_reason(channel, fake_telegram):
    telegram, _app = channel
    fake_telegram.revoke_token()
    poll = telegram.tasks[0]
    await asyncio.wait([poll], timeout=10)
    with pytest.raises(ChannelStopped, match="TELEGRAM_BOT_TOKEN"):
        poll.result()


async def test_a_slow_answer_is_not_sent_twice(fake_telegram, sqlite_url, monkeypatch):
    """sendMessage is carried out but answered after the client gave up waiting: never retried blindly."""
    settings = make_settings(sqlite_url, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    app = build_app(settings)
    telegram = TelegramChannel(settings=settings, engine=app.engine, db=app.db)
    build = telegram.build_bot

    def quick_bot():
        bot = build()
        bot._request = (bot._request[0], AiohttpRequest(read_timeout=0.5))
        return bot

    monkeypatch.setattr(telegram, "build_bot", quick_bot)
    await telegram.start(poll_timeout=1)
    try:
        fake_telegram.slow_next("sendMessage", 1.5)
        fake_telegram.send_text(ALICE, "/start")
        await fake_telegram.wait_requests("sendMessage", 1)
        await asyncio.sleep(2.5)
        assert len(fake_telegram.calls("sendMessage")) == 1
        assert fake_telegram.last(ALICE).text.startswith("Hello! 👋")
        status = await app.db.read(lambda conn: conn.execute(select(outbox_table.c.status)).scalar_one())
        assert status == "unknown"
    finally:
        await telegram.stop()
        await app.close()


async def test_a_reply_whose_connection_could_not_be_made_is_sent_later(channel, fake_telegram):
    telegram, app = channel
    fake_telegram.send_text(ALICE, "/start")
    await fake_telegram.wait_requests("sendMessage", 1)
    fake_telegram.fail_next("sendMessage", 502, "Bad Gateway")  # Telegram did not take it: safe to send again
    fake_telegram.send_text(ALICE, "/help")
    sent = await fake_telegram.wait_requests("sendMessage", 3, timeout=10)
    assert "❓ How to use this bot" in sent[2].params["text"]


async def test_a_button_pressed_under_someone_elses_message_does_nothing(channel, fake_telegram):
    _telegram, app = channel
    fake_telegram.send_text(ALICE, "/start")
    await fake_telegram.wait_requests("sendMessage", 1)
    alices = fake_telegram.last(ALICE)
    fake_telegram.press(BOB, alices, alices.data_for("English"), chat_id=ALICE)
    answers = await fake_telegram.wait_requests("answerCallbackQuery", 1)
    assert answers[0].params["text"] == "This button is not for you."
    await asyncio.sleep(0.3)
    assert fake_telegram.calls("editMessageText") == [] and fake_telegram.last(ALICE).edits == 0
    rows = await _inbox(app)
    assert rows[-1].status == "skipped"


async def test_a_flood_from_one_resident_does_not_delay_another(channel, fake_telegram):
    fake_telegram.latency = 0.05
    for number in range(120):
        fake_telegram.send_text(ALICE, f"message {number}")
    await fake_telegram.wait_for(lambda: any(s.params.get("chat_id") == ALICE for s in fake_telegram.requests))
    started = time.monotonic()
    fake_telegram.send_text(BOB, "/start")
    await fake_telegram.wait_for(lambda: any(
        s.params.get("chat_id") == BOB for s in fake_telegram.calls("sendMessage")), timeout=10)
    assert time.monotonic() - started < 1.5
    slow_down = [s for s in fake_telegram.calls("sendMessage")
                 if s.params["chat_id"] == ALICE and s.params["text"].startswith("You sent many messages at once")]
    assert len(slow_down) == 1


# -- the real process ------------------------------------------------------------------------------------------------


def _env(fake_telegram, sqlite_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
            "DATABASE_URL": sqlite_url, "CONTENT_SNAPSHOT_DIR": str(tmp_path / "published"), "LOG_LEVEL": "INFO",
            **extra}


async def _start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


def _answers(fake_telegram, chat: int) -> list:
    """The replies a chat got (not counting the one-time note asking a flooder to slow down)."""
    return [s for s in fake_telegram.calls("sendMessage") if s.params["chat_id"] == chat
            and not s.params["text"].startswith("You sent many messages at once")]


async def test_kill_9_mid_burst_loses_no_update(fake_telegram, sqlite_url, tmp_path):
    fake_telegram.latency = 0.03
    env = _env(fake_telegram, sqlite_url, tmp_path)
    process = await _start_bot(env)
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.commands) == 11, timeout=30)
        for number in range(30):
            fake_telegram.send_text(ALICE, f"question {number} about my visa")
        await fake_telegram.wait_requests("sendMessage", 1, timeout=30)
        process.kill()  # kill -9 after the first reply
        await process.wait()
        assert len(_answers(fake_telegram, ALICE)) < 30, "the burst was answered before the kill: nothing was tested"
        process = await _start_bot(env)
        db = Database(sqlite_url)
        try:
            for _ in range(600):  # until every update is processed and every reply sent
                statuses = await db.read(lambda conn: (
                    conn.execute(select(inbox_table.c.status)).scalars().all(),
                    conn.execute(select(outbox_table.c.status)).scalars().all()))
                if statuses[0] == ["done"] * 30 and statuses[1] and all(s == "sent" for s in statuses[1]):
                    break
                await asyncio.sleep(0.1)
        finally:
            await db.dispose()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.communicate(), timeout=30)
    replies = _answers(fake_telegram, ALICE)
    assert 30 <= len(replies) <= 31  # every update answered; at most the one in flight at the kill twice
    rows, sent = statuses
    assert rows == ["done"] * 30 and sent == ["sent"] * len(sent)


async def test_a_revoked_token_stops_the_process_with_one_line_and_closes_the_database(fake_telegram, sqlite_url,
                                                                                       tmp_path):
    process = await _start_bot(_env(fake_telegram, sqlite_url, tmp_path))
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.commands) == 11, timeout=30)
        fake_telegram.revoke_token()
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 1
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert lines[-1].startswith("Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized)")
    assert "Traceback" not in err.decode() and TEST_TOKEN not in err.decode()
    path = sqlite_url.split("///", 1)[1]
    assert not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") == 0  # closed cleanly


async def test_debug_logs_hold_no_token_and_no_resident_text(fake_telegram, sqlite_url, tmp_path):
    process = await _start_bot(_env(fake_telegram, sqlite_url, tmp_path, LOG_LEVEL="DEBUG"))
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.commands) == 11, timeout=30)
        fake_telegram.send_poll(ALICE)
        fake_telegram.send_text(BOB, "my visa number is PRIVATE-8102")
        await fake_telegram.wait_requests("sendMessage", 1, timeout=30)
        fake_telegram.send_text(BOB, "/start")
        await fake_telegram.wait_requests("sendMessage", 2, timeout=30)
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
    log = err.decode()
    assert process.returncode == 0, log[-2000:]
    assert "DEBUG" in log  # the level was really DEBUG
    for secret in (TEST_TOKEN, TEST_TOKEN.split(":")[1], "PRIVATE-8102", "Which day suits you", "Hello! 👋"):
        assert secret not in log, secret
    assert log.count("cannot be read by python-telegram-bot") == 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:80a/bot", "http://[::1/bot", "http://exa mple/bot"])
def test_a_malformed_bot_api_address_is_refused_without_printing_the_token(url, tmp_path):
    import subprocess

    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_BASE_URL": url,
           "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3", "CONTENT_SNAPSHOT_DIR": str(tmp_path / "p")}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          env=env, timeout=60)
    assert done.returncode == 2
    assert "TELEGRAM_API_BASE_URL" in done.stderr and "not a valid address" in done.stderr
    assert TEST_TOKEN not in done.stderr + done.stdout and "Traceback" not in done.stderr


async def test_an_update_given_up_while_the_database_was_busy_is_answered_without_a_restart(channel, fake_telegram):
    import json

    from bot.storage import mail
    from bot.storage.types import utcnow

    telegram, app = channel
    # as the dispatcher leaves it after its retries: recorded, still open, nothing working on it
    update = {"update_id": 999_000, "message": fake_telegram._message(ALICE, "en", text="hello")}
    [row] = await app.db.write(mail.record_updates, channel="telegram", now=utcnow(),
                               updates=[(999_000, str(ALICE), json.dumps(update))])
    assert await telegram.resubmit_left() == 1
    sent = await fake_telegram.wait_requests("sendMessage", 1)
    assert sent[0].params["chat_id"] == ALICE
    [status] = await app.db.read(lambda conn: conn.execute(
        select(inbox_table.c.status).where(inbox_table.c.id == row.id)).scalars().all())
    assert status == "done"
    assert await telegram.resubmit_left() == 0  # answered: nothing left


async def test_a_long_message_that_fails_part_way_is_finished_without_repeating_its_first_part(channel,
                                                                                               fake_telegram):
    from bot.storage import mail
    from bot.storage.types import utcnow

    telegram, app = channel
    parts = [f"part {n}: " + "x" * 3500 for n in (1, 2, 3)]
    [row_id] = await app.db.write(mail.enqueue, now=utcnow(), messages=[
        {"channel": "telegram", "recipient": str(ALICE), "kind": "notice", "dedupe_key": "long:1",
         "payload": {"text": "\n".join(parts), "rows": []}}])
    fake_telegram.fail_next("sendMessage", 500, "Internal Server Error", after=1)  # the second part fails
    await telegram.outbox.send_now([row_id])
    sent = await fake_telegram.wait_requests("sendMessage", 4, timeout=15)  # part 2 again after the backoff
    texts = [call.params["text"][:7] for call in sent]
    assert texts == ["part 1:", "part 2:", "part 2:", "part 3:"]  # part 1 once
    for _ in range(100):  # the last part's mark is written just after its answer
        status = await app.db.read(lambda conn: conn.execute(
            select(outbox_table.c.status).where(outbox_table.c.id == row_id)).scalar_one())
        if status == "sent":
            break
        await asyncio.sleep(0.02)
    assert status == "sent"
