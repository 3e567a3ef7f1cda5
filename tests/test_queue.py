"""The counselor queue through the real engine and desk (no network): escalation, place in line, take, relay both
ways, transfer, close and rating, opening hours and holidays, statistics, audit, the migration of old requests, and
20 counselors claiming at once on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text

from bot.conversation import Incoming, Kind
from bot.i18n import translator
from bot.services.hours import OpeningHours, Schedule, ScheduleError
from bot.services.queue import rounded_wait
from bot.storage import mail, migrate, tickets
from bot.storage.db import Database
from bot.storage.models import audit_table, outbox_table, ticket_message_table, ticket_table
from bot.storage.types import utcnow
from tests.conftest import build_app, make_settings
from tests.helpers import Chat

COUNSELOR_KEY = "9001"


async def add_counselor(app, key: str = COUNSELOR_KEY, *, name: str = "Minh", languages=("vi",),
                        locale: str = "en") -> int:
    return await app.db.write(tickets.add_counselor, name=name, languages=list(languages), channel="test",
                              user_key=key, supervisor=False, locale=locale, now=utcnow())


class Counselor:
    """A counselor talking to the desk, the way a channel adapter would pass their messages."""

    def __init__(self, app, key: str = COUNSELOR_KEY) -> None:
        self.app = app
        self.key = key

    async def _run(self, kind: Kind, text: str = "", **extra):
        replies = await self.app.desk.handle(Incoming("test", self.key, kind, text=text, **extra))
        return replies[-1] if replies else None

    async def command(self, name: str, args: str = ""):
        return await self._run(Kind.COMMAND, name, args=args)

    async def press(self, token: str):
        return await self._run(Kind.CHOICE, token)

    async def say(self, text: str, **extra):
        return await self._run(Kind.TEXT, text, **extra)


async def outbox_for(app, recipient: str) -> list[dict]:
    rows = await app.db.read(lambda conn: conn.execute(select(outbox_table).where(
        outbox_table.c.recipient == recipient).order_by(outbox_table.c.id)).all())
    return [row.payload for row in rows if row.payload]


async def ticket_row(app, ticket_id: int | None = None):
    return await app.db.read(lambda conn: conn.execute(
        select(ticket_table).order_by(ticket_table.c.id.desc())).first() if ticket_id is None else
        conn.execute(select(ticket_table).where(ticket_table.c.id == ticket_id)).first())


async def vietnamese_resident(app, user: str = "vi-1") -> Chat:
    chat = Chat(app.engine, user, hint="vi")
    await chat.onboard("Tiếng Việt")
    return chat


async def escalate(chat: Chat, question: str = "Công ty không trả lương cho tôi 3 tháng"):
    await chat.command("counselor")
    return await chat.say(question)


# -- the resident's side -----------------------------------------------------------------------------------------------


async def test_a_resident_sees_their_place_in_line_and_the_waiting_time_in_their_language(app):
    await add_counselor(app)
    first, second = await vietnamese_resident(app, "vi-a"), await vietnamese_resident(app, "vi-b")
    await escalate(first)
    reply = await escalate(second)
    _ = translator("vi")
    assert reply.screen == "request.sent"
    assert _("⏳ You are number {position} in line for {language} counselors. Waiting time: {wait}.").format(
        position=2, language="Tiếng Việt", wait=_("about {minutes} minutes").format(minutes=20)) in reply.text
    assert _("✅ Your request was sent to the call center's counselors.") in reply.text
    row = await ticket_row(app)
    assert (row.status, row.locale, row.topic, row.channel, row.region) == ("waiting", "vi", "general", "test",
                                                                            "yeongam")


async def test_a_second_escalation_and_a_burst_of_messages_make_one_ticket(app):
    chat = await vietnamese_resident(app)
    await escalate(chat, "câu hỏi 1")
    await chat.say("câu hỏi 2")
    await chat.say("câu hỏi 3")
    await chat.press_token("nav|home")
    await chat.press_token("menu.main|emergency.main")
    await chat.press_token("emergency.main|emergency.urgent")
    await chat.press_token("emergency.urgent|send")
    rows = await app.db.read(lambda conn: conn.execute(select(ticket_table)).all())
    assert len(rows) == 1 and rows[0].priority == 10 and rows[0].kind == "urgent"
    said = await app.db.read(lambda conn: conn.execute(select(ticket_message_table.c.body)).scalars().all())
    assert said == ["câu hỏi 1", "câu hỏi 2", "câu hỏi 3"]


async def test_a_resident_can_cancel_at_any_time(app):
    chat = await vietnamese_resident(app)
    await escalate(chat)
    reply = await chat.press_token("request.sent|cancel")
    assert reply.screen == "menu.main" and reply.text.startswith(
        translator("vi")("Your request was cancelled. You can ask again any time."))
    assert (await ticket_row(app)).status == "cancelled"


async def test_who_is_asking_is_asked_once_and_can_be_skipped(app):
    chat = await vietnamese_resident(app)
    reply = await escalate(chat)
    assert "request.sent|type:employer" in {b.token for b in reply.buttons}
    reply = await chat.press_token("request.sent|type:employer")
    assert "request.sent|type:employer" not in {b.token for b in reply.buttons}
    assert (await ticket_row(app)).user_type == "employer"
    other = await vietnamese_resident(app, "vi-skip")
    await escalate(other)
    await other.press_token("request.sent|type:skip")
    assert (await ticket_row(app)).user_type is None


async def test_out_of_hours_on_a_holiday_the_resident_is_told_when_the_center_opens(sqlite_url):
    chuseok = datetime(2026, 9, 25, 1, 0, tzinfo=UTC)  # 10:00 in Korea, Chuseok
    app = build_app(make_settings(sqlite_url, OPENING_HOURS="mon-fri 09:00-18:00; sat 09:00-18:00",
                                  CLOSED_ON_HOLIDAYS=True))
    app.engine.clock = lambda: chuseok
    try:
        chat = await vietnamese_resident(app)
        reply = await escalate(chat)
        _ = translator("vi")
        # Monday after the Chuseok holidays and the weekend, 09:00 in Korea, written the Vietnamese way
        assert _("The call center is closed now. It opens {when} (Korean time); your request is kept until "
                 "then.").format(when="Thứ 2, 28 thg 9 09:00") in reply.text
        assert _("⏳ You are number {position} in line for {language} counselors.").format(
            position=1, language="Tiếng Việt") in reply.text
        with_wait = _("⏳ You are number {position} in line for {language} counselors. Waiting time: {wait}.")
        assert with_wait.format(position=1, language="Tiếng Việt", wait="")[:-1] not in reply.text  # no estimate
        assert _("In an emergency, call 119 now.") in reply.text
        assert (await ticket_row(app)).status == "waiting"  # kept
    finally:
        await app.close()


def test_opening_hours_and_bad_schedules():
    hours = OpeningHours("mon-fri 09:00-18:00; sat 09:00-13:00", {"ne": "mon,wed 09:00-20:00"})
    seoul = hours.tz
    assert hours.is_open(datetime(2026, 12, 2, 17, 59, tzinfo=seoul))  # a Wednesday
    assert not hours.is_open(datetime(2026, 12, 2, 18, 0, tzinfo=seoul))
    assert hours.is_open(datetime(2026, 12, 2, 19, 0, tzinfo=seoul), "ne")
    assert not hours.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=seoul))  # Christmas
    assert hours.next_opening(datetime(2026, 12, 5, 14, 0, tzinfo=seoul)) == datetime(2026, 12, 7, 9, 0,
                                                                                       tzinfo=seoul)
    for bad in ("", "mon 9-18", "funday 09:00-18:00", "mon 18:00-09:00", "mon 25:00-26:00"):
        with pytest.raises(ScheduleError):
            Schedule.parse(bad)


def test_waiting_times_are_rounded_for_people():
    assert [rounded_wait(m) for m in (1, 7, 11, 19, 26, 44, 58, 61, 130)] == [5, 10, 15, 20, 30, 45, 60, 120, 180]


# -- the counselor's side ----------------------------------------------------------------------------------------------


async def test_a_new_ticket_notifies_each_counselor_who_speaks_its_language_once(app):
    await add_counselor(app, "c-vi", name="Minh", languages=("vi", "ko"))
    await add_counselor(app, "c-th", name="Somchai", languages=("th",))
    chat = await vietnamese_resident(app)
    await escalate(chat, "một")
    await chat.say("hai")
    notified = await outbox_for(app, "c-vi")
    assert len(notified) == 1 and notified[0]["text"].startswith("🆕 New request #1")
    assert notified[0]["rows"] == [[["✋ Take #1", "desk|take|1"]]]
    assert await outbox_for(app, "c-th") == []


async def test_take_relay_transfer_close_and_rate_end_to_end(app):
    minh = Counselor(app, "c-minh")
    lan = Counselor(app, "c-lan")
    await add_counselor(app, "c-minh", name="Minh")
    await add_counselor(app, "c-lan", name="Lan")
    chat = await vietnamese_resident(app)
    await escalate(chat, "Công ty không trả lương")
    reply = await minh.press("desk|take|1")
    assert reply.text.startswith("✅ You have #1.") and "Công ty không trả lương" in reply.text
    _ = translator("vi")
    told = await outbox_for(app, "vi-1")
    assert told[-1]["text"] == _("👋 {name}, a counselor of the call center, is now with you. Write your message "
                                 "here.").format(name="Minh")
    # the resident writes: it goes to Minh, and the bot stays quiet
    replies = await app.engine.handle(Incoming("test", "vi-1", Kind.TEXT, text="Tôi làm ở Yeongam"))
    assert replies == []
    assert (await outbox_for(app, "c-minh"))[-1]["text"] == "#1 · Tiếng Việt\nTôi làm ở Yeongam"
    # a menu button is not answered while the chat is on; Home shows the chat
    reply = await chat.press_token("menu.main|menu:labor")
    assert reply.screen == "request.chat"
    # Minh answers: it reaches the resident, with his name
    assert await minh.say("Bạn có hợp đồng lao động không?") is None
    assert (await outbox_for(app, "vi-1"))[-1]["text"] == _("💬 {name} (counselor):").format(name="Minh") + \
        "\nBạn có hợp đồng lao động không?"
    # a private note is never sent to the resident
    await minh.command("note", "asked for the contract")
    assert "asked for the contract" not in str(await outbox_for(app, "vi-1"))
    # transfer to Lan
    reply = await minh.command("transfer")
    assert [[b.token for b in row] for row in reply.rows][:2] == [["desk|transfer|1|2"], ["desk|transfer|1|queue"]]
    await minh.press("desk|transfer|1|2")
    assert (await ticket_row(app)).counselor_id == 2
    assert "asked for the contract" in (await outbox_for(app, "c-lan"))[-1]["text"]  # Lan sees the note
    assert (await minh.command("take", "1")).text == "Request #1 was already taken by Lan."
    assert (await minh.say("still there?")).text.startswith("You have no open chat.")
    # Lan closes with a category and an outcome; the resident is asked to rate
    reply = await lan.command("close")
    assert "desk|close|1|labor" in {b.token for b in reply.buttons}
    reply = await lan.press("desk|close|1|labor")
    assert "desk|close|1|labor|resolved" in {b.token for b in reply.buttons}
    reply = await lan.press("desk|close|1|labor|resolved")
    assert reply.text.startswith("Closed #1")
    closing = (await outbox_for(app, "vi-1"))[-1]
    assert closing["rows"][0][0] == ["1⭐", "request.rate|1"]
    reply = await chat.press_token("request.rate|5")
    assert reply.screen == "menu.main"
    row = await ticket_row(app)
    assert (row.status, row.close_topic, row.outcome, row.rating, row.counselor_id) == (
        "closed", "labor", "resolved", 5, 2)
    actions = await app.db.read(lambda conn: [r.action for r in conn.execute(
        select(audit_table).where(audit_table.c.ticket_id == 1).order_by(audit_table.c.id))])
    assert actions == ["open", "take", "view", "note", "transfer", "close"]
    # after closing, the menus answer again
    reply = await chat.press_token("menu.main|menu:labor")
    assert reply.screen == "menu:labor"


async def test_the_resident_can_end_the_chat_and_the_counselor_is_told(app):
    minh = Counselor(app)
    await add_counselor(app)
    chat = await vietnamese_resident(app)
    await escalate(chat)
    await minh.command("next")
    reply = await chat.command("menu")
    assert reply.screen == "request.chat"
    reply = await chat.press_token("request.chat|end")
    assert reply.screen == "menu.main"
    assert (await ticket_row(app)).status == "cancelled"
    assert (await outbox_for(app, COUNSELOR_KEY))[-1]["text"] == "#1: the resident ended the chat."


async def test_emergency_words_still_work_while_a_counselor_has_the_chat(app):
    await add_counselor(app)
    chat = await vietnamese_resident(app)
    await escalate(chat)
    await Counselor(app).command("next")
    reply = await chat.say("cấp cứu, bạn tôi bị ngã")
    assert reply.screen == "emergency.main"
    assert "cấp cứu, bạn tôi bị ngã" in (await outbox_for(app, COUNSELOR_KEY))[-1]["text"]  # and passed on


async def test_a_file_over_20_mb_is_refused_on_both_sides(app):
    await add_counselor(app)
    chat = await vietnamese_resident(app)
    await escalate(chat)
    await Counselor(app).command("next")
    big = {"type": "document", "file_id": "BQAC", "size": 25 * 1024 * 1024, "file_name": "video.mp4"}
    replies = await app.engine.handle(Incoming("test", "vi-1", Kind.MEDIA, text="document", media=big))
    assert replies[0].text.startswith(translator("vi")("This file is over 20 MB, too big to pass on. Please send a "
                                                       "smaller file or a photo of it; the counselor has been "
                                                       "told.")[:20])
    assert "over 20 MB" in (await outbox_for(app, COUNSELOR_KEY))[-1]["text"]
    small = {"type": "photo", "file_id": "AgAC", "size": 200_000}
    assert await app.engine.handle(Incoming("test", "vi-1", Kind.MEDIA, text="photo", media=small)) == []
    assert (await outbox_for(app, COUNSELOR_KEY))[-1]["media"] == small


# -- bad input ---------------------------------------------------------------------------------------------------------


async def test_taking_a_closed_or_taken_ticket_and_closing_nothing_are_answered_clearly(app):
    minh, lan = Counselor(app, "c-minh"), Counselor(app, "c-lan")
    await add_counselor(app, "c-minh", name="Minh")
    await add_counselor(app, "c-lan", name="Lan")
    assert (await minh.command("close")).text == "You have no open chat to close. /mine shows your chats."
    assert (await minh.command("take", "99")).text == "There is no request #99."
    assert (await minh.command("take", "abc")).text.startswith("Which request?")
    chat = await vietnamese_resident(app)
    await escalate(chat)
    await minh.command("take", "1")
    assert (await lan.command("take", "1")).text == "Request #1 was already taken by Minh."
    assert (await minh.command("close", "weather great")).text.startswith("Topics:")
    await minh.command("close", "labor resolved")
    assert (await lan.command("take", "1")).text == "Request #1 is closed."
    assert (await minh.say("one more thing")).text == \
        "You have no open chat. /queue shows who is waiting, /next takes the next one."
    assert (await minh.command("next")).text == "Nobody is waiting in your languages."


async def test_a_reply_to_a_message_of_a_closed_ticket_is_not_sent(app):
    minh = Counselor(app)
    await add_counselor(app)
    chat = await vietnamese_resident(app)
    await escalate(chat)
    await minh.command("next")
    await app.engine.handle(Incoming("test", "vi-1", Kind.TEXT, text="xin chào"))
    relayed = await app.db.read(lambda conn: conn.execute(select(outbox_table).where(
        outbox_table.c.recipient == COUNSELOR_KEY, outbox_table.c.kind == "relay")).one())
    await app.db.write(mail.claim, channel="test", now=utcnow(), ids=[relayed.id])
    await app.db.write(mail.mark_sent, ids=[relayed.id], now=utcnow(), ref="777")
    await minh.command("close", "daily resolved")
    before = len(await outbox_for(app, "vi-1"))
    reply = await minh.say("one more thing", reply_to="777")
    assert reply.text == "Request #1 is closed; your message was not sent."
    assert len(await outbox_for(app, "vi-1")) == before


async def test_residents_get_a_polite_refusal_for_desk_commands(app):
    chat = await vietnamese_resident(app)
    await escalate(chat)
    for command in ("queue", "take", "next", "close"):
        reply = await chat.command(command, "1")
        assert reply.text.startswith(translator("vi")(
            "This command is for the call center's counselors. If you need help, tap 💬 Counselor or call "
            "{phone}.").format(phone="1588-5949"))
        assert "#1" not in reply.text


async def test_a_disabled_counselor_can_do_nothing(app):
    counselor_id = await add_counselor(app)
    await app.db.write(tickets.update_counselor, counselor_id=counselor_id, active=False)
    reply = await Counselor(app).command("queue")
    assert reply.text == "This account is not an active counselor of the call center."


# -- claims under concurrency ------------------------------------------------------------------------------------------


async def _race(url: str) -> None:
    app = build_app(make_settings(url))
    try:
        ids = [await app.db.write(tickets.add_counselor, name=f"C{n}", languages=["vi"], channel="test",
                                  user_key=f"race{n}", supervisor=False, locale="en", now=utcnow())
               for n in range(20)]
        for n in range(10):
            chat = Chat(app.engine, f"race-resident-{n}", hint="vi")
            await chat.onboard("Tiếng Việt")
            await escalate(chat, f"câu hỏi {n}")
        waiting = [t.id for t in await app.db.read(tickets.waiting)]
        assert len(waiting) == 10
        # 20 counselors each try to take the same first ticket, then everyone presses /next
        same = await asyncio.gather(*(Counselor(app, f"race{n}").press(f"desk|take|{waiting[0]}")
                                      for n in range(20)))
        winners = [r for r in same if r.text.startswith("✅ You have")]
        losers = [r for r in same if "already taken" in r.text]
        assert len(winners) == 1 and len(losers) == 19
        rest = await asyncio.gather(*(Counselor(app, f"race{n}").command("next") for n in range(20)))
        taken = [int(r.text.split("#", 1)[1].split(".", 1)[0]) for r in [*winners, *rest]
                 if r.text.startswith("✅ You have")]
        assert sorted(taken) == sorted(waiting)  # every ticket claimed exactly once, none lost
        assert sum(r.text == "Nobody is waiting in your languages." for r in rest) == 11
        rows = await app.db.read(lambda conn: conn.execute(select(ticket_table.c.status,
                                                                  ticket_table.c.counselor_id)).all())
        assert [status for status, _ in rows] == ["assigned"] * 10 and {c for _, c in rows} <= set(ids)
    finally:
        await app.close()


async def test_twenty_counselors_claiming_at_once_on_sqlite(sqlite_url):
    await _race(sqlite_url)


async def test_twenty_counselors_claiming_at_once_on_postgresql(postgres_url):
    from tests.conftest import _truncate

    await _truncate(postgres_url)
    await _race(postgres_url)


# -- statistics and the migration --------------------------------------------------------------------------------------


async def test_statistics_on_a_seeded_dataset(app, tmp_path):
    from bot import stats

    base = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)

    def seed(*, conn):
        rows = []
        for n in range(10):
            locale = ("vi", "ko", "vi", "th", "vi")[n % 5]
            queued = base + timedelta(days=n * 4)
            rows.append({"channel": "telegram" if n % 2 else "kakao", "kind": "counselor", "topic": "labor",
                         "priority": 0, "locale": locale, "region": ("yeongam", "mokpo")[n % 2],
                         "status": ("closed", "cancelled", "expired")[0 if n < 6 else n % 2 + 1],
                         "details": {}, "created_at": queued, "queued_at": queued,
                         # 0-5 closed by a counselor, 6 ended by the resident in the chat, 7 expired (never taken)
                         "first_assigned_at": queued + timedelta(minutes=10) if n != 7 else None,
                         "assigned_at": queued + timedelta(minutes=10) if n != 7 else None,
                         "closed_at": queued + timedelta(minutes=40), "close_topic": "labor" if n < 8 else None,
                         "rating": 4 if n < 4 else None, "updated_at": queued, "user_type": "employer" if n == 0
                         else None})
        conn.execute(insert(ticket_table), rows)

    await app.db.write(seed)
    rows = await app.db.read(tickets.consultations, start=datetime(2026, 10, 1, tzinfo=UTC),
                             end=datetime(2026, 11, 1, tzinfo=UTC))
    assert len(rows) == 8  # days 0..28 of October
    table = stats.table(stats.summarise(rows, ["language"], app.settings.tz), ["language"])
    by_language = {row[0]: row[1:] for row in table}
    assert by_language["vi"][:3] == [5, 4, 4] and by_language["ko"][:3] == [2, 2, 1] and by_language["th"][0] == 1
    # 8 requests; 7 reached a counselor (one expired in line); 6 closed with a topic; the chat the resident ended
    # counts its 30 minutes of handling too
    assert by_language["total"] == [8, 7, 6, 10.0, 30.0, 4, 4.0]
    csv_text = stats.to_csv(table, ["language"])
    assert csv_text.splitlines()[0] == \
        "language,requests,consultations,closed,avg_wait_min,avg_handling_min,ratings,avg_rating"


def test_the_stats_command_prints_and_writes_csv(sqlite_url, tmp_path):
    import os
    import subprocess
    import sys

    from bot import PROJECT_ROOT

    env = {**os.environ, "DATABASE_URL": sqlite_url, "TELEGRAM_BOT_TOKEN": ""}
    done = subprocess.run([sys.executable, "-m", "bot", "stats", "--from", "2026-01-01", "--to", "2026-12-31",
                           "--by", "month,language", "--csv", str(tmp_path / "s.csv")], capture_output=True,
                          text=True, cwd=PROJECT_ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split()[:4] == ["month", "language", "requests", "consultations"]
    assert (tmp_path / "s.csv").read_text().startswith("month,language,requests,consultations")
    bad = subprocess.run([sys.executable, "-m", "bot", "stats", "--from", "2026-13-01", "--to", "2026-12-31"],
                         capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_the_counselor_commands(sqlite_url):
    import os
    import subprocess
    import sys

    from bot import PROJECT_ROOT

    env = {**os.environ, "DATABASE_URL": sqlite_url, "TELEGRAM_BOT_TOKEN": ""}

    def bot(*args):
        return subprocess.run([sys.executable, "-m", "bot", "counselor", *args], capture_output=True, text=True,
                              cwd=PROJECT_ROOT, env=env, timeout=120)

    added = bot("add", "--name", "Minh", "--languages", "vi,zh", "--telegram-id", "424242", "--supervisor")
    assert added.returncode == 0 and added.stdout.startswith("Added counselor 1: Minh (vi, zh_Hans) [supervisor]")
    assert bot("add", "--name", "X", "--languages", "fr", "--telegram-id", "5").returncode == 2
    listed = bot("list")
    assert "Minh" in listed.stdout and "vi,zh_Hans" in listed.stdout and "active" in listed.stdout
    assert bot("disable", "1").returncode == 0
    assert "disabled" in bot("list").stdout
    assert bot("disable", "7").returncode == 1


async def test_the_migration_keeps_old_help_requests_as_tickets(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0003")
    db = Database(url)
    now = datetime(2026, 11, 20, tzinfo=UTC)

    def seed(*, conn):
        conn.execute(text("INSERT INTO resident (id, channel, user_key, first_seen, last_seen) "
                          "VALUES (1, 'telegram', '4242', :now, :now)"), {"now": now.replace(tzinfo=None)})
        for number, (kind, status) in enumerate([("counselor", "open"), ("urgent", "open"),
                                                 ("interpreter", "done")], start=1):
            conn.execute(text("INSERT INTO help_request (id, resident_id, kind, topic, priority, locale, region, "
                              "channel, details, status, created_at) VALUES (:id, 1, :kind, 'labor', 0, 'vi', "
                              "'yeongam', 'telegram', '{}', :status, :now)"),
                         {"id": number, "kind": kind, "status": status, "now": now.replace(tzinfo=None)})

    await db.write(seed)
    await db.dispose()
    migrate.upgrade(url)
    db = Database(url)
    rows = await db.read(lambda conn: conn.execute(select(ticket_table).order_by(ticket_table.c.id)).all())
    await db.dispose()
    assert [(r.kind, r.status, r.user_key, r.locale) for r in rows] == [
        ("counselor", "waiting", "4242", "vi"), ("urgent", "waiting", "4242", "vi"),
        ("interpreter", "closed", "4242", "vi")]


async def test_with_two_chats_nothing_reaches_a_resident_the_counselor_did_not_choose(app):
    minh, lan = Counselor(app), Counselor(app, "9002")
    await add_counselor(app)
    await add_counselor(app, "9002", name="Lan")
    for user in ("vi-a", "vi-b", "vi-c"):
        await escalate(await vietnamese_resident(app, user))
    await minh.command("take", "1")
    await minh.command("take", "2")
    await minh.command("switch", "1")
    sent = {user: len(await outbox_for(app, user)) for user in ("vi-a", "vi-b", "vi-c")}
    # a reply to a message that names no chat (the bot's own "You have #2"): not guessed
    replies = await app.desk.handle(Incoming("test", COUNSELOR_KEY, Kind.TEXT, text="for whom?", reply_to="4242"))
    assert replies[0].text.startswith("Which chat is this reply for? Nothing was sent")
    assert any(b.token == "desk|switch|2" for b in replies[-1].buttons)
    # the canned answers offered for #1 still go to #1 after a switch to #2
    menu = await minh.command("canned")
    canned = menu.buttons[0].token
    assert canned.startswith("desk|canned|1|")
    await minh.command("switch", "2")
    await minh.press(canned)
    assert len(await outbox_for(app, "vi-a")) == sent["vi-a"] + 1
    assert len(await outbox_for(app, "vi-b")) == sent["vi-b"]
    # a colleague in the middle of a chat keeps writing to it when another one is handed over to them
    await lan.command("take", "3")
    await minh.command("transfer", "2")
    lan_id = (await app.db.read(lambda conn: tickets.counselor_by_key(conn=conn, channel="test",
                                                                          user_key="9002"))).id
    await minh.press(f"desk|transfer|2|{lan_id}")
    handed = (await outbox_for(app, "9002"))[-1]["text"]
    assert handed.startswith("🔀 Minh handed #2 over to you. /switch 2 to write to this resident.")
    await lan.say("still about your contract")
    assert (await outbox_for(app, "vi-c"))[-1]["text"].endswith("still about your contract")
    assert len(await outbox_for(app, "vi-b")) == sent["vi-b"] + 1  # only the notice that Lan took over


async def test_a_disabled_counselors_chats_go_back_to_the_queue_and_their_residents_are_told(app, settings):
    import os
    import subprocess
    import sys

    from bot import PROJECT_ROOT

    minh = Counselor(app)
    await add_counselor(app)
    await add_counselor(app, "9002", name="Lan")
    chat = await vietnamese_resident(app)
    await escalate(chat)
    await minh.command("next")
    before, offered = len(await outbox_for(app, "vi-1")), len(await outbox_for(app, "9002"))
    env = {**os.environ, "DATABASE_URL": settings.database_url, "TELEGRAM_BOT_TOKEN": ""}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", "counselor", "disable", "1"],
                                   capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (await ticket_row(app)).status == "waiting"
    told = (await outbox_for(app, "vi-1"))[before:]
    assert [m["text"] for m in told] == [translator("vi")(
        "Your request is back in the line; the next free counselor for your language will continue.")]
    assert any("#1" in m["text"] for m in (await outbox_for(app, "9002"))[offered:])  # Lan is offered it again


async def test_handling_time_counts_every_counselor_who_had_the_chat(app):
    from bot import stats

    minh, lan = Counselor(app), Counselor(app, "9002")
    await add_counselor(app)
    lan_id = await add_counselor(app, "9002", name="Lan")
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    clock = {"now": start}
    app.desk.clock = app.engine.clock = lambda: clock["now"]
    await escalate(await vietnamese_resident(app))
    await minh.command("next")
    clock["now"] = start + timedelta(minutes=10)
    await minh.press(f"desk|transfer|1|{lan_id}")  # ten minutes with Minh
    clock["now"] = start + timedelta(minutes=25)
    await lan.command("close", "labor resolved")  # fifteen with Lan
    rows = await app.db.read(tickets.consultations, start=start - timedelta(days=1), end=start + timedelta(days=1))
    table = stats.table(stats.summarise(rows, [], app.settings.tz), [])
    assert table[-1][5] == 25.0  # avg_handling_min: both stretches, not only Lan's
    assert await app.db.read(tickets.handling_minutes, locale="vi") == [25.0]  # what waiting estimates use
