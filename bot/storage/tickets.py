"""Queries of the counselor queue: tickets, counselors, the conversation of a ticket, the audit log, statistics.

Every state change of a ticket is one conditional write (`UPDATE … WHERE status = … RETURNING`), so two counselors
taking the same ticket cannot both win, and a closed ticket cannot be closed, taken or written to again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from bot.storage.models import audit_table as audit
from bot.storage.models import conversation_table as conv
from bot.storage.models import counselor_table as counselors
from bot.storage.models import message_table as history
from bot.storage.models import outbox_table as outbox
from bot.storage.models import ticket_message_table as said
from bot.storage.models import ticket_table as tickets

OPEN = ("waiting", "assigned")
CLOSED = ("closed", "cancelled", "expired")
KINDS = ("counselor", "urgent", "interpreter")
USER_TYPES = ("resident", "employer", "official")
MAX_BODY = 4000


@dataclass(frozen=True, slots=True)
class TicketRow:
    id: int
    resident_id: int | None
    channel: str
    user_key: str | None
    kind: str
    topic: str
    priority: int
    locale: str
    region: str | None
    user_type: str | None
    status: str
    counselor_id: int | None
    details: dict[str, Any]
    created_at: datetime
    queued_at: datetime | None
    assigned_at: datetime | None
    first_assigned_at: datetime | None
    closed_at: datetime | None
    close_topic: str | None
    outcome: str | None
    rating: int | None
    told_position: int | None


@dataclass(frozen=True, slots=True)
class CounselorRow:
    id: int
    name: str
    languages: tuple[str, ...]
    channel: str
    user_key: str
    locale: str
    supervisor: bool
    active: bool
    on_duty: bool
    current_ticket_id: int | None


_TICKET = tuple(tickets.c[name] for name in TicketRow.__slots__)
_COUNSELOR = tuple(counselors.c[name] for name in CounselorRow.__slots__)


def _ticket(row) -> TicketRow | None:
    if row is None:
        return None
    values = row._asdict()
    values["details"] = dict(values["details"] or {})
    return TicketRow(**values)


def _counselor(row) -> CounselorRow | None:
    if row is None:
        return None
    values = row._asdict()
    values["languages"] = tuple(values["languages"] or ())
    return CounselorRow(**values)


# -- tickets ---------------------------------------------------------------------------------------------------------


def get_ticket(*, conn: Connection, ticket_id: int) -> TicketRow | None:
    return _ticket(conn.execute(select(*_TICKET).where(tickets.c.id == ticket_id)).first())


#: Built once: this look-up runs on every turn, and building a statement costs more than running it (bench.py).
_OPEN_OF = (select(*_TICKET)
            .where(tickets.c.resident_id == bindparam("p_resident"),
                   or_(tickets.c.status == "waiting", tickets.c.status == "assigned"))
            .order_by(tickets.c.id.desc()).limit(1))


def open_ticket_of(*, conn: Connection, resident_id: int) -> TicketRow | None:
    """The resident's ticket in the queue or with a counselor, if any."""
    return _ticket(conn.execute(_OPEN_OF, {"p_resident": resident_id}).first())


def open_ticket_by_key(*, conn: Connection, channel: str, user_key: str) -> TicketRow | None:
    """The open ticket of a resident known by their channel address."""
    return _ticket(conn.execute(select(*_TICKET).where(tickets.c.channel == channel, tickets.c.user_key == user_key,
                                                       tickets.c.status.in_(OPEN))
                                .order_by(tickets.c.id.desc()).limit(1)).first())


def resident_unreachable(*, conn: Connection, resident_id: int | None) -> bool:
    """Whether the resident blocked the bot (marked when a message to them was refused with 403)."""
    from bot.storage.models import resident_table

    if resident_id is None:
        return False
    return conn.execute(select(resident_table.c.unreachable_at).where(
        resident_table.c.id == resident_id)).scalar() is not None


