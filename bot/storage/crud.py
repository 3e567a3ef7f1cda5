"""Small keyword-only queries. Handlers never call these: the engine and the services do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

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
    stack: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False


_COLUMNS = (
    res.c.id, res.c.channel, res.c.user_key, res.c.locale, res.c.region, res.c.consent, res.c.consent_at,
    res.c.first_seen, res.c.last_seen, res.c.unreachable_at, conv.c.screen, conv.c.stack, conv.c.data,
)


async def find_resident(*, conn: AsyncConnection, channel: str, user_key: str) -> ResidentRecord | None:
    row = (
        await conn.execute(
            select(*_COLUMNS)
            .select_from(res.outerjoin(conv, conv.c.resident_id == res.c.id))
            .where(res.c.channel == channel, res.c.user_key == user_key)
        )
    ).first()
    if row is None:
        return None
    values = row._asdict()
    values["stack"] = list(values["stack"] or [])
    values["data"] = dict(values["data"] or {})
    return ResidentRecord(**values)


async def load_or_create_resident(
    *, conn: AsyncConnection, channel: str, user_key: str, now: datetime
) -> ResidentRecord:
    """Load the resident of (channel, user_key), creating an empty one on first contact."""
    found = await find_resident(conn=conn, channel=channel, user_key=user_key)
    if found is not None:
        return found
    try:
        async with conn.begin_nested():
            new_id = (
                await conn.execute(
                    insert(res)
                    .values(channel=channel, user_key=user_key, first_seen=now, last_seen=now)
                    .returning(res.c.id)
                )
            ).scalar_one()
    except IntegrityError:  # another worker created it a moment ago
        found = await find_resident(conn=conn, channel=channel, user_key=user_key)
        assert found is not None
        return found
    return ResidentRecord(
        id=new_id, channel=channel, user_key=user_key, locale=None, region=None, consent=None,
        consent_at=None, first_seen=now, last_seen=now, unreachable_at=None, screen=None, is_new=True,
    )


async def save_turn(
    *,
    conn: AsyncConnection,
    record: ResidentRecord,
    profile: dict[str, Any],
    screen: str,
    stack: list[str],
    data: dict[str, Any],
    now: datetime,
    history: list[tuple[str, str, str]] = (),
) -> None:
    """Persist one turn: profile changes, last_seen, the conversation state and (with consent) the history."""
    await conn.execute(
        update(res).where(res.c.id == record.id).values(last_seen=now, unreachable_at=None, **profile)
    )
    state = {"screen": screen, "stack": stack, "data": data, "updated_at": now}
    if record.screen is None:
        await conn.execute(insert(conv).values(resident_id=record.id, **state))
    else:
        await conn.execute(update(conv).where(conv.c.resident_id == record.id).values(**state))
    if history:
        await conn.execute(
            insert(msg),
            [
                {"resident_id": record.id, "direction": direction, "kind": kind,
                 "body": body[:MAX_STORED_TEXT], "created_at": now}
                for direction, kind, body in history
            ],
        )


async def count_messages(*, conn: AsyncConnection, resident_id: int) -> int:
    return (
        await conn.execute(select(func.count()).select_from(msg).where(msg.c.resident_id == resident_id))
    ).scalar_one()


async def delete_history(*, conn: AsyncConnection, resident_id: int) -> int:
    return (await conn.execute(delete(msg).where(msg.c.resident_id == resident_id))).rowcount


async def delete_resident(*, conn: AsyncConnection, resident_id: int) -> None:
    """Remove a resident with everything stored about them (explicitly, not only through ON DELETE)."""
    await conn.execute(delete(msg).where(msg.c.resident_id == resident_id))
    await conn.execute(delete(conv).where(conv.c.resident_id == resident_id))
    await conn.execute(delete(res).where(res.c.id == resident_id))


async def mark_unreachable(*, conn: AsyncConnection, channel: str, user_key: str, now: datetime) -> bool:
    """Record that a resident blocked the bot; True when such a resident exists."""
    result = await conn.execute(
        update(res).where(res.c.channel == channel, res.c.user_key == user_key).values(unreachable_at=now)
    )
    return result.rowcount > 0


async def purge_inactive(*, conn: AsyncConnection, before: datetime) -> int:
    """Delete residents (and their state and history) not seen since `before`; return how many."""
    ids = (await conn.execute(select(res.c.id).where(res.c.last_seen < before))).scalars().all()
    for resident_id in ids:
        await delete_resident(conn=conn, resident_id=resident_id)
    return len(ids)


async def set_locale(*, conn: AsyncConnection, channel: str, user_key: str, locale: str, now: datetime) -> None:
    """Store a language chosen outside the conversation (the terminal chat's --lang)."""
    record = await load_or_create_resident(conn=conn, channel=channel, user_key=user_key, now=now)
    await conn.execute(update(res).where(res.c.id == record.id).values(locale=locale))
