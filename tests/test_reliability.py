"""Reliability below the channels: the database recovers by itself, the inbox runs each update once, the outbox
loses nothing, deleted text leaves the disk, odd characters and native digits behave the same everywhere."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot import PROJECT_ROOT
from bot.content import ContentError, ContentStore, publish
from bot.conversation import Incoming, Kind
from bot.conversation.engine import Receipt, TurnDeferred
from bot.i18n import LOCALES, translator
from bot.services.inbox import Deferred, Dispatcher
from bot.services.outbox import Outbox, Outcome, Result
from bot.storage import mail
from bot.storage.db import Database
from bot.storage.mail import InboxRow
from bot.storage.models import inbox_table, message_table, outbox_table, ticket_table
from bot.storage.types import utcnow
from bot.text import ascii_digits, clean, shorten
from handlers import build_registry
from tests.conftest import build_app, make_settings
from tests.helpers import Chat

FLOWS = build_registry().flows


# -- 1. a failed COMMIT does not break the bot until a restart ------------------------------------------------------


def _fail_commits(db: Database, count: int) -> list[int]:
    """Make the next `count` COMMITs on the SQLite connection fail as on a full disk."""
    left = [count]

    def commit(_conn) -> None:
        if left[0] > 0:
            left[0] -= 1
            raise OperationalError("COMMIT", {}, Exception("database or disk is full"))

    event.listen(db._sync, "commit", commit)
    return left


async def test_a_failed_commit_gets_an_apology_and_the_next_message_works(app):
    chat = Chat(app.engine)
    await chat.onboard()
    _fail_commits(app.db, 1)
    reply = await chat.command("help")
    assert reply.text.startswith("Sorry, something went wrong on our side.")
    reply = await chat.command("help")  # disk space is back: no restart needed
    assert reply.screen == "help.main"
    reply = await chat.press_token("nav|home")
    assert reply.screen == "menu.main"


async def test_the_database_fills_up_and_recovers_by_itself(app, settings):
    """A real SQLITE_FULL: the database may not grow past its current size, then it may again."""
    chat = Chat(app.engine)
    await chat.onboard()
    pages = await app.db.read(lambda conn: conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    await app.db.write(lambda conn: conn.exec_driver_sql(f"PRAGMA max_page_count={pages}"))
    apologies = 0
    for number in range(40):  # history grows with every turn until the file is full
        reply = await chat.say(f"question number {number} " + "about my visa " * 60)
        apologies += reply.text.startswith("Sorry, something went wrong")
        if apologies:
            break
    assert apologies == 1, "the database never filled up"
    await app.db.write(lambda conn: conn.exec_driver_sql("PRAGMA max_page_count=1073741823"))
    reply = await chat.command("help")
    assert reply.screen == "help.main"


# -- 3. the inbox: recorded once, processed once ---------------------------------------------------------------------


async def test_an_update_recorded_twice_is_kept_once(app):
    now = utcnow()
    first = await app.db.write(mail.record_updates, channel="telegram", now=now,
                               updates=[(10, "1", "{}"), (11, "1", "{}")])
    again = await app.db.write(mail.record_updates, channel="telegram", now=now,
                               updates=[(11, "1", "{}"), (12, "2", "{}")])
    assert [row.update_id for row in first] == [10, 11]
    # 11 came again while still open (its first recording's COMMIT answer may have been lost): it is due, as the
    # same row (the dispatcher runs a row once); 12 is new
    assert [(row.update_id, row.id) for row in again] == [(11, first[1].id), (12, first[1].id + 1)]
    await app.db.write(mail.finish_update, inbox_id=first[1].id, status="done", now=now)
    assert await app.db.write(mail.record_updates, channel="telegram", now=now, updates=[(11, "1", "{}")]) == []
    assert await app.db.read(lambda conn: conn.execute(select(inbox_table.c.update_id)).scalars().all()) == [10, 11, 12]
    assert await app.db.read(mail.last_update_id, channel="telegram") == 12


async def test_a_durable_turn_closes_its_inbox_row_and_queues_its_reply_together(app):
    rows = await app.db.write(mail.record_updates, channel="test", now=utcnow(),
                              updates=[(1, "u1", json.dumps({"secret": "my passport M123"}))])
    receipt = Receipt(inbox_id=rows[0].id, recipient="u1")
    ids = (await app.engine.process(Incoming("test", "u1", Kind.COMMAND, text="start"), receipt)).rows
    assert len(ids) == 1
    again = (await app.engine.process(Incoming("test", "u1", Kind.COMMAND, text="start"), receipt)).rows
    assert again == []  # the same update is never processed twice
    inbox = await app.db.read(lambda conn: conn.execute(select(inbox_table)).one())
    assert (inbox.status, inbox.payload) == ("done", None)  # what the resident wrote is not kept
    queued = await app.db.read(lambda conn: conn.execute(select(outbox_table)).all())
    assert len(queued) == 1 and queued[0].payload["text"].startswith("Hello! 👋")


async def test_a_turn_the_database_cannot_take_leaves_the_update_open(app):
    rows = await app.db.write(mail.record_updates, channel="test", now=utcnow(), updates=[(1, "u2", "{}")])
    _fail_commits(app.db, 1)
    with pytest.raises(TurnDeferred) as caught:
        await app.engine.process(Incoming("test", "u2", Kind.COMMAND, text="start"),
                                 Receipt(inbox_id=rows[0].id, recipient="u2"))
    assert caught.value.apology.text.startswith("Sorry, something went wrong")
    assert [row.id for row in await app.db.read(mail.unfinished_updates, channel="test")] == [rows[0].id]
    ids = (await app.engine.process(Incoming("test", "u2", Kind.COMMAND, text="start"),
                                    Receipt(inbox_id=rows[0].id, recipient="u2"))).rows
    assert len(ids) == 1 and await app.db.read(mail.unfinished_updates, channel="test") == []


# -- 6. one resident's flood does not delay the others -----------------------------------------------------------------


async def test_a_flooding_resident_holds_one_place_and_is_told_once():
    started: list[str] = []
    warned: list[str] = []
    release = asyncio.Event()

    async def handle(row: InboxRow) -> None:
        started.append(row.user_key)
        if row.user_key == "flooder":
            await release.wait()

    dispatcher = Dispatcher(handle, max_active=2, flood_after=5,
                            on_flood=lambda row: asyncio.sleep(0, warned.append(row.user_key)))
    dispatcher.submit([InboxRow(i, i, "flooder", None) for i in range(1, 601)])
    dispatcher.submit([InboxRow(1000, 1000, "other", None)])
    await asyncio.sleep(0.05)
    assert started.count("other") == 1  # served while the flooder's first message is still running
    assert started.count("flooder") == 1
    assert warned == ["flooder"]
    release.set()
    assert await dispatcher.drain(timeout=10)
    assert started.count("flooder") == 600


async def test_a_deferred_update_is_tried_again_and_keeps_its_place_in_line():
    calls: list[int] = []

    async def handle(row: InboxRow) -> None:
        calls.append(row.id)
        if row.id == 1 and calls.count(1) < 3:
            raise Deferred

    dispatcher = Dispatcher(handle, retry_waits=(0.01, 0.01, 0.01))
    dispatcher.submit([InboxRow(1, 1, "a", None), InboxRow(2, 2, "a", None)])
    assert await dispatcher.drain(timeout=5)
    assert calls == [1, 1, 1, 2]


async def test_a_handler_bug_does_not_stop_later_updates(caplog):
    done: list[int] = []

    async def handle(row: InboxRow) -> None:
        if row.id == 1:
            raise KeyError("bug")
        done.append(row.id)

    dispatcher = Dispatcher(handle)
    dispatcher.submit([InboxRow(1, 1, "a", None), InboxRow(2, 2, "a", None)])
    assert await dispatcher.drain(timeout=5)
    assert done == [2]


# -- 7. two workers on one PostgreSQL database -------------------------------------------------------------------------


async def test_two_workers_answering_the_same_residents_refuse_nothing(postgres_url):
    from tests.conftest import _truncate

    await _truncate(postgres_url)
    first, second = build_app(make_settings(postgres_url)), build_app(make_settings(postgres_url))
    try:
        for user in range(8):
            await Chat(first.engine, f"pg{user}").onboard()
        tasks = []
        for number in range(10):
            for user in range(8):
                worker = (first, second)[(number + user) % 2]
                tasks.append(worker.engine.handle(Incoming("test", f"pg{user}", Kind.COMMAND,
                                                           text="help" if number % 2 else "menu")))
        replies = [reply for result in await asyncio.gather(*tasks) for reply in result]
        refused = [reply for reply in replies if reply.screen == "error"]
        assert len(replies) == 80 and not refused
    finally:
        await first.close()
        await second.close()


# -- 10. odd characters; 14. native digits -----------------------------------------------------------------------------


async def test_nul_and_lone_surrogates_get_a_normal_answer_on_every_database(any_db_url, caplog):
    app = build_app(make_settings(any_db_url))
    try:
        chat = Chat(app.engine, "nul-user")
        await chat.onboard()
        caplog.set_level(logging.DEBUG)
        reply = await chat.say("hello\x00 I need help with my visa \ud800 PRIVATE-4411")
        assert not reply.text.startswith("Sorry") and reply.screen == "search.results"
        stored = await app.db.read(lambda conn: conn.execute(
            select(message_table.c.body).where(message_table.c.direction == "in")).scalars().all())
        assert any("PRIVATE-4411" in body for body in stored) and not any("\x00" in body for body in stored)
        assert "PRIVATE-4411" not in caplog.text
    finally:
        await app.close()


def test_clean_keeps_text_and_drops_control_characters():
    assert clean("a\x00b\x1bc\nd\te\ud83d") == "abc\nd\te"
    assert clean("ສະບາຍດີ 안녕 🙂") == "ສະບາຍດີ 안녕 🙂"


@pytest.mark.parametrize("typed", ["１１９", "១១៩", "११९", "๑๑๙", "119"])
async def test_119_in_native_digits_opens_the_emergency_card(app, typed):
    chat = Chat(app.engine, f"digits-{typed}")
    await chat.onboard()
    reply = await chat.say(typed)
    assert reply.screen == "emergency.main"


@pytest.mark.parametrize(("typed", "hourly"), [("१०३२०", "10,320"), ("១០៣២០", "10,320"), ("９５００", "9,500"),
                                               ("๑๐๓๒๐ บาท", None)])
async def test_the_wage_check_reads_native_digits(app, typed, hourly):
    chat = Chat(app.engine, f"wage-{typed}")
    await chat.onboard()
    await chat.press_token("menu.main|menu:labor")
    await chat.press_token("menu:labor|wage.mode")
    await chat.press_token("wage.mode|wage.hourly")
    reply = await chat.say(typed)
    if hourly is None:
        assert reply.screen == "wage.hourly"  # not a number of won: asked again
    else:
        assert reply.screen == "wage.result" and f"₩{hourly}" in reply.text


def test_ascii_digits():
    assert ascii_digits("₩१०,३२० / ៨ ម៉ោង") == "₩10,320 / 8 ម៉ោង"
    assert ascii_digits("no digits") == "no digits"


# -- 15. button labels cut between graphemes ---------------------------------------------------------------------------


def test_shorten_cuts_between_grapheme_clusters_and_marks_the_cut():
    khmer = "ការធានារ៉ាប់រងសុខភាពជាតិសម្រាប់ជនបរទេស"
    for limit in range(2, 12):
        cut = shorten(khmer, limit)
        assert cut.endswith("…") and khmer.startswith(cut[:-1])
        assert not cut[:-1] or not __import__("unicodedata").combining(khmer[len(cut) - 1])
    assert shorten("short", 40) == "short"


async def test_search_result_buttons_are_whole_graphemes_in_every_locale(app):
    import regex

    for locale in LOCALES:
        _ = translator(locale)
        for card in app.content.current.cards.values():
            title = _(card.title)
            label = shorten(title, 40)
            clusters = regex.findall(r"\X", title)
            if len(clusters) <= 40:
                assert label == title
            else:
                kept = label[:-1]
                assert label.endswith("…") and len(regex.findall(r"\X", label)) <= 40
                assert "".join(clusters).startswith(kept) and len(kept) == len("".join(clusters[:39]).rstrip())


# -- 5. content: what was published, not whatever data/ holds ----------------------------------------------------------


def _data_copy(tmp_path):
    import shutil

    from bot import DATA_DIR

    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.sqlite3*", ".published"))
    return target


def test_the_first_start_publishes_and_a_restart_serves_the_snapshot(tmp_path):
    data = _data_copy(tmp_path)
    store = ContentStore(data, flows=FLOWS)
    assert (data / ".published" / "CURRENT").exists()
    card = next(iter(store.current.cards.values()))
    path = next(p for p in (data / "cards").glob("*.yaml") if f"id: {card.id}" in p.read_text())
    path.write_text(path.read_text().replace("checked: ", "checked: 2099-01-01 #", 1))  # rejected by the check
    (data / "cards" / "zz_broken.yaml").write_text("cards: [oops")
    restarted = ContentStore(data, flows=FLOWS)  # a restart with broken, unpublished files
    assert restarted.current.cards[card.id] == store.current.cards[card.id]
    with pytest.raises(ContentError):
        publish(data, flows=FLOWS)
    assert ContentStore(data, flows=FLOWS).current.cards.keys() == store.current.cards.keys()


def test_a_future_check_date_is_refused_by_publish(tmp_path):
    data = _data_copy(tmp_path)
    path = next((data / "cards").glob("*.yaml"))
    text = path.read_text()
    first = text.index("checked: ")
    path.write_text(text[:first] + "checked: 2099-01-01\n" + text[text.index("\n", first) + 1:])
    with pytest.raises(ContentError, match="in the future"):
        publish(data, flows=FLOWS)
    with pytest.raises(ContentError, match="in the future"):
        ContentStore(data, flows=FLOWS)  # nothing published yet and nothing good to publish: the bot cannot start


def test_a_published_change_reaches_the_running_bot(tmp_path):
    data = _data_copy(tmp_path)
    store = ContentStore(data, flows=FLOWS)
    card = next(iter(store.current.cards.values()))
    path = next(p for p in (data / "cards").glob("*.yaml") if f"id: {card.id}" in p.read_text())
    path.write_text(path.read_text().replace(card.title, card.title + " (new)", 1))
    assert store.refresh() is False  # edited, not published
    publish(data, flows=FLOWS)
    assert store.refresh() is True
    assert store.current.cards[card.id].title == card.title + " (new)"


# -- 11. deleted text leaves the disk; 12. private files ---------------------------------------------------------------


async def test_deleted_text_is_gone_from_the_database_file_and_its_wal(app, settings):
    path = settings.database_url.split("///", 1)[1]
    chat = Chat(app.engine, "passport-user")
    await chat.onboard()
    secret = "PASSPORT-M7731902-KIM"
    await chat.command("counselor")
    await chat.say(f"my passport number is {secret}, please help")
    for _ in range(30):
        await chat.command("help")
    assert await app.db.read(lambda conn: conn.execute(select(ticket_table)).first()) is not None
    await chat.command("delete")
    await chat.press(chat.last.buttons[0].label)  # 🗑 Yes, delete
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as handle:
                assert secret.encode() not in handle.read(), f"deleted text still in bot.sqlite3{suffix}"


def test_a_new_database_file_and_directory_are_private(tmp_path):
    from bot.storage.db import sqlite_engine

    target = tmp_path / "newdir" / "bot.sqlite3"
    engine = sqlite_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
        conn.commit()
    engine.dispose()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


# -- 16. a read-only database at start ---------------------------------------------------------------------------------


def test_a_read_only_database_is_one_clear_line(tmp_path):
    import tempfile

    from bot.storage import migrate

    base = Path(tempfile.mkdtemp(prefix="ro-db-"))  # pytest's own tmp_path is private to root
    base.chmod(0o755)
    path = base / "ro" / "bot.sqlite3"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    path.chmod(0o444)
    path.parent.chmod(0o555)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "TELEGRAM_BOT_TOKEN": "",
           "CONTENT_SNAPSHOT_DIR": "/tmp/ro-published-never-written", "HOME": "/tmp"}
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    done = subprocess.run([*as_nobody, sys.executable, "-m", "bot", "chat"], input="hello\nquit\n",
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "readonly" in lines[0] and "writable" in lines[0], lines
    assert "Traceback" not in done.stdout + done.stderr


# -- the outbox sender -------------------------------------------------------------------------------------------------


class ScriptedSender:
    channel = "test"

    def __init__(self, results: list[Result]) -> None:
        self.results = results
        self.sent: list[int] = []

    async def send(self, row) -> Result:
        result = self.results.pop(0) if self.results else Result(Outcome.SENT)
        if result.outcome is Outcome.SENT:
            self.sent.append(row.id)
        return result


async def run_until_sent(outbox: Outbox, sender: ScriptedSender, count: int, seconds: float = 2.0) -> None:
    """Run the outbox's background loop until the sender has sent `count` messages (or `seconds` passed)."""
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(stop, idle=0.05))
    for _ in range(int(seconds / 0.02)):
        if len(sender.sent) == count:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task


