"""The back door: every message the system sends leaves through the outbox, delivered by the channel's sender.

A message is written to the outbox table first (in the same transaction as whatever decided to send it), then
claimed ("sending"), sent, and marked with its outcome. A crash between the two loses nothing: on start, messages a
previous run was sending go back to the queue. The sender honours the channel's rate limits, waits out a 429's
retry_after, stops for a recipient who blocked the bot (403), retries transient errors with backoff, and never
retries a message that may already have been delivered (a timeout after the request was sent): that one is recorded
as "unknown" rather than sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.storage import mail
from bot.storage.db import Database
from bot.storage.mail import OutboxRow
from bot.storage.types import utcnow

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # not delivered; try again (after retry_after when the channel said so)
    BLOCKED = "blocked"  # the recipient blocked the bot: stop
    FAILED = "failed"  # refused for good (a bad request)
    UNKNOWN = "unknown"  # may have been delivered: never sent again


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    retry_after: float | None = None
    error: str | None = None  # the kind of failure, never the text
    ref: str | None = None  # the channel's id of the message sent (the last one, when it took several)
    parts_sent: int = 0  # a message sent in parts, failed part-way: how many parts are through (not sent again)


class Sender(Protocol):
    """What a channel provides: deliver one outbox row."""

    channel: str

    async def send(self, row: OutboxRow) -> Result: ...


#: Messages the system sends to many people at once: they keep to the channel's overall rate (Telegram: about 30
#: a second). Replies to what a resident or a counselor just wrote are not held back (a 429 still pauses everything).
BULK_KINDS = frozenset({"alert", "broadcast", "reminder"})

#: A claim this old belongs to a sender that stopped: a live one sends what it claimed within seconds (a batch of
#: bulk messages at 30 a second, a 429's wait). The sweep runs this often (seconds).
STALE_CLAIM = timedelta(minutes=5)
SWEEP_EVERY = 60.0

#: Transient failures are retried after these waits (seconds), then the message is given up as failed.
BACKOFF = (1.0, 5.0, 30.0, 120.0, 600.0)


class RateLimiter:
    """At most `rate` sends a second overall (a token bucket with a small burst)."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._clock = clock
        self._last = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if not self.rate:  # no limit
            return
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