def open_or_join(*, conn: Connection, resident_id: int, channel: str, user_key: str, kind: str, topic: str,
                 locale: str, region: str | None, priority: int, details: dict[str, Any], now: datetime,
                 note: str | None = None) -> tuple[TicketRow, bool]:
    """Open a ticket, or join the resident's open one (a second escalation, a burst of messages): one ticket.
    Returns the ticket and whether it was joined."""
    found = open_ticket_of(conn=conn, resident_id=resident_id)
    if found is not None:
        merged = {**found.details, **{k: v for k, v in details.items() if k != "note"}}
        values: dict[str, Any] = {"details": merged, "updated_at": now}
        if priority > found.priority:
            values["priority"] = priority
            values["kind"] = kind
        conn.execute(update(tickets).where(tickets.c.id == found.id).values(**values))
        if note:
            add_message(conn=conn, ticket_id=found.id, direction="resident", kind="text", body=note, now=now)
        return get_ticket(conn=conn, ticket_id=found.id), True
    ticket_id = conn.execute(insert(tickets).values(
        resident_id=resident_id, channel=channel, user_key=user_key, kind=kind, topic=topic[:40], priority=priority,
        locale=locale, region=region, status="waiting", details={k: v for k, v in details.items() if k != "note"},
        created_at=now, queued_at=now, updated_at=now).returning(tickets.c.id)).scalar_one()
    if note:
        add_message(conn=conn, ticket_id=ticket_id, direction="resident", kind="text", body=note, now=now)
    return get_ticket(conn=conn, ticket_id=ticket_id), False


def position(*, conn: Connection, ticket: TicketRow) -> int:
    """The ticket's place in its language's line: more urgent first, then first come first served."""
    if ticket.status != "waiting" or ticket.queued_at is None:
        return 0
    ahead = conn.execute(select(func.count()).select_from(tickets).where(
        tickets.c.status == "waiting", tickets.c.locale == ticket.locale, tickets.c.id != ticket.id,
        or_(tickets.c.priority > ticket.priority,
            and_(tickets.c.priority == ticket.priority,
                 or_(tickets.c.queued_at < ticket.queued_at,
                     and_(tickets.c.queued_at == ticket.queued_at, tickets.c.id < ticket.id)))))).scalar_one()
    return ahead + 1


def waiting(*, conn: Connection, locale: str | None = None, limit: int = 200) -> list[TicketRow]:
    """Waiting tickets in queue order (most urgent, then oldest)."""
    query = select(*_TICKET).where(tickets.c.status == "waiting")
    if locale is not None:
        query = query.where(tickets.c.locale == locale)
    query = query.order_by(tickets.c.priority.desc(), tickets.c.queued_at, tickets.c.id).limit(limit)
    return [_ticket(row) for row in conn.execute(query)]


def held_by(*, conn: Connection, counselor_id: int) -> list[TicketRow]:
    return [_ticket(row) for row in conn.execute(select(*_TICKET).where(
        tickets.c.counselor_id == counselor_id, tickets.c.status == "assigned").order_by(tickets.c.assigned_at))]


def claim(*, conn: Connection, ticket_id: int, counselor_id: int, now: datetime) -> TicketRow | None:
    """Take a waiting ticket: one conditional write. None when it is not waiting any more (taken, closed)."""
    row = conn.execute(
        update(tickets).where(tickets.c.id == ticket_id, tickets.c.status == "waiting")
        .values(status="assigned", counselor_id=counselor_id, assigned_at=now, updated_at=now,
                first_assigned_at=func.coalesce(tickets.c.first_assigned_at, now))
        .returning(tickets.c.id)).first()
    return get_ticket(conn=conn, ticket_id=row.id) if row else None


