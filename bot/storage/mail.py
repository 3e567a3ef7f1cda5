"""Queries of the two doors: the inbox (updates received) and the outbox (messages to send).

Both are small tables with the same life: a row is written first (an update before the channel is told it
arrived; a message before anything is sent), then moves through a status, and its payload is cleared once it has
done its work. Each function runs inside one transaction opened by Database.read/write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.models import inbox_table as inbox
from bot.storage.models import outbox_table as outbox

#: An error stored with a row names the kind of failure; it is cut to this length and never holds message text.
MAX_ERROR = 200


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _insert(conn: Connection, table, name: str, build=lambda statement: statement):
    """INSERT … ON CONFLICT DO NOTHING for the connection's dialect, built once per dialect (building a statement
    costs more than running it, and these run for every message)."""
    key = (conn.dialect.name, name)
    statement = _STATEMENTS.get(key)
    if statement is None:
        dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
        statement = _STATEMENTS[key] = build(dialect.insert(table).on_conflict_do_nothing())
    return statement


# -- inbox --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    update_id: int
    user_key: str | None
    payload: str | None
    attempts: int = 0


def record_updates(
    *, conn: Connection, channel: str, updates: list[tuple[int, str | None, str]], now: datetime
) -> list[InboxRow]:
    """Record (update_id, user_key, raw JSON) triples; return the rows to process: the new ones, and any re-delivered
    one still open (the dispatcher never runs one twice)."""
    if not updates:
        return []
    statement = _insert(conn, inbox, "inbox", lambda st: st.returning(inbox.c.id, inbox.c.update_id,
                                                                     inbox.c.user_key, inbox.c.payload))
    rows = []
    for update_id, user_key, payload in updates:  # one statement each: RETURNING with executemany is not portable
        found = conn.execute(statement, {"channel": channel, "update_id": update_id, "user_key": user_key,
                                         "payload": payload, "status": "new", "attempts": 0,
                                         "received_at": now}).first()
        if found is not None:
            rows.append(InboxRow(found.id, found.update_id, found.user_key, found.payload))
    if len(rows) < len(updates):  # re-delivered: those still open (an insert whose COMMIT answer was lost) are due
        known = {row.update_id for row in rows}
        rows += [InboxRow(*row) for row in conn.execute(
            select(inbox.c.id, inbox.c.update_id, inbox.c.user_key, inbox.c.payload, inbox.c.attempts)
            .where(inbox.c.channel == channel, inbox.c.status == "new",
                   inbox.c.update_id.in_([u[0] for u in updates if u[0] not in known])))]
    return sorted(rows, key=lambda row: row.update_id)


def unfinished_updates(*, conn: Connection, channel: str, limit: int = 10_000) -> list[InboxRow]:
    """Updates recorded but not yet processed (what the last run left), oldest first."""
    result = conn.execute(
        select(inbox.c.id, inbox.c.update_id, inbox.c.user_key, inbox.c.payload, inbox.c.attempts)
        .where(inbox.c.channel == channel, inbox.c.status == "new")
        .order_by(inbox.c.update_id)
        .limit(limit)
    )
    return [InboxRow(*row) for row in result]


def last_update_id(*, conn: Connection, channel: str) -> int | None:
    return conn.execute(select(func.max(inbox.c.update_id)).where(inbox.c.channel == channel)).scalar_one()


_FINISH = (update(inbox).where(inbox.c.id == bindparam("p_id"), inbox.c.status == "new")
           .values(status=bindparam("p_status"), processed_at=bindparam("p_now", type_=inbox.c.processed_at.type),
                   error=bindparam("p_error"), payload=None))
_FINISH_KEEP = (update(inbox).where(inbox.c.id == bindparam("p_id"), inbox.c.status == "new")
                .values(status=bindparam("p_status"),
                        processed_at=bindparam("p_now", type_=inbox.c.processed_at.type), error=bindparam("p_error")))


def finish_update(*, conn: Connection, inbox_id: int, status: str, now: datetime, error: str | None = None,
                  keep_payload: bool = False) -> bool:
    """Close an update (done, skipped, failed); True when it was still open (so it is processed exactly once)."""
    result = conn.execute(_FINISH_KEEP if keep_payload else _FINISH,
                          {"p_id": inbox_id, "p_status": status, "p_now": now, "p_error": error and error[:MAX_ERROR]})
    return result.rowcount == 1


def retry_update(*, conn: Connection, inbox_id: int, error: str) -> int:
    """Count a failed attempt at an update that stays open; return the number of attempts so far."""
    conn.execute(update(inbox).where(inbox.c.id == inbox_id)
                 .values(attempts=inbox.c.attempts + 1, error=error[:MAX_ERROR]))
    return conn.execute(select(inbox.c.attempts).where(inbox.c.id == inbox_id)).scalar_one()


def purge_inbox(*, conn: Connection, before: datetime) -> int:
    """Forget closed updates received before `before` (Telegram re-delivers nothing older than a day). The newest
    row stays: SQLite numbers a new row after the highest id left, and a number used again would collide with the
    outbox keys of the replies to the old update (in:<id>:<n>), which are kept longer: the new replies would be
    taken for sent already."""
    newest = select(func.max(inbox.c.id)).scalar_subquery()
    return conn.execute(delete(inbox).where(inbox.c.status != "new", inbox.c.received_at < before,
                                            inbox.c.id < newest)).rowcount


def forget_user_updates(*, conn: Connection, channel: str, user_key: str) -> None:
    """Drop what is kept of a resident's updates (their data is being deleted)."""
    conn.execute(update(inbox).where(inbox.c.channel == channel, inbox.c.user_key == user_key)
                 .values(payload=None))


