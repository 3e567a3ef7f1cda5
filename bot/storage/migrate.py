"""Run Alembic migrations from code (`python -m bot db upgrade`) without an alembic.ini."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=True)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


class SchemaNotReady(Exception):
    """The database is not at the revision this code needs, and it cannot (or must not) be migrated here."""


def head() -> str:
    """The newest migration this code has."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def revisions(database_url: str) -> tuple[str | None, str]:
    """The database's migration revision (None when never migrated) and the newest one the code has."""
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()

    def read(connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    if make_url(database_url).get_backend_name() == "sqlite":
        from bot.storage.db import sqlite_engine

        engine = sqlite_engine(database_url)
        try:
            with engine.connect() as connection:
                return read(connection), head
        finally:
            engine.dispose()

    async def read_async() -> str | None:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(read)
        finally:
            await engine.dispose()

    return asyncio.run(read_async()), head


def _check_writable(database_url: str) -> None:
    """Take and release SQLite's write lock once: a read-only file or directory is said at start, in one line,
    instead of failing every resident's message later."""
    from sqlalchemy.exc import OperationalError

    from bot.storage.db import sqlite_engine

    engine = sqlite_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.exec_driver_sql("ROLLBACK")
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "cannot write"
        if "locked" in reason or "busy" in reason:
            return  # another process is writing: it can be written
        path = make_url(database_url).database
        raise SchemaNotReady(f"The database {path} cannot be written ({reason}). Give the bot's user write "
                             "permission on the file and its directory, or set DATABASE_URL to a writable place.") \
            from None
    finally:
        engine.dispose()


def ensure_schema(database_url: str, *, migrate: bool) -> str | None:
    """Make sure the database has the tables this code needs before anything talks to it.

    With `migrate` (the embedded SQLite default) a database that was never migrated, or is behind, is upgraded on
    the spot and a line saying so is returned. Otherwise (PostgreSQL, shared by several workers, migrated once by an
    operator) SchemaNotReady says which command to run. A database newer than the code is never touched."""
    current, head = revisions(database_url)
    if make_url(database_url).get_backend_name() == "sqlite":
        _check_writable(database_url)
    if current == head:
        return None
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config(database_url)).walk_revisions()}
    if current is not None and current not in known:
        raise SchemaNotReady(
            f"The database is at migration {current}, which this version of the bot does not know (newest: {head}). "
            "Run the version of the bot that migrated it, or point DATABASE_URL at another database.")
    if not migrate:
        state = "was never migrated" if current is None else f"is at migration {current}"
        raise SchemaNotReady(f"The database {state}; this version needs {head}. Run: python -m bot db upgrade")
    upgrade(database_url, "head")
    return f"Database {'created' if current is None else 'upgraded'} (migration {head})."