def claim_next(*, conn: Connection, counselor_id: int, languages: tuple[str, ...], now: datetime) -> TicketRow | None:
    """Take the first waiting ticket in the counselor's languages, in one statement."""
    candidate = (select(tickets.c.id).where(tickets.c.status == "waiting", tickets.c.locale.in_(languages))
                 .order_by(tickets.c.priority.desc(), tickets.c.queued_at, tickets.c.id).limit(1))
    if conn.dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    row = conn.execute(
        update(tickets).where(tickets.c.id == candidate.scalar_subquery(), tickets.c.status == "waiting")
        .values(status="assigned", counselor_id=counselor_id, assigned_at=now, updated_at=now,
                first_assigned_at=func.coalesce(tickets.c.first_assigned_at, now))
        .returning(tickets.c.id)).first()
    return get_ticket(conn=conn, ticket_id=row.id) if row else None


def _stretch_ends(conn: Connection, ticket_id: int, now: datetime):
    """handled_seconds with the stretch with the current counselor added (it ends now)."""
    assigned = conn.execute(select(tickets.c.assigned_at).where(tickets.c.id == ticket_id)).scalar()
    seconds = max(0.0, (now - assigned).total_seconds()) if assigned is not None else 0.0
    return tickets.c.handled_seconds + seconds


def handled_minutes(row) -> float | None:
    """How long a finished ticket was with counselors, over every stretch (None: never with one)."""
    if row.handled_seconds:
        return row.handled_seconds / 60
    if row.assigned_at is not None and row.closed_at is not None:  # closed before stretches were counted
        return (row.closed_at - row.assigned_at).total_seconds() / 60
    return None


def hand_over(*, conn: Connection, ticket_id: int, from_id: int, to_id: int | None, now: datetime) -> bool:
    """Transfer an assigned ticket to a colleague, or (to_id None) back to the front of the queue."""
    values: dict[str, Any] = {"updated_at": now, "handled_seconds": _stretch_ends(conn, ticket_id, now)}
    if to_id is None:
        values.update(status="waiting", counselor_id=None, assigned_at=None, told_position=None)
    else:
        values.update(counselor_id=to_id, assigned_at=now)
    result = conn.execute(update(tickets).where(tickets.c.id == ticket_id, tickets.c.status == "assigned",
                                                tickets.c.counselor_id == from_id).values(**values))
    return result.rowcount == 1


def close(*, conn: Connection, ticket_id: int, counselor_id: int, topic: str, outcome: str,
          now: datetime) -> TicketRow | None:
    row = conn.execute(update(tickets).where(tickets.c.id == ticket_id, tickets.c.status == "assigned",
                                             tickets.c.counselor_id == counselor_id)
                       .values(status="closed", closed_at=now, close_topic=topic[:40], outcome=outcome[:24],
                               handled_seconds=_stretch_ends(conn, ticket_id, now), updated_at=now)
                       .returning(tickets.c.id)).first()
    return get_ticket(conn=conn, ticket_id=row.id) if row else None


def cancel(*, conn: Connection, ticket_id: int, now: datetime) -> TicketRow | None:
    """The resident withdraws their request (waiting or with a counselor)."""
    row = conn.execute(update(tickets).where(tickets.c.id == ticket_id, tickets.c.status.in_(OPEN))
                       .values(status="cancelled", closed_at=now, updated_at=now,
                               handled_seconds=_stretch_ends(conn, ticket_id, now)).returning(tickets.c.id)).first()
    return get_ticket(conn=conn, ticket_id=row.id) if row else None


def expire(*, conn: Connection, before: datetime, now: datetime) -> list[TicketRow]:
    """Waiting tickets nobody took since `before` are closed as expired."""
    ids = [row.id for row in conn.execute(
        # waiting since `before`: a chat sent back to the queue yesterday keeps its old place (queued_at) in line,
        # but has not waited that long again
        update(tickets).where(tickets.c.status == "waiting", tickets.c.queued_at < before,
                              or_(tickets.c.first_assigned_at.is_(None), tickets.c.updated_at < before))
        .values(status="expired", closed_at=now, updated_at=now).returning(tickets.c.id))]
    return [get_ticket(conn=conn, ticket_id=ticket_id) for ticket_id in ids]


def set_user_type(*, conn: Connection, ticket_id: int, user_type: str, now: datetime) -> None:
    conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(user_type=user_type, updated_at=now))