async def _queue(db: Database, count: int, recipient: str = "r1") -> list[int]:
    return await db.write(mail.enqueue, now=utcnow(), messages=[
        {"channel": "test", "recipient": recipient, "kind": "notice", "dedupe_key": f"t:{recipient}:{n}",
         "payload": {"text": f"message {n}"}} for n in range(count)])


async def test_queued_messages_are_sent_once_and_marked(app):
    ids = await _queue(app.db, 3)
    assert await _queue(app.db, 3) == []  # the same dedupe keys are not queued again
    sender = ScriptedSender([])
    await run_until_sent(Outbox(app.db, sender, rate=1000), sender, 3)
    assert sender.sent == ids
    rows = await app.db.read(lambda conn: conn.execute(select(outbox_table.c.status, outbox_table.c.payload)).all())
    assert [(row.status, row.payload) for row in rows] == [("sent", None)] * 3


async def test_a_429_waits_and_a_403_stops_the_recipient(app):
    ids = await _queue(app.db, 2, "blocker") + await _queue(app.db, 1, "fine")
    blocked: list[str] = []

    async def on_blocked(row):
        blocked.append(row.recipient)

    sender = ScriptedSender([Result(Outcome.RETRY, retry_after=0.2), Result(Outcome.BLOCKED)])
    outbox = Outbox(app.db, sender, rate=1000, on_blocked=on_blocked)
    started = asyncio.get_running_loop().time()
    await outbox.send_now(ids)
    assert asyncio.get_running_loop().time() - started >= 0.2
    statuses = await app.db.read(lambda conn: dict(conn.execute(
        select(outbox_table.c.id, outbox_table.c.status)).all()))
    assert [statuses[i] for i in ids] == ["blocked", "blocked", "sent"]
    assert blocked == ["blocker"] and sender.sent == [ids[2]]