# -- outbox -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    channel: str
    recipient: str
    kind: str
    payload: dict[str, Any] | None
    attempts: int
    batch: str | None = None


_OUTBOX_COLUMNS = (outbox.c.id, outbox.c.channel, outbox.c.recipient, outbox.c.kind, outbox.c.payload,
                   outbox.c.attempts, outbox.c.batch)


def enqueue(*, conn: Connection, messages: list[dict[str, Any]], now: datetime, claimed: bool = False) -> list[int]:
    """Queue messages (channel, recipient, kind, dedupe_key, payload, optional priority and batch); return the ids
    of those queued now: a message whose dedupe_key is already queued is not queued again. `claimed`: the caller
    sends them itself right after the transaction (a turn's replies), so they are written as being sent."""
    ids = []
    statement = _insert(conn, outbox, "outbox", lambda st: st.returning(outbox.c.id))
    state = {"status": "sending", "attempts": 1, "claimed_at": now} if claimed else {"status": "pending",
                                                                                    "attempts": 0}
    for message in messages:
        row = {"priority": 0, "batch": None, "created_at": now, **state, **message}
        found = conn.execute(statement, row).scalar_one_or_none()
        if found is not None:
            ids.append(found)
    return ids


def dedupe_keys(*, conn: Connection, ids: list[int]) -> dict[int, str]:
    return dict(conn.execute(select(outbox.c.id, outbox.c.dedupe_key).where(outbox.c.id.in_(ids))).all())


