"""The database: every transaction runs as one step.

Queries are small synchronous functions on a SQLAlchemy Connection (bot/storage/crud.py). `Database.read` and
`Database.write` run one of them, with its arguments, inside one transaction:

- SQLite: on the event loop's own thread, on one pysqlite connection in WAL mode with foreign keys. A turn's
  transactions take a fraction of a millisecond; handing them to a thread cost more than running them, because the
  thread then waits for the GIL behind the event loop at every statement (scripts/bench.py: 117 → 151 messages/s
  end to end). The connection waits at most SQLITE_BUSY_TIMEOUT_MS for another process's lock, then the whole
  transaction is tried again after an asynchronous pause, so a busy database never stalls the bot for long.
  Long jobs (a bulk insert of thousands of alerts, the daily purge) run with `offload=True` on a thread of their
  own, with a connection of their own that may wait longer.
  aiosqlite was measured and dropped earlier: it hands every cursor call to its thread separately.
- PostgreSQL: on the async engine (asyncpg), through AsyncConnection.run_sync, with a normal connection pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

#: Short on purpose: SQLite work runs on the event loop, so a long wait for another process's lock would hold up every
#: resident. A busy database is tried again after asynchronous pauses (BUSY_WAITS), and the engine retries too.
SQLITE_BUSY_TIMEOUT_MS = 20
#: Offloaded jobs run on their own thread and connection, and may wait longer.
SQLITE_OFFLOAD_TIMEOUT_MS = 5000
BUSY_WAITS = (0.005, 0.02, 0.05, 0.1, 0.25, 0.5)
T = TypeVar("T")
log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
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


def sqlite_engine(url: str, busy_timeout_ms: int | None = None) -> Engine:
    """A synchronous SQLite engine with the pragmas set on every connection."""
    parsed = make_url(url).set(drivername="sqlite+pysqlite")
    if parsed.database and parsed.database != ":memory:":
        _private_file(Path(parsed.database))
    timeout = (busy_timeout_ms if busy_timeout_ms is not None else SQLITE_BUSY_TIMEOUT_MS) / 1000
    engine = create_sync_engine(
        parsed, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=True,
        connect_args={"timeout": timeout, "check_same_thread": False},
    )

    def pragmas(dbapi_connection, record) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")

    event.listen(engine, "connect", pragmas)
    return engine


#: PostgreSQL: a transaction chosen as a deadlock's victim (40P01) or refused for serialization (40001) is run again
#: from the start after a short random pause, this many times; the other transaction went through.
CONFLICT_RETRIES = 5
_CONFLICT_STATES = {"40P01", "40001"}


def _is_conflict(exc: DBAPIError) -> bool:
    cause = getattr(exc.orig, "__cause__", None)
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or getattr(cause, "sqlstate", None)
    return state in _CONFLICT_STATES or "deadlock detected" in str(exc.orig)


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return "locked" in text or "busy" in text


class Database:
    """Runs one query function per transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        self._sync: Engine | None = None
        self._async: AsyncEngine | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._conn: Connection | None = None  # SQLite: one long-lived connection, on the event loop's thread
        self._offload: Engine | None = None  # SQLite: long jobs, on a thread and a connection of their own
        if self.dialect == "sqlite":
            self._sync = sqlite_engine(url)
        else:
            self._async = create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                              hide_parameters=True)

    async def read(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run fn(conn=…, **kwargs) in a transaction that is rolled back (nothing to commit)."""
        return await self._run(fn, kwargs, commit=False)

    async def write(self, fn: Callable[..., T], /, *, offload: bool = False, **kwargs: Any) -> T:
        """Run fn(conn=…, **kwargs) in a transaction that is committed, or rolled back if fn raises. `offload`: a
        long job, run off the event loop (SQLite: on its own thread and connection)."""
        if offload and self._sync is not None:
            return await self._run_offloaded(fn, kwargs)
        return await self._run(fn, kwargs, commit=True)

    async def _run(self, fn: Callable[..., T], kwargs: dict, *, commit: bool) -> T:
        if self._sync is not None:
            waits = iter(BUSY_WAITS)
            while True:
                try:
                    return self._run_sync(fn, kwargs, commit)
                except OperationalError as exc:
                    wait = next(waits, None) if _is_busy(exc) else None
                    if wait is None:
                        raise
                    await asyncio.sleep(wait)
        assert self._async is not None
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                if commit:
                    async with self._async.begin() as conn:
                        return await conn.run_sync(lambda sync: fn(conn=sync, **kwargs))
                async with self._async.connect() as conn:
                    return await conn.run_sync(lambda sync: fn(conn=sync, **kwargs))
            except DBAPIError as exc:
                if attempt == CONFLICT_RETRIES or not _is_conflict(exc):
                    raise
                log.info("database conflict (%s); running the transaction again", type(exc.orig).__name__)
                await asyncio.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

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
        try:
            self._checkpoint()
        except Exception as exc:  # the deletion itself is committed; a busy reader can delay the truncation
            log.warning("WAL checkpoint after a deletion did not complete: %s", type(exc).__name__)

    def _checkpoint(self) -> None:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self._sync.connect()
        try:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.commit()
        except Exception:
            conn.rollback()  # never leave the shared connection inside a transaction: every later begin() would fail
            raise

    async def _run_offloaded(self, fn: Callable[..., T], kwargs: dict) -> T:
        if self._offload is None:
            self._offload = sqlite_engine(self.url, SQLITE_OFFLOAD_TIMEOUT_MS)
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-jobs")

        def job() -> T:
            with self._offload.begin() as conn:
                return fn(conn=conn, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    def run_blocking(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """For command-line tools with no event loop: run a write transaction and wait."""
        return asyncio.run(self.write(fn, **kwargs))

    async def dispose(self) -> None:
        if self._async is not None:
            await self._async.dispose()
        if self._sync is not None:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
            if self._offload is not None:
                self._offload.dispose()
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._sync.dispose()


__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "Connection", "Database", "sqlite_engine"]