async def test_a_message_that_may_have_been_delivered_is_not_sent_again(app):
    ids = await _queue(app.db, 1)
    sender = ScriptedSender([Result(Outcome.UNKNOWN, error="timed out after sending")])
    outbox = Outbox(app.db, sender, rate=1000)
    await outbox.send_now(ids)
    await outbox.send_now(ids)  # a second attempt finds nothing pending
    status = await app.db.read(lambda conn: conn.execute(select(outbox_table.c.status)).scalar_one())
    assert status == "unknown" and sender.results == []


async def test_transient_failures_are_retried_later_and_then_given_up(app):
    ids = await _queue(app.db, 1)
    sender = ScriptedSender([Result(Outcome.RETRY, error="500")] * 3)
    outbox = Outbox(app.db, sender, rate=1000, backoff=(0.0, 0.0))
    await outbox.send_now(ids)
    status = await app.db.read(lambda conn: conn.execute(select(outbox_table.c.status)).scalar_one())
    assert status == "pending"
    for _ in range(2):
        rows = await app.db.write(mail.claim, channel="test", now=utcnow() + timedelta(seconds=1))
        for row in rows:
            await outbox._deliver(row, inline=False)
    status = await app.db.read(lambda conn: conn.execute(select(outbox_table.c.status)).scalar_one())
    assert status == "failed"


