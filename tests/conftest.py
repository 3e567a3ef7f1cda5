"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
the application built by the real factory, and the fake Telegram Bot API server."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import App, create_app
from bot.i18n import compile_catalogs
from bot.settings import Settings
from bot.storage import migrate
from tests.fake_telegram import FakeBotAPI

TEST_TOKEN = "7000000001:AAH3kq9ZtW2xVb8NcL5mPr0sYd6JfGu1Qe4"
PG_ENV = "TEST_POSTGRES_URL"


def pytest_configure(config) -> None:
    compile_catalogs()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per test session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "bot.sqlite3"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def postgres_admin(base: str, statement: str) -> None:
    """Run one statement (CREATE or DROP DATABASE) on the PostgreSQL server of `base`, outside a transaction."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def new_postgres_database(base: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database on the server of `base`: its URL, and a function that drops it."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    postgres_admin(base, f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + f"/{name}"
    return url, lambda: postgres_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, migrated to head, dropped at the end."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (CI sets it; locally: {PG_ENV}=postgresql+asyncpg://postgres@127.0.0.1/test)")
    url, drop = new_postgres_database(base, "bot_test")
    migrate.upgrade(url)
    yield url
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request, sqlite_url):
    """Run a storage test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url
    url = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate(url))
    return url


async def _truncate(url: str) -> None:
    from bot.storage.db import Database

    db = Database(url)
    tables = "inbox, outbox, audit, ticket_message, ticket, counselor, message, conversation, resident"
    await db.write(lambda conn: conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")))
    await db.dispose()


ALWAYS_OPEN = "mon-sun 00:00-24:00"


def make_settings(database_url: str, **overrides) -> Settings:
    """Settings for a test; the call center is open at any hour, holidays too, unless a test says otherwise."""
    values = {"DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": None, "OPENING_HOURS": ALWAYS_OPEN,
              "CLOSED_ON_HOLIDAYS": False, **overrides}
    return Settings(_env_file=None, **values)


@functools.cache
def shipped_content():
    """The content in data/, loaded once per test session (content is immutable)."""
    from bot.content import load_content
    from handlers import build_registry

    return load_content(flows=build_registry().flows)


def build_app(settings: Settings) -> App:
    """The application from the real factory, serving data/ as it is in the working tree (no snapshot)."""
    from bot.content import ContentStore
    from handlers import build_registry

    store = ContentStore(flows=build_registry().flows, snapshots=None, content=shipped_content())
    return create_app(settings, content=store)


@pytest.fixture
def settings(sqlite_url) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
async def app(settings) -> App:
    application = build_app(settings)
    yield application
    await application.close()


@pytest.fixture
async def fake_telegram() -> FakeBotAPI:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def kma():
    """The fake KMA warnings API (data.go.kr getPwnCd) on 127.0.0.1."""
    from tests.fake_kma import FakeKMA

    server = FakeKMA()
    await server.start()
    yield server
    await server.stop()