def rate(*, conn: Connection, ticket_id: int, resident_id: int, rating: int, now: datetime) -> bool:
    """A 1–5 rating of a closed ticket, once, by its resident."""
    result = conn.execute(update(tickets).where(
        tickets.c.id == ticket_id, tickets.c.resident_id == resident_id, tickets.c.status == "closed",
        tickets.c.rating.is_(None)).values(rating=rating, updated_at=now))
    return result.rowcount == 1


def set_told_position(*, conn: Connection, ticket_id: int, told: int | None) -> None:
    conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(told_position=told))


def handling_minutes(*, conn: Connection, locale: str, limit: int = 20) -> list[float]:
    """How long the most recent closed tickets of a language were with a counselor, in minutes."""
    rows = conn.execute(select(tickets.c.assigned_at, tickets.c.closed_at, tickets.c.handled_seconds).where(
        tickets.c.locale == locale, tickets.c.status == "closed", tickets.c.assigned_at.is_not(None))
        .order_by(tickets.c.closed_at.desc()).limit(limit)).all()
    return [minutes for row in rows if (minutes := handled_minutes(row)) is not None]


# -- what was said ----------------------------------------------------------------------------------------------------


def add_message(*, conn: Connection, ticket_id: int, direction: str, kind: str, now: datetime,
                body: str | None = None, media: dict | None = None, counselor_id: int | None = None) -> None:
    conn.execute(insert(said).values(ticket_id=ticket_id, direction=direction, kind=kind, counselor_id=counselor_id,
                                     body=body[:MAX_BODY] if body else body, media=media, created_at=now))