def claim(*, conn: Connection, channel: str, now: datetime, limit: int = 100,
          ids: list[int] | None = None) -> list[OutboxRow]:
    """Take pending messages for sending (oldest of the most urgent first, or exactly `ids`), marking them
    "sending". Several senders on PostgreSQL never take the same row (FOR UPDATE SKIP LOCKED)."""
    query = select(*_OUTBOX_COLUMNS).where(outbox.c.channel == channel, outbox.c.status == "pending")
    if ids is not None:
        query = query.where(outbox.c.id.in_(ids)).order_by(outbox.c.id)
    else:
        query = query.where(or_(outbox.c.not_before.is_(None), outbox.c.not_before <= now)) \
            .order_by(outbox.c.priority, outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [OutboxRow(*row) for row in conn.execute(query)]
    if rows:
        conn.execute(update(outbox).where(outbox.c.id.in_([row.id for row in rows]))
                     .values(status="sending", attempts=outbox.c.attempts + 1, claimed_at=now))
    return [OutboxRow(r.id, r.channel, r.recipient, r.kind, r.payload, r.attempts + 1, r.batch) for r in rows]


_SENT = (update(outbox).where(outbox.c.id == bindparam("p_id"))
         .values(status="sent", sent_at=bindparam("p_now", type_=outbox.c.sent_at.type), payload=None, error=None,
                 not_before=None, sent_ref=bindparam("p_ref")))


def mark_sent(*, conn: Connection, ids: list[int], now: datetime, ref: str | None = None) -> None:
    """Delivered: the text is not needed any more (it may hold what a resident wrote); `ref` is the channel's id of
    the message sent (a counselor's reply to it is matched back to its ticket)."""
    conn.execute(_SENT, [{"p_id": outbox_id, "p_now": now, "p_ref": ref} for outbox_id in ids])


def mark_sent_each(*, conn: Connection, marks: list[tuple[int, str | None]], now: datetime) -> None:
    """Several delivered messages at once, each with its channel's id (one transaction for a group of sends)."""
    conn.execute(_SENT, [{"p_id": outbox_id, "p_now": now, "p_ref": ref} for outbox_id, ref in marks])


def mark_retry(*, conn: Connection, outbox_id: int, not_before: datetime, error: str,
               counts: bool = True, payload: dict | None = None) -> None:
    """Try again later. A wait Telegram asked for (429 retry_after) does not count as a failed attempt (`counts`):
    a long broadcast held back by flood control is never given up for it. `payload`: the message as it stands
    now (which of its parts are through)."""
    values: dict[str, Any] = {"status": "pending", "not_before": not_before, "error": error[:MAX_ERROR]}
    if payload is not None:
        values["payload"] = payload
    if not counts:
        values["attempts"] = outbox.c.attempts - 1
    conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))


def mark_failed(*, conn: Connection, outbox_id: int, status: str, error: str, now: datetime) -> None:
    """Give a message up: "blocked" (the recipient blocked the bot) or "failed" (refused, or out of retries)."""
    conn.execute(update(outbox).where(outbox.c.id == outbox_id)
                 .values(status=status, error=error[:MAX_ERROR], sent_at=now, payload=None))


def release_claims(*, conn: Connection, channel: str, claimed_before: datetime | None = None) -> int:
    """Messages a sender was sending when it stopped go back to the queue (they may have been sent once): all of
    them (on start, when this process is the only sender), or those claimed before `claimed_before` (a sender that
    died while others run: theirs are younger)."""
    query = update(outbox).where(outbox.c.channel == channel, outbox.c.status == "sending")
    if claimed_before is not None:
        query = query.where(or_(outbox.c.claimed_at.is_(None), outbox.c.claimed_at < claimed_before))
    return conn.execute(query.values(status="pending")).rowcount


def release_claims_of(*, conn: Connection, ids: list[int]) -> int:
    """Messages claimed but not sent (the sender is stopping) go back to the queue."""
    return conn.execute(update(outbox).where(outbox.c.id.in_(ids), outbox.c.status == "sending")
                        .values(status="pending")).rowcount


def pending_count(*, conn: Connection, channel: str) -> int:
    return conn.execute(select(func.count()).select_from(outbox)
                        .where(outbox.c.channel == channel, outbox.c.status.in_(("pending", "sending")))).scalar_one()


def next_due(*, conn: Connection, channel: str) -> datetime | None:
    """When the earliest postponed message may be retried (None: nothing postponed)."""
    return conn.execute(select(func.min(outbox.c.not_before))
                        .where(outbox.c.channel == channel, outbox.c.status == "pending",
                               outbox.c.not_before.is_not(None))).scalar_one()


def drop_recipient(*, conn: Connection, channel: str, recipient: str, now: datetime) -> int:
    """A recipient who blocked the bot or deleted their data gets nothing more that is still queued."""
    return conn.execute(update(outbox).where(
        outbox.c.channel == channel, outbox.c.recipient == recipient,
        outbox.c.status.in_(("pending", "sending")))
        .values(status="blocked", payload=None, sent_at=now)).rowcount


def purge_outbox(*, conn: Connection, before: datetime) -> int:
    """Forget finished messages created before `before` (counts of old broadcasts go with them)."""
    return conn.execute(delete(outbox).where(
        and_(outbox.c.status.in_(("sent", "blocked", "failed", "unknown")), outbox.c.created_at < before))).rowcount
