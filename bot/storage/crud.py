"""Small keyword-only queries, each run in one transaction by Database.read/write.

Handlers never call these: the engine and the services do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.models import conversation_table as conv
from bot.storage.models import message_table as msg
from bot.storage.models import resident_table as res

#: Longest text kept in the history for one message (Telegram's own limit is 4096).
MAX_STORED_TEXT = 10_000


@dataclass
class ResidentRecord:
    """A resident and their conversation state as loaded at the start of one turn."""

    id: int
    channel: str
    user_key: str
    locale: str | None
    region: str | None
    consent: str | None
    consent_at: datetime | None
    first_seen: datetime
    last_seen: datetime
    unreachable_at: datetime | None
    screen: str | None
    version: int | None = None
    stack: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False


_COLUMNS = (
    res.c.id, res.c.channel, res.c.user_key, res.c.locale, res.c.region, res.c.consent, res.c.consent_at,
    res.c.first_seen, res.c.last_seen, res.c.unreachable_at, conv.c.screen, conv.c.version, conv.c.stack,
    conv.c.data,
)


# The statements every turn runs are built once: constructing and cache-keying a statement costs more than
# running it on SQLite (scripts/bench.py).
_FIND = (
    select(*_COLUMNS)
    .select_from(res.outerjoin(conv, conv.c.resident_id == res.c.id))
    .where(res.c.channel == bindparam("p_channel"), res.c.user_key == bindparam("p_user_key"))
)
_SAVE_STATE = (
    update(conv)
    .where(conv.c.resident_id == bindparam("p_id"), conv.c.version == bindparam("p_version"))
    .values(
        version=conv.c.version + 1,
        screen=bindparam("p_screen"),
        stack=bindparam("p_stack", type_=conv.c.stack.type),
        data=bindparam("p_data", type_=conv.c.data.type),
        updated_at=bindparam("p_now", type_=conv.c.updated_at.type),
    )
)


def find_resident(*, conn: Connection, channel: str, user_key: str) -> ResidentRecord | None:
    row = conn.execute(_FIND, {"p_channel": channel, "p_user_key": user_key}).first()
    if row is None:
        return None
    values = row._asdict()
    values["stack"] = list(values["stack"] or [])
    values["data"] = dict(values["data"] or {})
    return ResidentRecord(**values)


def load_or_create_resident(
    *, conn: Connection, channel: str, user_key: str, now: datetime
) -> ResidentRecord:
    """Load the resident of (channel, user_key), creating an empty one on first contact."""
    found = find_resident(conn=conn, channel=channel, user_key=user_key)
    if found is not None:
        return found
    try:
        with conn.begin_nested():
            new_id = (
                conn.execute(
                    insert(res)
                    .values(channel=channel, user_key=user_key, first_seen=now, last_seen=now)
                    .returning(res.c.id)
                )
            ).scalar_one()
    except IntegrityError:  # another worker created it a moment ago
        found = find_resident(conn=conn, channel=channel, user_key=user_key)
        assert found is not None
        return found
    return ResidentRecord(
        id=new_id, channel=channel, user_key=user_key, locale=None, region=None, consent=None,
        consent_at=None, first_seen=now, last_seen=now, unreachable_at=None, screen=None, version=None, is_new=True,
    )


#: last_seen is refreshed at most this often when nothing else about the resident changed.
LAST_SEEN_PRECISION = timedelta(minutes=10)


class StaleState(Exception):
    """The conversation changed since it was loaded (another worker answered in between)."""


def save_turn(
    *,
    conn: Connection,
    record: ResidentRecord,
    profile: dict[str, Any],
    screen: str,
    stack: list[str],
    data: dict[str, Any],
    now: datetime,
    history: list[tuple[str, str, str]] = (),
) -> None:
    """Persist one turn: the conversation state (checked against the version loaded), profile changes,
    last_seen, and (with consent) the history. Raises StaleState when another turn saved first."""
    state = {"screen": screen, "stack": stack, "data": data, "updated_at": now}
    if record.screen is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(conv).values(resident_id=record.id, version=1, **state))
        except IntegrityError as exc:
            raise StaleState from exc
    else:
        result = conn.execute(_SAVE_STATE, {"p_id": record.id, "p_version": record.version, "p_screen": screen,
                                            "p_stack": stack, "p_data": data, "p_now": now})
        if result.rowcount != 1:
            raise StaleState
    if profile or record.unreachable_at is not None or now - record.last_seen >= LAST_SEEN_PRECISION:
        conn.execute(
            update(res).where(res.c.id == record.id).values(last_seen=now, unreachable_at=None, **profile)
        )
    if history:
        conn.execute(
            insert(msg),
            [
                {"resident_id": record.id, "direction": direction, "kind": kind,
                 "body": body[:MAX_STORED_TEXT], "created_at": now}
                for direction, kind, body in history
            ],
        )


def count_messages(*, conn: Connection, resident_id: int) -> int:
    return conn.execute(select(func.count()).select_from(msg).where(msg.c.resident_id == resident_id)).scalar_one()


def delete_history(*, conn: Connection, resident_id: int, now: datetime) -> int:
    """Forget what the resident wrote and asked for (consent withdrawn): messages, and their tickets' text (the
    tickets themselves stay, without the resident, for the center's counts; open ones are cancelled)."""
    from bot.storage.alerts import delete_reminders, unsubscribe
    from bot.storage.tickets import forget_resident

    forget_resident(conn=conn, resident_id=resident_id, now=now)
    unsubscribe(conn=conn, resident_id=resident_id)  # alerts need the area, reminders the dates: both personal
    delete_reminders(conn=conn, resident_id=resident_id)
    return conn.execute(delete(msg).where(msg.c.resident_id == resident_id)).rowcount


def delete_resident(*, conn: Connection, resident_id: int, now: datetime) -> None:
    """Remove a resident with everything stored about them (explicitly, not only through ON DELETE)."""
    from bot.storage.alerts import delete_reminders, unsubscribe
    from bot.storage.tickets import forget_resident

    forget_resident(conn=conn, resident_id=resident_id, now=now)
    unsubscribe(conn=conn, resident_id=resident_id)
    delete_reminders(conn=conn, resident_id=resident_id)
    conn.execute(delete(msg).where(msg.c.resident_id == resident_id))
    conn.execute(delete(conv).where(conv.c.resident_id == resident_id))
    conn.execute(delete(res).where(res.c.id == resident_id))


def mark_unreachable(*, conn: Connection, channel: str, user_key: str, now: datetime) -> bool:
    """Record that a resident blocked the bot; True when such a resident exists."""
    result = conn.execute(
        update(res).where(res.c.channel == channel, res.c.user_key == user_key).values(unreachable_at=now)
    )
    return result.rowcount > 0


def purge_inactive(*, conn: Connection, before: datetime) -> int:
    """Delete residents (and their state and history) not seen since `before`; return how many."""
    ids = (conn.execute(select(res.c.id).where(res.c.last_seen < before))).scalars().all()
    for resident_id in ids:
        delete_resident(conn=conn, resident_id=resident_id, now=before)
    return len(ids)


def set_locale(*, conn: Connection, channel: str, user_key: str, locale: str, now: datetime) -> None:
    """Store a language chosen outside the conversation (the terminal chat's --lang)."""
    record = load_or_create_resident(conn=conn, channel=channel, user_key=user_key, now=now)
    conn.execute(update(res).where(res.c.id == record.id).values(locale=locale))
