"""Storage on SQLite and on PostgreSQL (TEST_POSTGRES_URL): the same code, the same results."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.storage import crud, migrate
from bot.storage.db import SQLITE_BUSY_TIMEOUT_MS, Database
from bot.storage.models import conversation_table, message_table, resident_table

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture
async def db(any_db_url):
    database = Database(any_db_url)
    yield database
    await database.dispose()


def count(conn, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def counts(*, conn) -> tuple[int, int, int]:
    return count(conn, resident_table), count(conn, conversation_table), count(conn, message_table)


def save(conn, record, *, now=NOW, history=(), **state):
    crud.save_turn(conn=conn, record=record, profile=state.pop("profile", {}), screen=state.pop("screen", "menu.main"),
                   stack=state.pop("stack", []), data=state.pop("data", {}), now=now, history=list(history))


async def test_resident_is_created_once_per_channel_and_user(db):
    def scenario(*, conn):
        first = crud.load_or_create_resident(conn=conn, channel="telegram", user_key="1", now=NOW)
        again = crud.load_or_create_resident(conn=conn, channel="telegram", user_key="1", now=NOW)
        other = crud.load_or_create_resident(conn=conn, channel="kakao", user_key="1", now=NOW)
        return first, again, other

    first, again, other = await db.write(scenario)
    assert first.is_new and not again.is_new
    assert first.id == again.id != other.id
    assert (await db.read(counts))[0] == 2


async def test_duplicate_resident_is_refused_by_the_database(db):
    await db.write(crud.load_or_create_resident, channel="telegram", user_key="1", now=NOW)
    with pytest.raises(IntegrityError):
        await db.write(lambda conn: conn.execute(resident_table.insert().values(
            channel="telegram", user_key="1", first_seen=NOW, last_seen=NOW)))


async def test_turn_state_and_history_round_trip(db):
    record = await db.write(crud.load_or_create_resident, channel="telegram", user_key="7", now=NOW)
    await db.write(lambda conn: save(conn, record, profile={"locale": "km", "consent": "yes", "consent_at": NOW},
                                     stack=["a", "b"], data={"visa": "E-9", "n": 3},
                                     history=[("in", "text", "សួស្តី " * 3000), ("out", "reply", "ok")]))
    loaded = await db.read(crud.find_resident, channel="telegram", user_key="7")
    assert (loaded.locale, loaded.consent, loaded.screen, loaded.version) == ("km", "yes", "menu.main", 1)
    assert loaded.stack == ["a", "b"] and loaded.data == {"visa": "E-9", "n": 3}
    assert loaded.consent_at == NOW and loaded.consent_at.tzinfo is not None
    assert await db.read(crud.count_messages, resident_id=loaded.id) == 2
    stored = await db.read(lambda conn: conn.execute(
        select(message_table.c.body).order_by(message_table.c.id)).scalars().all())
    assert len(stored[0]) == crud.MAX_STORED_TEXT and stored[0].startswith("សួស្តី")


async def test_a_save_from_a_stale_load_is_refused(db):
    record = await db.write(crud.load_or_create_resident, channel="telegram", user_key="8", now=NOW)
    await db.write(lambda conn: save(conn, record, screen="menu.main"))
    loaded = await db.read(crud.find_resident, channel="telegram", user_key="8")
    await db.write(lambda conn: save(conn, loaded, screen="help.main"))  # another worker saved first
    with pytest.raises(crud.StaleState):
        await db.write(lambda conn: save(conn, loaded, screen="settings.main"))
    assert (await db.read(crud.find_resident, channel="telegram", user_key="8")).screen == "help.main"


async def test_deleting_a_resident_removes_state_and_history(db):
    def scenario(*, conn):
        record = crud.load_or_create_resident(conn=conn, channel="telegram", user_key="9", now=NOW)
        save(conn, record, history=[("in", "text", "hello")])
        keep = crud.load_or_create_resident(conn=conn, channel="telegram", user_key="10", now=NOW)
        save(conn, keep, history=[("in", "text", "hi")])
        return record

    record = await db.write(scenario)
    await db.write(crud.delete_resident, resident_id=record.id, now=NOW)
    assert await db.read(counts) == (1, 1, 1)


async def test_foreign_keys_cascade_in_the_database(db):
    record = await db.write(crud.load_or_create_resident, channel="web", user_key="c", now=NOW)
    await db.write(lambda conn: save(conn, record, history=[("in", "text", "x")]))
    await db.write(lambda conn: conn.execute(resident_table.delete()))
    assert await db.read(counts) == (0, 0, 0)


async def test_purge_removes_only_inactive_residents(db):
    old_time = NOW - timedelta(days=400)
    old = await db.write(crud.load_or_create_resident, channel="telegram", user_key="old", now=old_time)
    await db.write(lambda conn: save(conn, old, now=old_time, history=[("in", "text", "x")]))
    await db.write(crud.load_or_create_resident, channel="telegram", user_key="new", now=NOW)
    assert await db.write(crud.purge_inactive, before=NOW - timedelta(days=365)) == 1
    keys = await db.read(lambda conn: conn.execute(select(resident_table.c.user_key)).scalars().all())
    assert keys == ["new"] and (await db.read(counts))[2] == 0


async def test_mark_unreachable(db):
    await db.write(crud.load_or_create_resident, channel="telegram", user_key="5", now=NOW)
    assert await db.write(crud.mark_unreachable, channel="telegram", user_key="5", now=NOW)
    assert not await db.write(crud.mark_unreachable, channel="telegram", user_key="nobody", now=NOW)
    assert (await db.read(crud.find_resident, channel="telegram", user_key="5")).unreachable_at == NOW


async def test_migrations_create_the_tables(db):
    def look(*, conn):
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        return set(inspect(conn).get_table_names()), version

    tables, version = await db.read(look)
    assert {"resident", "conversation", "message", "ticket", "counselor", "ticket_message", "audit", "inbox",
            "outbox"} <= tables
    assert version == migrate.head()


def test_migrations_go_down_and_up_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"

    def tables() -> set[str]:
        with sqlite3.connect(tmp_path / "m.sqlite3") as conn:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert "resident" not in tables()
    migrate.upgrade(url)
    assert {"resident", "conversation", "message"} <= tables()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_url):
    db = Database(sqlite_url)

    def pragmas(*, conn):
        return tuple(conn.execute(text(f"PRAGMA {name}")).scalar_one()
                     for name in ("journal_mode", "foreign_keys", "busy_timeout"))

    assert await db.read(pragmas) == ("wal", 1, SQLITE_BUSY_TIMEOUT_MS)
    await db.dispose()
