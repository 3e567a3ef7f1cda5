"""The real python-telegram-bot client against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel, split_text
from bot.conversation import Reply
from bot.conversation.engine import reply_payload
from bot.conversation.messages import Button
from bot.i18n import translator
from bot.storage.models import resident_table
from tests.conftest import TEST_TOKEN, build_app, make_settings

USER = 424242


@pytest.fixture
async def telegram(fake_telegram, sqlite_url):
    settings = make_settings(sqlite_url, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    app = build_app(settings)
    channel = TelegramChannel(settings=settings, engine=app.engine, db=app.db)
    await channel.start(poll_timeout=1)
    yield channel, app
    await channel.stop()
    await app.close()


async def resident(app, user_id=USER):
    return await app.db.read(lambda conn: conn.execute(select(resident_table).where(
        resident_table.c.channel == "telegram", resident_table.c.user_key == str(user_id))).first())


WELCOME = ("Hello! 👋 I am the chatbot of the Jeollanam-do Foreign Residents Integrated Support Call Center "
           "({phone}).\n\nPlease choose your language.")


async def test_start_with_thai_language_code_gets_the_thai_welcome(telegram, fake_telegram):
    fake_telegram.send_text(USER, "/start", language_code="th")
    sent = await fake_telegram.wait_requests("sendMessage", 1)
    assert sent[0].params["chat_id"] == USER
    assert sent[0].params["text"] == translator("th")(WELCOME).format(phone="1588-5949")
    labels = [b["text"] for row in sent[0].params["reply_markup"]["inline_keyboard"] for b in row]
    assert "ภาษาไทย" in labels and "Tiếng Việt" in labels


async def test_button_press_edits_the_menu_in_place_and_answers_the_query(telegram, fake_telegram):
    fake_telegram.send_text(USER, "/start", language_code="en")
    await fake_telegram.wait_requests("sendMessage", 1)
    welcome = fake_telegram.last(USER)
    fake_telegram.press(USER, welcome, welcome.data_for("English"))
    await fake_telegram.wait_requests("editMessageText", 1)
    await fake_telegram.wait_requests("answerCallbackQuery", 1)
    menu = fake_telegram.last(USER)
    assert menu.message_id == welcome.message_id and menu.edits == 1
    assert menu.text.startswith("🔒 Your privacy")
    fake_telegram.press(USER, menu, menu.data_for("✅ I agree"))
    await fake_telegram.wait_requests("editMessageText", 2)
    regions = fake_telegram.last(USER)
    fake_telegram.press(USER, regions, regions.data_for("Sinan 신안"))
    await fake_telegram.wait_requests("editMessageText", 3)
    assert fake_telegram.last(USER).text.startswith("Saved: Sinan 신안")
    row = await resident(telegram[1])
    assert (row.locale, row.region, row.consent) == ("en", "sinan", "yes")
    assert len(fake_telegram.calls("answerCallbackQuery")) == 3


async def test_every_callback_data_fits_in_64_bytes(telegram, fake_telegram):
    fake_telegram.send_text(USER, "/start")
    await fake_telegram.wait_requests("sendMessage", 1)
    for button in fake_telegram.last(USER).buttons:
        assert len(button["callback_data"].encode()) <= 64
        assert button["callback_data"].isascii()


async def test_retry_after_is_honoured(telegram, fake_telegram):
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    fake_telegram.send_text(USER, "/start")
    sent = await fake_telegram.wait_requests("sendMessage", 2, timeout=15)
    assert sent[1].at - sent[0].at >= 0.95
    assert fake_telegram.last(USER).text.startswith("Hello! 👋")


async def test_blocked_resident_is_marked_and_not_retried(telegram, fake_telegram):
    fake_telegram.send_text(USER, "/start")
    await fake_telegram.wait_requests("sendMessage", 1)
    fake_telegram.blocked.add(USER)
    fake_telegram.send_text(USER, "hello")
    await fake_telegram.wait_requests("sendMessage", 2)
    await fake_telegram.wait_for(lambda: True)
    for _ in range(50):
        row = await resident(telegram[1])
        if row.unreachable_at is not None:
            break
        await __import__("asyncio").sleep(0.05)
    assert row.unreachable_at is not None
    assert len(fake_telegram.calls("sendMessage")) == 2  # the 403 was not retried


async def test_sticker_gets_a_clear_answer(telegram, fake_telegram):
    fake_telegram.send_sticker(USER)
    await fake_telegram.wait_requests("sendMessage", 1)
    fake_telegram.send_sticker(USER)
    sent = await fake_telegram.wait_requests("sendMessage", 2)
    assert sent[1].params["text"].startswith("I can't read stickers")


async def test_user_without_language_code_gets_english(telegram, fake_telegram):
    fake_telegram.send_text(USER, "/start", language_code=None)
    sent = await fake_telegram.wait_requests("sendMessage", 1)
    assert sent[0].params["text"] == WELCOME.format(phone="1588-5949")


async def test_forged_callback_gets_the_current_menu(telegram, fake_telegram):
    fake_telegram.send_text(USER, "/start")
    await fake_telegram.wait_requests("sendMessage", 1)
    fake_telegram.press(USER, fake_telegram.last(USER), "privacy.delete|yes")
    await fake_telegram.wait_requests("editMessageText", 1)
    assert fake_telegram.last(USER).text.startswith("That button belongs to an older menu.")
    assert await resident(telegram[1]) is not None


async def test_command_list_is_set_in_every_language(telegram, fake_telegram):
    assert fake_telegram.commands[""][0] == {"command": "start", "description": "Start or restart"}
    assert {"ko", "vi", "zh", "id", "km", "ne", "th", "si", "tl", "uz"} <= set(fake_telegram.commands)
    th = fake_telegram.commands["th"]
    assert [c["command"] for c in th] == ["start", "menu", "language", "help", "delete"]
    assert th[4]["description"] == translator("th")("Delete my data")


async def test_long_reply_is_split_with_the_keyboard_on_the_last_part(telegram, fake_telegram):
    channel, _app = telegram
    text = ("A paragraph of guidance. " * 40 + "\n\n") * 12  # about 12,000 characters
    reply = Reply(text=text, rows=[[Button("🏠 Home", "nav|home")]], screen="x")
    result = await channel.sender.send_payload(str(USER), reply_payload(reply))
    assert result.outcome == "sent"
    sent = fake_telegram.calls("sendMessage")
    assert len(sent) == 3
    assert all(len(s.params["text"]) <= 4096 for s in sent)
    assert "reply_markup" not in sent[0].params and "reply_markup" in sent[-1].params
    assert "".join(s.params["text"] for s in sent).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")


def test_split_text_keeps_short_text_whole_and_cuts_at_boundaries():
    assert split_text("hello") == ["hello"]
    parts = split_text("word " * 2000, limit=4096)
    assert all(len(p) <= 4096 for p in parts) and all(not p.endswith("wor") for p in parts)
    unbroken = split_text("x" * 9000)
    assert [len(p) for p in unbroken] == [4096, 4096, 808]


async def test_one_residents_messages_are_answered_in_order(telegram, fake_telegram):
    started = time.monotonic()
    for text in ("/start", "one", "two", "/help", "three"):
        fake_telegram.send_text(USER, text)
    sent = await fake_telegram.wait_requests("sendMessage", 5)
    assert time.monotonic() - started < 10
    assert sent[0].params["text"].startswith("Hello!")
    assert sent[3].params["text"].startswith("📞 Call center: 1588-5949\n\n❓ How to use this bot")


async def test_bot_run_polls_and_stops_cleanly_on_sigterm(fake_telegram, sqlite_url, tmp_path):
    import asyncio
    import os
    import signal
    import sys

    from bot import PROJECT_ROOT

    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
           "DATABASE_URL": sqlite_url, "LOG_LEVEL": "INFO", "CONTENT_SNAPSHOT_DIR": str(tmp_path / "published")}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.commands) == 11, timeout=30)
        fake_telegram.send_text(USER, "/start", language_code="ko")
        sent = await fake_telegram.wait_requests("sendMessage", 1, timeout=30)
        assert sent[0].params["text"].startswith(translator("ko")(WELCOME).format(phone="1588-5949")[:10])
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0, err.decode()[-2000:]
    assert time.monotonic() - started < 15
    assert b"Traceback" not in err
    assert b"1588" not in err and TEST_TOKEN.encode() not in err  # no message text, no token in the log


async def test_a_photo_caption_is_read_as_text(telegram, fake_telegram):
    fake_telegram.send_text(USER, "/start")
    await fake_telegram.wait_requests("sendMessage", 1)
    fake_telegram.press(USER, fake_telegram.last(USER), "onboard.language|en")
    await fake_telegram.wait_requests("editMessageText", 1)
    photo = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    message = fake_telegram._message(USER, "en", photo=photo, caption="ambulance please")
    fake_telegram._push({"message": message})
    sent = await fake_telegram.wait_requests("sendMessage", 2)
    assert sent[1].params["text"].startswith("🚑 Call 119\n🚓 Call 112\n📞 Call center: 1588-5949\n\n🚨 Emergency")
