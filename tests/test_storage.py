"""Storage on SQLite and on PostgreSQL (TEST_POSTGRES_URL): the same code, the same results."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.storage import crud, migrate
from bot.storage.db import create_engine
from bot.storage.models import conversation_table, message_table, resident_table

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture
async def db(any_db_url):
    engine = create_engine(any_db_url)
    yield engine
    await engine.dispose()


async def count(conn, table) -> int:
    return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_resident_is_created_once_per_channel_and_user(db):
    async with db.begin() as conn:
        first = await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="1", now=NOW)
        again = await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="1", now=NOW)
        other = await crud.load_or_create_resident(conn=conn, channel="kakao", user_key="1", now=NOW)
        assert first.is_new and not again.is_new
        assert first.id == again.id != other.id
        assert await count(conn, resident_table) == 2


async def test_duplicate_resident_is_refused_by_the_database(db):
    async with db.begin() as conn:
        await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="1", now=NOW)
    with pytest.raises(IntegrityError):
        async with db.begin() as conn:
            await conn.execute(resident_table.insert().values(channel="telegram", user_key="1", first_seen=NOW,
                                                              last_seen=NOW))


async def test_turn_state_and_history_round_trip(db):
    async with db.begin() as conn:
        record = await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="7", now=NOW)
        await crud.save_turn(conn=conn, record=record, profile={"locale": "km", "consent": "yes", "consent_at": NOW},
                             screen="menu.main", stack=["a", "b"], data={"visa": "E-9", "n": 3}, now=NOW,
                             history=[("in", "text", "សួស្តី " * 3000), ("out", "reply", "ok")])
    async with db.begin() as conn:
        loaded = await crud.find_resident(conn=conn, channel="telegram", user_key="7")
        assert (loaded.locale, loaded.consent, loaded.screen) == ("km", "yes", "menu.main")
        assert loaded.stack == ["a", "b"] and loaded.data == {"visa": "E-9", "n": 3}
        assert loaded.consent_at == NOW and loaded.consent_at.tzinfo is not None
        assert await crud.count_messages(conn=conn, resident_id=loaded.id) == 2
        stored = (await conn.execute(select(message_table.c.body).order_by(message_table.c.id))).scalars().all()
        assert len(stored[0]) == crud.MAX_STORED_TEXT and stored[0].startswith("សួស្តី")


async def test_deleting_a_resident_removes_state_and_history(db):
    async with db.begin() as conn:
        record = await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="9", now=NOW)
        await crud.save_turn(conn=conn, record=record, profile={}, screen="menu.main", stack=[], data={}, now=NOW,
                             history=[("in", "text", "hello")])
        keep = await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="10", now=NOW)
        await crud.save_turn(conn=conn, record=keep, profile={}, screen="menu.main", stack=[], data={}, now=NOW,
                             history=[("in", "text", "hi")])
    async with db.begin() as conn:
        await crud.delete_resident(conn=conn, resident_id=record.id)
    async with db.connect() as conn:
        assert await count(conn, resident_table) == 1
        assert await count(conn, conversation_table) == 1
        assert await count(conn, message_table) == 1


async def test_foreign_keys_cascade_in_the_database(db):
    async with db.begin() as conn:
        record = await crud.load_or_create_resident(conn=conn, channel="web", user_key="c", now=NOW)
        await crud.save_turn(conn=conn, record=record, profile={}, screen="menu.main", stack=[], data={}, now=NOW,
                             history=[("in", "text", "x")])
    async with db.begin() as conn:
        await conn.execute(resident_table.delete())
    async with db.connect() as conn:
        assert await count(conn, message_table) == 0 and await count(conn, conversation_table) == 0


async def test_purge_removes_only_inactive_residents(db):
    async with db.begin() as conn:
        old = await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="old",
                                                 now=NOW - timedelta(days=400))
        await crud.save_turn(conn=conn, record=old, profile={}, screen="menu.main", stack=[], data={},
                             now=NOW - timedelta(days=400), history=[("in", "text", "x")])
        await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="new", now=NOW)
    async with db.begin() as conn:
        assert await crud.purge_inactive(conn=conn, before=NOW - timedelta(days=365)) == 1
    async with db.connect() as conn:
        keys = (await conn.execute(select(resident_table.c.user_key))).scalars().all()
        assert keys == ["new"] and await count(conn, message_table) == 0


async def test_mark_unreachable(db):
    async with db.begin() as conn:
        await crud.load_or_create_resident(conn=conn, channel="telegram", user_key="5", now=NOW)
        assert await crud.mark_unreachable(conn=conn, channel="telegram", user_key="5", now=NOW)
        assert not await crud.mark_unreachable(conn=conn, channel="telegram", user_key="nobody", now=NOW)
        row = await crud.find_resident(conn=conn, channel="telegram", user_key="5")
        assert row.unreachable_at == NOW


async def test_migrations_create_the_tables(db):
    async with db.connect() as conn:
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    assert {"resident", "conversation", "message"} <= tables
    assert version == "0001"


def test_migrations_go_down_and_up_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    with sqlite3.connect(tmp_path / "m.sqlite3") as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "resident" not in names
    migrate.upgrade(url)
    with sqlite3.connect(tmp_path / "m.sqlite3") as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"resident", "conversation", "message"} <= names


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_url):
    engine = create_engine(sqlite_url)
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() == 5000
    await engine.dispose()