async def test_messages_being_sent_when_the_process_died_are_sent_again_on_start(app):
    ids = await _queue(app.db, 2)
    await app.db.write(mail.claim, channel="test", now=utcnow(), ids=ids)  # claimed, then kill -9
    sender = ScriptedSender([])
    outbox = Outbox(app.db, sender, rate=1000)
    assert await outbox.recover() == 2
    await outbox.send_now(ids)
    assert sender.sent == ids


async def test_flood_control_waits_never_use_up_a_messages_attempts(app):
    ids = await _queue(app.db, 1)
    sender = ScriptedSender([Result(Outcome.RETRY, retry_after=0.0)] * 6)  # six 429s in a row, then through
    outbox = Outbox(app.db, sender, rate=1000, backoff=(0.0, 0.0))
    for _ in range(7):
        for row in await app.db.write(mail.claim, channel="test", now=utcnow() + timedelta(seconds=1)):
            await outbox._deliver(row, inline=False)
    assert sender.sent == ids
    assert await app.db.read(lambda conn: conn.execute(select(outbox_table.c.status)).scalar_one()) == "sent"


async def test_the_sender_outlives_a_database_error_and_a_message_it_cannot_write(app, monkeypatch):
    ids = await _queue(app.db, 2)
    await app.db.write(mail.enqueue, now=utcnow(), messages=[
        {"channel": "test", "recipient": "r2", "kind": "alert", "dedupe_key": "alert:1:r2", "payload": {"alert": 1}}])

    async def expand(payload):
        raise KeyError("no such alert")

    real_claim, calls = mail.claim, []

    def flaky_claim(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("claim", {}, Exception("disk I/O error"))
        return real_claim(**kwargs)

    monkeypatch.setattr(mail, "claim", flaky_claim)
    sender = ScriptedSender([])
    await run_until_sent(Outbox(app.db, sender, rate=1000, expand=expand), sender, 2, seconds=6)
    assert sender.sent == ids  # after the failed claim, the loop went on
    statuses = await app.db.read(lambda conn: dict(conn.execute(
        select(outbox_table.c.recipient, outbox_table.c.status)).all()))
    assert statuses == {"r1": "sent", "r2": "failed"}  # the alert that cannot be written is given up, alone


async def test_inbox_numbers_are_never_used_again_after_old_updates_are_forgotten(app):
    now = utcnow()
    [first] = await app.db.write(mail.record_updates, channel="test", now=now, updates=[(1, "u1", "{}")])
    await app.db.write(mail.finish_update, inbox_id=first.id, status="done", now=now)
    await app.db.write(mail.enqueue, now=now, messages=[
        {"channel": "test", "recipient": "u1", "kind": "reply", "dedupe_key": f"in:{first.id}:0",
         "payload": {"text": "first answer"}}])
    await app.db.write(mail.purge_inbox, before=now + timedelta(days=3))  # two quiet days, or a long stop
    [second] = await app.db.write(mail.record_updates, channel="test", now=now, updates=[(2, "u1", "{}")])
    assert second.id != first.id
    queued = await app.db.write(mail.enqueue, now=now, messages=[
        {"channel": "test", "recipient": "u1", "kind": "reply", "dedupe_key": f"in:{second.id}:0",
         "payload": {"text": "second answer"}}])
    assert queued  # the reply to the new update is queued, not taken for the old one


def test_a_traceback_in_the_log_never_quotes_what_a_resident_wrote(capsys):
    from bot.logs import configure_logging

    configure_logging("DEBUG", secrets=["s3cret-key-123"])
    typed = "my visa number is " + "PRIVATE-" + "8102"  # what a resident wrote (not a literal in the source shown)
    try:
        try:
            int(typed)
        except ValueError as exc:
            raise RuntimeError("handler failed") from exc
    except RuntimeError:
        logging.getLogger("bot.services.inbox").exception("update %s could not be handled", 42)
    logging.getLogger("some.library").warning("bad arguments %s %s", 1)
    err = capsys.readouterr().err
    assert "PRIVATE-8102" not in err
    assert "ValueError: [message left out]" in err and "update 42 could not be handled" in err
    assert "could not be formatted" in err


async def test_only_claims_of_a_sender_that_died_are_released_while_others_send(app):
    ids = await _queue(app.db, 2)
    now = utcnow()
    [old] = await app.db.write(mail.claim, channel="test", now=now - timedelta(minutes=6), ids=ids[:1])  # died
    [live] = await app.db.write(mail.claim, channel="test", now=now, ids=ids[1:])  # another worker, sending now
    outbox = Outbox(app.db, ScriptedSender([]), rate=1000)
    assert await outbox.sweep() == 1
    statuses = await app.db.read(lambda conn: dict(conn.execute(
        select(outbox_table.c.id, outbox_table.c.status)).all()))
    assert statuses == {old.id: "pending", live.id: "sending"}