def ticket_messages(*, conn: Connection, ticket_id: int, limit: int = 20, notes: bool = True) -> list:
    query = select(said).where(said.c.ticket_id == ticket_id)
    if not notes:
        query = query.where(said.c.direction != "note")
    rows = conn.execute(query.order_by(said.c.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def recent_history(*, conn: Connection, resident_id: int, limit: int = 10) -> list:
    """The last questions a resident typed to the bot (kept only with their consent): typed text only, not the
    buttons they pressed nor a location they shared."""
    rows = conn.execute(select(history.c.body, history.c.created_at, history.c.kind).where(
        history.c.resident_id == resident_id, history.c.direction == "in", history.c.kind == "text")
        .order_by(history.c.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def ticket_of_message(*, conn: Connection, channel: str, recipient: str, sent_ref: str) -> int | None:
    """Which ticket a message relayed to a counselor belonged to (for a reply to that message)."""
    batch = conn.execute(select(outbox.c.batch).where(
        outbox.c.channel == channel, outbox.c.recipient == recipient, outbox.c.sent_ref == sent_ref)).scalar()
    if batch and batch.startswith("ticket:"):
        return int(batch.removeprefix("ticket:"))
    return None


# -- the resident's conversation while in the queue ------------------------------------------------------------------


def move_conversation(*, conn: Connection, resident_id: int, screen: str, data: dict[str, Any],
                      now: datetime) -> None:
    """Put the resident's conversation on a screen (the rating after a close), as a turn would."""
    conn.execute(update(conv).where(conv.c.resident_id == resident_id)
                 .values(screen=screen, stack=[], data=data, version=conv.c.version + 1, updated_at=now))


def forget_resident(*, conn: Connection, resident_id: int, now: datetime) -> None:
    """Before a resident is deleted: their tickets keep only what the statistics count; open ones are cancelled."""
    ids = [row.id for row in conn.execute(select(tickets.c.id).where(tickets.c.resident_id == resident_id))]
    if not ids:
        return
    conn.execute(delete(said).where(said.c.ticket_id.in_(ids)))
    conn.execute(update(tickets).where(tickets.c.id.in_(ids), tickets.c.status.in_(OPEN))
                 .values(status="cancelled", closed_at=now, updated_at=now))
    conn.execute(update(tickets).where(tickets.c.id.in_(ids)).values(resident_id=None, user_key=None, details={}))


# -- counselors -------------------------------------------------------------------------------------------------------


def add_counselor(*, conn: Connection, name: str, languages: list[str], channel: str, user_key: str,
                  supervisor: bool, locale: str, now: datetime) -> int:
    return conn.execute(insert(counselors).values(
        name=name, languages=languages, channel=channel, user_key=user_key, supervisor=supervisor, locale=locale,
        active=True, on_duty=True, created_at=now).returning(counselors.c.id)).scalar_one()


def counselor_by_key(*, conn: Connection, channel: str, user_key: str) -> CounselorRow | None:
    return _counselor(conn.execute(select(*_COUNSELOR).where(
        counselors.c.channel == channel, counselors.c.user_key == user_key)).first())


def get_counselor(*, conn: Connection, counselor_id: int) -> CounselorRow | None:
    return _counselor(conn.execute(select(*_COUNSELOR).where(counselors.c.id == counselor_id)).first())


def all_counselors(*, conn: Connection) -> list[CounselorRow]:
    return [_counselor(row) for row in conn.execute(select(*_COUNSELOR).order_by(counselors.c.id))]


def active_keys(*, conn: Connection) -> set[tuple[str, str]]:
    return {(row.channel, row.user_key) for row in conn.execute(
        select(counselors.c.channel, counselors.c.user_key).where(counselors.c.active.is_(True)))}


def counselors_for(*, conn: Connection, locale: str, on_duty: bool = True) -> list[CounselorRow]:
    """Active counselors who speak `locale` (and are on duty)."""
    query = select(*_COUNSELOR).where(counselors.c.active.is_(True))
    if on_duty:
        query = query.where(counselors.c.on_duty.is_(True))
    return [c for c in map(_counselor, conn.execute(query.order_by(counselors.c.id))) if locale in c.languages]


def update_counselor(*, conn: Connection, counselor_id: int, **values: Any) -> bool:
    return conn.execute(update(counselors).where(counselors.c.id == counselor_id).values(**values)).rowcount == 1


# -- audit and statistics ---------------------------------------------------------------------------------------------


def record_audit(*, conn: Connection, actor: str, action: str, now: datetime, ticket_id: int | None = None,
                 detail: dict | None = None) -> None:
    conn.execute(insert(audit).values(at=now, actor=actor, action=action, ticket_id=ticket_id, detail=detail))


def audit_of(*, conn: Connection, ticket_id: int) -> list:
    return conn.execute(select(audit).where(audit.c.ticket_id == ticket_id).order_by(audit.c.id)).all()


def consultations(*, conn: Connection, start: datetime, end: datetime) -> list:
    """Tickets created in [start, end): what the statistics count (no names, no text)."""
    return conn.execute(select(
        tickets.c.id, tickets.c.kind, tickets.c.topic, tickets.c.close_topic, tickets.c.locale, tickets.c.region,
        tickets.c.channel, tickets.c.user_type, tickets.c.status, tickets.c.created_at, tickets.c.queued_at,
        tickets.c.first_assigned_at, tickets.c.assigned_at, tickets.c.closed_at, tickets.c.rating,
        tickets.c.outcome, tickets.c.handled_seconds).where(tickets.c.created_at >= start, tickets.c.created_at < end)
        .order_by(tickets.c.created_at)).all()


def purge_closed_conversations(*, conn: Connection, before: datetime) -> int:
    """Closed tickets older than the retention period keep their counts, not their conversation."""
    ids = [row.id for row in conn.execute(select(tickets.c.id).where(
        tickets.c.status.in_(CLOSED), tickets.c.closed_at < before))]
    if not ids:
        return 0
    conn.execute(delete(said).where(said.c.ticket_id.in_(ids)))
    conn.execute(update(tickets).where(tickets.c.id.in_(ids)).values(details={}))
    return len(ids)


__all__ = ["CLOSED", "KINDS", "OPEN", "USER_TYPES", "CounselorRow", "TicketRow", "timedelta"]
