"""A Vietnamese resident and two counselors on Telegram, through the real client and the fake Bot API: escalate, see
the place in line, the counselor takes the chat from its notification, text and a photo go both ways, a transfer,
the close and the rating; a resident who blocked the bot; a stranger trying the desk commands."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.i18n import translator
from bot.storage import tickets
from bot.storage.models import ticket_table
from bot.storage.types import utcnow
from tests.conftest import TEST_TOKEN, build_app, make_settings

RESIDENT, MINH, LAN, STRANGER = 880001, 770001, 770002, 990001
_ = translator("vi")


@pytest.fixture
async def desk(fake_telegram, sqlite_url):
    settings = make_settings(sqlite_url, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    app = build_app(settings)
    for key, name in ((MINH, "Minh"), (LAN, "Lan")):
        await app.db.write(tickets.add_counselor, name=name, languages=["vi"], channel="telegram",
                           user_key=str(key), supervisor=False, locale="en", now=utcnow())
    channel = TelegramChannel(settings=settings, engine=app.engine, db=app.db, desk=app.desk)
    await channel.start(poll_timeout=1)
    yield channel, app
    await channel.stop()
    await app.close()


def texts(fake, chat_id: int) -> list[str]:
    return [message.text for message in fake.chats[chat_id]]


async def until(fake, chat_id: int, predicate, timeout: float = 10.0):
    await fake.wait_for(lambda: any(predicate(m) for m in fake.chats[chat_id]), timeout)
    return next(m for m in reversed(fake.chats[chat_id]) if predicate(m))


async def resident_asks_and_minh_is_told(fake) -> None:
    """The Vietnamese resident is onboarded and asks for a counselor; Minh is notified of request #1."""
    await onboard_resident(fake)
    fake.send_text(RESIDENT, "/counselor", language_code="vi")
    await until(fake, RESIDENT, lambda m: m.buttons and "request.confirm|send" in str(m.reply_markup))
    fake.send_text(RESIDENT, "giúp tôi", language_code="vi")
    await until(fake, MINH, lambda m: m.text.startswith("🆕 New request #1"))


async def onboard_resident(fake) -> None:
    fake.send_text(RESIDENT, "/start", language_code="vi")
    welcome = await until(fake, RESIDENT, lambda m: m.buttons)
    fake.press(RESIDENT, welcome, "onboard.language|vi", language_code="vi")
    await fake.wait_for(lambda: fake.last(RESIDENT).edits >= 1)
    fake.press(RESIDENT, fake.last(RESIDENT), "onboard.consent|yes", language_code="vi")
    await fake.wait_for(lambda: fake.last(RESIDENT).edits >= 2)
    fake.press(RESIDENT, fake.last(RESIDENT), "onboard.region|yeongam", language_code="vi")
    await fake.wait_for(lambda: fake.last(RESIDENT).edits >= 3)


