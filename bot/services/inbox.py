"""The front door: updates recorded in the inbox are run through the conversation, each exactly once.

One resident's updates run strictly in order; different residents run at once, but at most `max_active` residents
at a time, each holding one place however many messages they sent. A resident who floods the bot therefore delays
only themself, and is told once to slow down.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from bot.storage.mail import InboxRow

log = logging.getLogger(__name__)

#: How many residents are served at the same moment.
MAX_ACTIVE = 64
#: A resident with more updates than this waiting is flooding: they are told once (until their queue empties).
FLOOD_AFTER = 50
#: Waits before trying again an update whose turn the database could not take (a full disk, a long lock).
RETRY_WAITS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class Deferred(Exception):
    """The update could not be processed now; it stays in the inbox and is tried again after a pause."""


Handle = Callable[[InboxRow], Awaitable[None]]
OnFlood = Callable[[InboxRow], Awaitable[None]]


class Dispatcher:
    """Runs inbox rows through `handle`, per resident in order, residents concurrently within a bound."""

    def __init__(self, handle: Handle, *, max_active: int = MAX_ACTIVE, flood_after: int = FLOOD_AFTER,
                 on_flood: OnFlood | None = None, retry_waits: tuple[float, ...] = RETRY_WAITS,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(max_active)
        self._flood_after = flood_after
        self._on_flood = on_flood
        self._retry_waits = retry_waits
        self._sleep = sleep
        self._queues: dict[str, deque[InboxRow]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self._warned: set[str] = set()
        self._seen: set[int] = set()  # inbox ids queued or running in this process
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False

    def submit(self, rows: list[InboxRow]) -> None:
        """Queue rows (already recorded in the inbox) behind their resident's earlier ones."""
        for row in rows:
            if self._closing or row.id in self._seen:
                continue
            self._seen.add(row.id)
            key = row.user_key or f"update:{row.update_id}"
            queue = self._queues.setdefault(key, deque())
            queue.append(row)
            if len(queue) > self._flood_after and key not in self._warned and self._on_flood is not None:
                self._warned.add(key)
                asyncio.get_running_loop().create_task(self._warn(row))
            if key not in self._workers:
                self._idle.clear()
                self._workers[key] = asyncio.get_running_loop().create_task(self._serve(key))

    def working_on(self, inbox_id: int) -> bool:
        """Whether this row is queued or running here."""
        return inbox_id in self._seen

    @property
    def backlog(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def _warn(self, row: InboxRow) -> None:
        try:
            await self._on_flood(row)
        except Exception:
            log.exception("could not tell a resident to slow down")

    async def _serve(self, key: str) -> None:
        queue = self._queues[key]
        try:
            async with self._slots:
                while queue and not self._closing:
                    row = queue[0]
                    await self._run(row)
                    queue.popleft()
                    self._seen.discard(row.id)
        finally:
            if not queue or self._closing:
                self._queues.pop(key, None)
                self._warned.discard(key)
            self._workers.pop(key, None)
            if queue and not self._closing:  # rows arrived after the loop ended: serve them too
                self._workers[key] = asyncio.get_running_loop().create_task(self._serve(key))
            if not self._workers:
                self._idle.set()

    async def _run(self, row: InboxRow) -> None:
        waits = iter(self._retry_waits)
        while True:
            try:
                await self._handle(row)
                return
            except Deferred:
                wait = next(waits, None)
                if wait is None or self._closing:
                    log.error("update %s still cannot be processed; it stays in the inbox for the next start",
                              row.update_id)
                    return
                await self._sleep(wait)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in a channel's handler must not stop this resident's later updates
                log.exception("update %s could not be handled", row.update_id)
                return

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued update has been handled; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            return False

    async def close(self, timeout: float = 10.0) -> None:
        """Stop taking new work, let the turns under way finish (their updates stay open otherwise)."""
        self._closing = True
        if self._workers and not await self.drain(timeout):
            for task in list(self._workers.values()):
                task.cancel()
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