class Outbox:
    """Delivers the outbox rows of one channel through its sender."""

    def __init__(self, db: Database, sender: Sender, *, rate: float = 30.0, burst: int = 30,
                 clock: Callable[[], datetime] = utcnow, backoff: tuple[float, ...] = BACKOFF,
                 on_blocked: Callable[[OutboxRow], Awaitable[None]] | None = None, batch_size: int = 100,
                 concurrency: int = 16, expand: Callable[[dict], Awaitable[dict]] | None = None,
                 chat_interval: float = 1.0) -> None:
        self.db = db
        self.sender = sender
        self.channel = sender.channel
        self.clock = clock
        self.backoff = backoff
        self.limiter = RateLimiter(rate, burst)
        self.on_blocked = on_blocked
        self.batch_size = batch_size
        self.concurrency = concurrency  # recipients served at once by the background loop (each one in order)
        self.expand = expand  # makes the text of a message queued by reference (an alert, an announcement)
        self.chat_interval = chat_interval  # bulk messages to one chat at most this often (Telegram: 1 a second)
        self._last_bulk: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._paused_until = 0.0  # monotonic time before which nothing is sent (after a 429)
        self._marks: list[tuple[int, str | None, asyncio.Future]] = []  # sent, to be written in one transaction
        self._marking = False
        self.counts: dict[str, int] = {outcome.value: 0 for outcome in Outcome}

    def wake(self) -> None:
        """Something was queued: the background loop looks at the queue now instead of at its next tick."""
        self._wake.set()

    async def recover(self) -> int:
        """On start: what a previous run was sending when it stopped is queued again. On SQLite this process is the
        only sender, so all of it; on PostgreSQL other workers may be sending right now, so only claims older than
        STALE_CLAIM (the periodic sweep releases the rest once they are that old)."""
        shared = self.db.dialect != "sqlite"
        released = await self.db.write(mail.release_claims, channel=self.channel,
                                       claimed_before=self.clock() - STALE_CLAIM if shared else None)
        if released:
            log.warning("%s: %d message(s) were being sent when the last run stopped; sending them again",
                        self.channel, released)
        return released

    async def sweep(self) -> int:
        """Claims older than STALE_CLAIM belong to a sender that died (another worker, or a send whose outcome could
        not be recorded): their messages go back to the queue."""
        released = await self.db.write(mail.release_claims, channel=self.channel,
                                       claimed_before=self.clock() - STALE_CLAIM)
        if released:
            log.warning("%s: %d message(s) claimed long ago by a sender that stopped; sending them again",
                        self.channel, released)
            self.wake()
        return released

    async def send_now(self, ids: Iterable[int]) -> None:
        """Deliver these queued messages at once, in order: claimed first, so the background loop and another worker
        never send them too."""
        ids = list(ids)
        if not ids:
            return
        await self.send_claimed(await self.db.write(mail.claim, channel=self.channel, now=self.clock(), ids=ids))

    async def send_claimed(self, rows: list[OutboxRow]) -> None:
        """Deliver rows already claimed for this process (a turn's replies), in order."""
        blocked: set[str] = set()
        for index, row in enumerate(rows):
            if row.recipient in blocked:  # blocked meanwhile: its other messages are already marked so
                continue
            try:
                outcome = (await self._deliver(row, inline=True)).outcome
            except Exception:  # its outcome could not be recorded: this one and the rest go to the background
                await self.db.write(mail.release_claims_of, ids=[r.id for r in rows[index:]])
                self.wake()
                raise
            if outcome is Outcome.BLOCKED:
                blocked.add(row.recipient)

    async def run(self, stop: asyncio.Event | None = None, idle: float = 5.0) -> None:
        """Deliver whatever is queued and due, until `stop` is set: each recipient's messages in order, several
        recipients at once."""
        stop = stop or asyncio.Event()
        failures = 0
        swept = time.monotonic()
        while not stop.is_set():
            try:
                if time.monotonic() - swept > SWEEP_EVERY:
                    swept = time.monotonic()
                    await self.sweep()
                rows = await self._claim_batch()
                if rows:
                    await self._deliver_batch(rows, stop)
                    failures = 0
                    continue
                self._wake.clear()
                wait = idle
                due = await self.db.read(mail.next_due, channel=self.channel)
                if due is not None:
                    wait = max(0.05, min(idle, (due - self.clock()).total_seconds()))
                failures = 0
            except Exception as exc:  # a database that stays busy, a bug: the sender pauses, it does not die
                failures += 1
                wait = min(60.0, 2.0 ** failures)
                log.error("%s sender: %s; trying again in %.0f s", self.channel, type(exc).__name__, wait)
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _deliver_batch(self, rows: list[OutboxRow], stop: asyncio.Event) -> None:
        by_recipient: dict[str, list[OutboxRow]] = {}
        for row in rows:
            by_recipient.setdefault(row.recipient, []).append(row)
        slots = asyncio.Semaphore(self.concurrency)
        left: list[int] = []

        async def serve(queue: list[OutboxRow]) -> None:
            async with slots:
                for index, row in enumerate(queue):
                    if stop.is_set():
                        left.extend(r.id for r in queue[index:])
                        return
                    try:
                        outcome = (await self._deliver(row, inline=False)).outcome
                    except Exception as exc:  # its outcome could not be recorded: it and the rest go back
                        log.error("%s: message %s could not be recorded (%s); queued again", self.channel, row.id,
                                  type(exc).__name__)
                        left.extend(r.id for r in queue[index:])
                        return
                    if outcome is Outcome.BLOCKED:
                        return  # the rest for this recipient were marked blocked with it

        await asyncio.gather(*(serve(queue) for queue in by_recipient.values()))
        if left:
            await self.db.write(mail.release_claims_of, ids=left)

    async def _claim_batch(self) -> list[OutboxRow]:
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        return await self.db.write(mail.claim, channel=self.channel, now=self.clock(), limit=self.batch_size)

    async def _deliver(self, row: OutboxRow, *, inline: bool) -> Result:
        if self.expand is not None and row.payload and "text" not in row.payload:
            try:
                row = replace(row, payload=await self.expand(row.payload))
            except Exception as exc:  # a message that cannot be written must not block the ones behind it
                log.error("%s: message %s cannot be written (%s); given up", self.channel, row.id,
                          type(exc).__name__)
                result = Result(Outcome.FAILED, error=f"cannot be written: {type(exc).__name__}")
                await self._record(row, result)
                return result
        if row.kind in BULK_KINDS and self.chat_interval:
            last = self._last_bulk.get(row.recipient)
            if last is not None and (gap := self.chat_interval - (time.monotonic() - last)) > 0:
                await asyncio.sleep(gap)
            self._last_bulk[row.recipient] = time.monotonic()
            if len(self._last_bulk) > 50_000:
                cutoff = time.monotonic() - self.chat_interval
                self._last_bulk = {k: v for k, v in self._last_bulk.items() if v > cutoff}
        while True:
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            if row.kind in BULK_KINDS:
                await self.limiter.acquire()
            try:
                result = await self.sender.send(row)
            except Exception as exc:  # a sender bug: keep the message, try later
                log.exception("%s sender failed on message %s", self.channel, row.id)
                result = Result(Outcome.RETRY, error=f"sender error {type(exc).__name__}")
            if result.outcome is Outcome.RETRY and result.parts_sent:
                row = replace(row, payload={**(row.payload or {}), "parts_sent": result.parts_sent})
            if result.outcome is Outcome.RETRY and result.retry_after is not None:
                # flood control applies to the whole bot: pause every send, then try the same message again
                self._paused_until = max(self._paused_until, time.monotonic() + result.retry_after)
                if inline and result.retry_after <= 30:
                    continue
            break
        await self._record(row, result)
        self.counts[result.outcome.value] += 1
        return result

    async def _mark_sent(self, outbox_id: int, ref: str | None) -> None:
        """Record a delivery. The deliveries that finish while one group is being written are written together in
        the next transaction (group commit): each sender still waits for its own row to be on disk before it sends
        anything else, so a crash can repeat no more messages than were in flight."""
        done = asyncio.get_running_loop().create_future()
        self._marks.append((outbox_id, ref, done))
        if not self._marking:
            self._marking = True
            asyncio.ensure_future(self._write_marks())
        await done

    async def _write_marks(self) -> None:
        try:
            while self._marks:
                group, self._marks = self._marks, []
                try:
                    await self.db.write(mail.mark_sent_each, marks=[(i, ref) for i, ref, _ in group], now=self.clock())
                except Exception as exc:  # each waiting sender sees the failure as its own
                    for *_, done in group:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for *_, done in group:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._marking = False

    async def _record(self, row: OutboxRow, result: Result) -> None:
        now = self.clock()
        match result.outcome:
            case Outcome.SENT:
                await self._mark_sent(row.id, result.ref)
            case Outcome.RETRY:
                if row.attempts > len(self.backoff):
                    log.warning("%s: message %s given up after %d attempts (%s)", self.channel, row.id,
                                row.attempts, result.error)
                    await self.db.write(mail.mark_failed, outbox_id=row.id, status="failed",
                                        error=result.error or "retries exhausted", now=now)
                    return
                wait = result.retry_after if result.retry_after is not None else self.backoff[row.attempts - 1]
                await self.db.write(mail.mark_retry, outbox_id=row.id, not_before=now + timedelta(seconds=wait),
                                    error=result.error or "retry", counts=result.retry_after is None,
                                    payload=row.payload if result.parts_sent else None)
                self.wake()
            case Outcome.BLOCKED:
                await self.db.write(mail.mark_failed, outbox_id=row.id, status="blocked",
                                    error=result.error or "blocked", now=now)
                await self.db.write(mail.drop_recipient, channel=self.channel, recipient=row.recipient, now=now)
                if self.on_blocked is not None:
                    await self.on_blocked(row)
            case Outcome.FAILED | Outcome.UNKNOWN:
                log.warning("%s: message %s %s (%s)", self.channel, row.id,
                            "may have been delivered; not sent again" if result.outcome is Outcome.UNKNOWN
                            else "was refused", result.error)
                await self.db.write(mail.mark_failed, outbox_id=row.id, status=result.outcome.value,
                                    error=result.error or result.outcome.value, now=now)