async def test_a_vietnamese_resident_reaches_a_counselor_and_the_chat_flows_both_ways(desk, fake_telegram):
    fake = fake_telegram
    channel, app = desk
    await onboard_resident(fake)
    fake.send_text(RESIDENT, "/counselor", language_code="vi")
    await until(fake, RESIDENT, lambda m: _("💬 Talk to a counselor about {topic}")[:6] in m.text)
    fake.send_text(RESIDENT, "Công ty không trả lương cho tôi 3 tháng", language_code="vi")
    status = await until(fake, RESIDENT, lambda m: "⏳" in m.text)
    assert _("⏳ You are number {position} in line for {language} counselors. Waiting time: {wait}.").format(
        position=1, language="Tiếng Việt", wait=_("a few minutes")) in status.text  # 2 on duty, ~10 min each
    # each counselor gets one notification with a Take button
    note = await until(fake, MINH, lambda m: m.text.startswith("🆕 New request #1"))
    await until(fake, LAN, lambda m: m.text.startswith("🆕 New request #1"))
    assert "Tiếng Việt" in note.text and "Yeongam" in note.text
    fake.press(MINH, note, note.data_for("✋ Take #1"))
    taken = await until(fake, MINH, lambda m: m.text.startswith("✅ You have #1."))
    assert "Công ty không trả lương cho tôi 3 tháng" in taken.text
    await until(fake, RESIDENT, lambda m: m.text.startswith(_(
        "👋 {name}, a counselor of the call center, is now with you. Write your message here.").format(
        name="Minh")))
    # Lan pressing her (older) Take button is told it is taken
    fake.press(LAN, fake.last(LAN), "desk|take|1")
    await until(fake, LAN, lambda m: m.text == "Request #1 was already taken by Minh.")
    # the resident writes and sends a photo: both reach Minh, headed with the ticket
    fake.send_text(RESIDENT, "Tôi có hợp đồng", language_code="vi")
    await until(fake, MINH, lambda m: m.text == "#1 · Tiếng Việt\nTôi có hợp đồng")
    file_id = fake.send_photo(RESIDENT, caption="hợp đồng", language_code="vi")
    photo = await until(fake, MINH, lambda m: m.media is not None and m.media["type"] == "photo")
    assert photo.media["file_id"] == file_id and photo.text == "#1 · Tiếng Việt\nhợp đồng"
    # Minh answers by replying to the relayed message, and sends a photo back
    fake.send_text(MINH, "Cảm ơn, tôi đã nhận được.", reply_to=photo)
    answer = await until(fake, RESIDENT, lambda m: "Cảm ơn, tôi đã nhận được." in m.text)
    assert answer.text == _("💬 {name} (counselor):").format(name="Minh") + "\nCảm ơn, tôi đã nhận được."
    back = fake.send_photo(MINH, caption="mẫu đơn")
    sent_back = await until(fake, RESIDENT, lambda m: m.media is not None)
    assert sent_back.media["file_id"] == back and "mẫu đơn" in sent_back.text
    # transfer to Lan, who continues; the resident is told
    fake.send_text(MINH, "/transfer")
    menu = await until(fake, MINH, lambda m: m.text == "Hand #1 over to whom?")
    fake.press(MINH, menu, menu.data_for("➡️ Lan"))
    await until(fake, LAN, lambda m: m.text.startswith("🔀 Minh handed #1 over to you."))
    await until(fake, RESIDENT, lambda m: m.text == _(
        "Your chat was handed over to {name}, a counselor who will continue with you.").format(name="Lan"))
    # Lan closes it; the resident rates it
    fake.send_text(LAN, "/close labor resolved")
    await until(fake, LAN, lambda m: m.text.startswith("Closed #1"))
    closing = await until(fake, RESIDENT, lambda m: m.text.startswith(_(
        "✅ Your consultation with the call center is closed. Thank you for writing to us.")))
    fake.press(RESIDENT, closing, closing.data_for("4⭐"), language_code="vi")
    await fake.wait_for(lambda: fake.last(RESIDENT).text.startswith(_("Thank you for your rating.")))
    row = await app.db.read(lambda conn: conn.execute(select(ticket_table)).one())
    assert (row.status, row.counselor_id, row.close_topic, row.rating) == ("closed", 2, "labor", 4)
    assert row.first_assigned_at is not None and row.closed_at >= row.first_assigned_at


async def test_a_resident_who_blocked_the_bot_is_marked_and_the_counselor_told(desk, fake_telegram):
    fake = fake_telegram
    await resident_asks_and_minh_is_told(fake)
    fake.send_text(MINH, "/next")
    await until(fake, MINH, lambda m: m.text.startswith("✅ You have #1."))
    fake.blocked.add(RESIDENT)
    fake.send_text(MINH, "Bạn còn đó không?")
    await until(fake, MINH, lambda m: m.text.startswith("#1: the resident has blocked the bot."))
    fake.send_text(MINH, "Alo?")  # the desk now knows: the counselor is told at once, nothing is queued
    await until(fake, MINH, lambda m: m.text.startswith("The resident of #1 has blocked the bot"))


async def test_a_stranger_sees_nothing_of_the_queue(desk, fake_telegram):
    fake = fake_telegram
    await resident_asks_and_minh_is_told(fake)
    for command in ("/queue", "/take 1"):
        fake.send_text(STRANGER, command, language_code="en")
    await fake.wait_for(lambda: len(fake.chats[STRANGER]) >= 2)
    for message in fake.chats[STRANGER]:
        assert "This command is for the call center's counselors." in message.text
        assert "#1" not in message.text and "giúp tôi" not in message.text
