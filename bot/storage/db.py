"""The database: every transaction runs as one step, off the event loop.

Queries are small synchronous functions on a SQLAlchemy Connection (bot/storage/crud.py). `Database.read` and
`Database.write` run one of them, with its arguments, inside one transaction:

- SQLite: in one dedicated thread, on a pysqlite connection in WAL mode with a busy timeout and foreign keys.
  aiosqlite hands every cursor, execute, fetch and close to its thread separately (about 0.7 ms for a bare
  `SELECT 1` here); one hop per transaction makes a whole conversation turn cost about as much as one such
  statement. One thread also means no lock contention between our own writers.
- PostgreSQL: on the async engine (asyncpg), through AsyncConnection.run_sync, with a normal connection pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

#: Short on purpose: all SQLite work runs on one thread, so a long wait for another process's lock would hold up
#: every resident. The engine retries a busy database itself, asynchronously (engine.BUSY_RETRIES).
SQLITE_BUSY_TIMEOUT_MS = 250
T = TypeVar("T")
log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # What a resident deletes is overwritten on disk, not only unlinked from the b-tree.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _private_file(path: Path) -> None:
    """Create the database file (and its directory, if the bot creates it) readable by the bot's user only.

    SQLite gives the -wal and -shm files the permissions of the database file."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def sqlite_engine(url: str) -> Engine:
    """A synchronous SQLite engine with the pragmas set on every connection."""
    parsed = make_url(url).set(drivername="sqlite+pysqlite")
    if parsed.database and parsed.database != ":memory:":
        _private_file(Path(parsed.database))
    engine = create_sync_engine(
        parsed, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=True,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """Runs one query function per transaction, without blocking the event loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        self._sync: Engine | None = None
        self._async: AsyncEngine | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._conn: Connection | None = None  # SQLite: one long-lived connection, used by one thread at a time
        if self.dialect == "sqlite":
            self._sync = sqlite_engine(url)
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        else:
            self._async = create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                              hide_parameters=True)

    async def read(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run fn(conn=…, **kwargs) in a transaction that is rolled back (nothing to commit)."""
        return await self._run(fn, kwargs, commit=False)

    async def write(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run fn(conn=…, **kwargs) in a transaction that is committed, or rolled back if fn raises."""
        return await self._run(fn, kwargs, commit=True)

    async def _run(self, fn: Callable[..., T], kwargs: dict, *, commit: bool) -> T:
        if self._sync is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._run_sync, fn, kwargs, commit)
        assert self._async is not None
        if commit:
            async with self._async.begin() as conn:
                return await conn.run_sync(lambda sync: fn(conn=sync, **kwargs))
        async with self._async.connect() as conn:
            return await conn.run_sync(lambda sync: fn(conn=sync, **kwargs))

    def _run_sync(self, fn: Callable[..., T], kwargs: dict, commit: bool) -> T:
        assert self._sync is not None
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self._sync.connect()
        transaction = conn.begin()
        try:
            result = fn(conn=conn, **kwargs)
            if commit:
                transaction.commit()
            else:
                transaction.rollback()
        except BaseException:
            # A failed COMMIT (a full disk) leaves the transaction open on a connection that lives on: roll it back,
            # and if even that fails, drop the connection so that the next transaction starts on a fresh one.
            self._discard_transaction(conn, transaction)
            raise
        return result

    def _discard_transaction(self, conn: Connection, transaction) -> None:
        """Roll back and drop the connection: after a failed COMMIT SQLAlchemy still holds the dead transaction
        (`is_active` is False, yet a new begin() is refused), and a fresh SQLite connection costs little."""
        try:
            transaction.rollback()
        except Exception:
            log.warning("could not roll back after a failed transaction; reconnecting")
        try:
            conn.invalidate()
            conn.close()
        except Exception:
            pass
        self._conn = None

    async def after_deletion(self) -> None:
        """After a resident's data was deleted: copy the write-ahead log into the database file and empty it, so that
        the deleted text does not survive in bot.sqlite3-wal (with secure_delete it is overwritten in the file)."""
        if self._sync is None:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._checkpoint)
        except Exception as exc:  # the deletion itself is committed; a busy reader can delay the truncation
            log.warning("WAL checkpoint after a deletion did not complete: %s", type(exc).__name__)

    def _checkpoint(self) -> None:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self._sync.connect()
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.commit()

    def run_blocking(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """For command-line tools with no event loop: run a write transaction and wait."""
        return asyncio.run(self.write(fn, **kwargs))

    async def dispose(self) -> None:
        if self._async is not None:
            await self._async.dispose()
        if self._sync is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_sync)
            self._executor.shutdown(wait=True)

    def _close_sync(self) -> None:
        """On the database thread, after any transaction still queued there."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._sync.dispose()


__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "Connection", "Database", "sqlite_engine"]
