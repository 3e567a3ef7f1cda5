"""Queries of the alerts: subscriptions, the feeds' payloads and warnings, broadcasts, reminders, leases.

A warning or an announcement reaches its subscribers through one INSERT … SELECT into the outbox: the recipients are
never loaded into memory (100,000 subscribers cost the database, not the bot), and the outbox's unique key makes a
second queuing of the same warning for the same resident impossible.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.models import broadcast_table as broadcasts
from bot.storage.models import feed_payload_table as payloads
from bot.storage.models import lease_table as leases
from bot.storage.models import outbox_table as outbox
from bot.storage.models import reminder_table as reminders
from bot.storage.models import resident_table as residents
from bot.storage.models import subscription_table as subs
from bot.storage.models import subscription_zone_table as zones
from bot.storage.models import warning_table as warnings

#: Raw payloads longer than this are cut (an HTML error page, a runaway answer); what is kept is enough to audit.
MAX_PAYLOAD = 200_000


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    resident_id: int
    zones: tuple[str, ...]
    muted: tuple[str, ...]
    advisories_wait: bool
    announcements: bool


# -- subscriptions --------------------------------------------------------------------------------------------------


def subscription_of(*, conn: Connection, resident_id: int) -> SubscriptionRow | None:
    row = conn.execute(select(subs).where(subs.c.resident_id == resident_id)).first()
    if row is None:
        return None
    found = tuple(sorted(conn.execute(select(zones.c.zone).where(zones.c.resident_id == resident_id)).scalars()))
    return SubscriptionRow(resident_id, found, tuple(h for h in row.muted.split(",") if h), row.advisories_wait,
                           row.announcements)


def subscription_after(saved: SubscriptionRow | None, resident_id: int,
                       changes: list[tuple[str, dict]]) -> SubscriptionRow | None:
    """The subscription as it will be once the turn's changes are saved (a screen shown in the same turn)."""
    sub = saved
    for name, args in changes:
        if name == "subscribe":
            base = sub or SubscriptionRow(resident_id, (), (), False, True)
            sub = replace(base, zones=tuple(sorted({*base.zones, *args["zones"]})))
        elif name == "zones_remove" and sub is not None:
            sub = replace(sub, zones=tuple(z for z in sub.zones if z not in set(args["zones"])))
        elif name == "options" and sub is not None:
            values = dict(args)
            if "muted" in values:
                values["muted"] = tuple(values["muted"])
            sub = replace(sub, **values)
        elif name == "unsubscribe":
            sub = None
    return sub


def reminders_after(saved: dict[str, Any], changes: list[tuple[str, dict]]) -> dict[str, Any]:
    """The reminders as they will be once the turn's changes are saved."""
    found = dict(saved)
    for name, args in changes:
        if name == "reminder":
            due = date.fromisoformat(args["due_date"]) if args.get("due_date") else None
            found[args["kind"]] = SimpleNamespace(kind=args["kind"], due_date=due,
                                                  day_of_month=args.get("day_of_month"), sent=",")
        elif name == "reminders_delete":
            found = {}
    return found


def subscribe(*, conn: Connection, resident_id: int, channel: str, user_key: str, zones_: list[str],
              now: datetime) -> None:
    """Create the resident's subscription (or keep it) and add zones."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(dialect.insert(subs).values(resident_id=resident_id, channel=channel, user_key=user_key, muted=",",
                                             advisories_wait=False, announcements=True, created_at=now,
                                             updated_at=now).on_conflict_do_nothing())
    for zone in zones_:
        conn.execute(dialect.insert(zones).values(resident_id=resident_id, zone=zone).on_conflict_do_nothing())


def remove_zones(*, conn: Connection, resident_id: int, zones_: list[str]) -> None:
    conn.execute(delete(zones).where(zones.c.resident_id == resident_id, zones.c.zone.in_(zones_)))


def set_options(*, conn: Connection, resident_id: int, now: datetime, **values: Any) -> None:
    """muted (a list of hazards), advisories_wait, announcements."""
    if "muted" in values:
        values["muted"] = "," + ",".join(sorted(set(values["muted"]))) + "," if values["muted"] else ","
    conn.execute(update(subs).where(subs.c.resident_id == resident_id).values(updated_at=now, **values))


def drop_pending(*, conn: Connection, resident_id: int, kinds: tuple[str, ...]) -> int:
    """Messages of these kinds still waiting for the resident (an advisory held until morning, an announcement
    behind the rate limit) are not sent after they unsubscribe or delete their data."""
    address = conn.execute(select(residents.c.channel, residents.c.user_key)
                           .where(residents.c.id == resident_id)).first()
    if address is None:
        return 0
    return conn.execute(delete(outbox).where(outbox.c.channel == address.channel,
                                             outbox.c.recipient == address.user_key, outbox.c.kind.in_(kinds),
                                             outbox.c.status == "pending")).rowcount


def unsubscribe(*, conn: Connection, resident_id: int) -> None:
    drop_pending(conn=conn, resident_id=resident_id, kinds=("alert", "broadcast"))
    conn.execute(delete(zones).where(zones.c.resident_id == resident_id))
    conn.execute(delete(subs).where(subs.c.resident_id == resident_id))


def unsubscribe_address(*, conn: Connection, channel: str, user_key: str) -> int:
    """Someone who blocked the bot gets no more alerts."""
    ids = list(conn.execute(select(subs.c.resident_id).where(subs.c.channel == channel,
                                                             subs.c.user_key == user_key)).scalars())
    for resident_id in ids:
        unsubscribe(conn=conn, resident_id=resident_id)
    return len(ids)


def _payload(conn: Connection, ref: dict[str, Any]):
    """{ref…, "locale": the resident's language} built by the database, per recipient."""
    pairs = []
    for name, value in ref.items():
        pairs += [literal(name, String), literal(value, Integer if isinstance(value, int) else String)]
    pairs += [literal("locale", String), func.coalesce(residents.c.locale, literal("en", String)),
              literal("region", String), func.coalesce(residents.c.region, literal("", String))]
    return (func.json_object if conn.dialect.name == "sqlite" else func.json_build_object)(*pairs)


def _recipients(query, *, zones_: list[str] | None, hazard: str | None, languages: list[str] | None,
                announcements: bool):
    query = query.select_from(subs.join(residents, residents.c.id == subs.c.resident_id)) \
        .where(residents.c.unreachable_at.is_(None))
    if zones_ is not None:
        query = query.where(subs.c.resident_id.in_(select(zones.c.resident_id).where(zones.c.zone.in_(zones_))))
    if hazard is not None:
        query = query.where(~subs.c.muted.contains(f",{hazard},"))
    if languages:
        query = query.where(func.coalesce(residents.c.locale, "en").in_(languages))
    if announcements:
        query = query.where(subs.c.announcements.is_(True))
    return query


def fan_out(*, conn: Connection, kind: str, batch: str, ref: dict[str, Any], zones_: list[str] | None,
            hazard: str | None, priority: int, now: datetime, hold_until: datetime | None = None,
            languages: list[str] | None = None, announcements: bool = False) -> int:
    """Queue one outbox row per subscriber: those with one of `zones_` (None: every subscriber), who did not mute
    `hazard`, who did not block the bot; payload {ref…, "locale": the resident's language} (the text is made when
    sent). `hold_until` is set on the rows of subscribers whose advisories wait for the morning. Returns how many
    rows were queued (a resident already queued for this batch is not queued again)."""
    waits = (case((subs.c.advisories_wait.is_(True), literal(hold_until, outbox.c.not_before.type)),
                  else_=null()) if hold_until is not None else null())
    query = _recipients(select(
        subs.c.channel, subs.c.user_key, literal(kind, String), literal(priority, Integer),
        literal(f"{batch}:", String) + cast(subs.c.resident_id, String), literal(batch, String),
        _payload(conn, ref), literal("pending", String), literal(0, Integer), waits,
        literal(now, outbox.c.created_at.type)),
        zones_=zones_, hazard=hazard, languages=languages, announcements=announcements)
    columns = ["channel", "recipient", "kind", "priority", "dedupe_key", "batch", "payload", "status", "attempts",
               "not_before", "created_at"]
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return conn.execute(dialect.insert(outbox).from_select(columns, query).on_conflict_do_nothing()).rowcount


def count_subscribers(*, conn: Connection, zones_: list[str] | None = None, languages: list[str] | None = None,
                      announcements: bool = False) -> dict[str, int]:
    """How many subscribers (by language) a broadcast would reach."""
    language = func.coalesce(residents.c.locale, "en")
    query = _recipients(select(language, func.count()), zones_=zones_, hazard=None, languages=languages,
                        announcements=announcements)
    return dict(conn.execute(query.group_by(language)).all())


# -- feeds -----------------------------------------------------------------------------------------------------------


def record_payload(*, conn: Connection, source: str, status: str, body: str | None, now: datetime,
                   error: str | None = None) -> int:
    return conn.execute(insert(payloads).values(
        source=source, status=status, body=(body or "")[:MAX_PAYLOAD] if body is not None else None,
        error=error and error[:200], fetched_at=now).returning(payloads.c.id)).scalar_one()


def record_warning(*, conn: Connection, values: dict[str, Any]) -> int | None:
    """Record a warning; None when one with the same fingerprint was recorded before (never sent twice)."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return conn.execute(dialect.insert(warnings).values(**values).on_conflict_do_nothing()
                        .returning(warnings.c.id)).scalar_one_or_none()


def set_recipients(*, conn: Connection, warning_id: int, count: int) -> None:
    conn.execute(update(warnings).where(warnings.c.id == warning_id).values(recipients=count))


def get_warning(*, conn: Connection, warning_id: int):
    return conn.execute(select(warnings).where(warnings.c.id == warning_id)).first()


def purge_payloads(*, conn: Connection, before: datetime) -> int:
    return conn.execute(delete(payloads).where(payloads.c.fetched_at < before)).rowcount


# -- broadcasts ------------------------------------------------------------------------------------------------------


def create_broadcast(*, conn: Connection, title: str, texts: dict[str, str], filters: dict[str, Any],
                     created_by: str | None, now: datetime) -> int:
    return conn.execute(insert(broadcasts).values(title=title[:120], texts=texts, filters=filters, recipients=0,
                                                  created_by=created_by, created_at=now)
                        .returning(broadcasts.c.id)).scalar_one()


def get_broadcast(*, conn: Connection, broadcast_id: int):
    return conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id)).first()


def set_broadcast_recipients(*, conn: Connection, broadcast_id: int, count: int) -> None:
    conn.execute(update(broadcasts).where(broadcasts.c.id == broadcast_id).values(recipients=count))


def recent_broadcasts(*, conn: Connection, limit: int = 20) -> list:
    return conn.execute(select(broadcasts).order_by(broadcasts.c.id.desc()).limit(limit)).all()


def delivery_counts(*, conn: Connection, batch: str) -> dict[str, int]:
    """How the messages of a batch (an alert, a broadcast) stand: pending, sending, sent, blocked, failed …"""
    return dict(conn.execute(select(outbox.c.status, func.count()).where(outbox.c.batch == batch)
                             .group_by(outbox.c.status)).all())


def delivery_errors(*, conn: Connection, batch: str, limit: int = 10) -> list[tuple[str, int]]:
    return conn.execute(select(outbox.c.error, func.count()).where(
        outbox.c.batch == batch, outbox.c.status.in_(("failed", "blocked", "unknown")))
        .group_by(outbox.c.error).order_by(func.count().desc()).limit(limit)).all()


# -- reminders -------------------------------------------------------------------------------------------------------


def reminders_of(*, conn: Connection, resident_id: int) -> dict[str, Any]:
    return {row.kind: row for row in conn.execute(select(reminders).where(reminders.c.resident_id == resident_id))}


def set_reminder(*, conn: Connection, resident_id: int, kind: str, now: datetime, due_date: date | None = None,
                 day_of_month: int | None = None) -> None:
    conn.execute(delete(reminders).where(reminders.c.resident_id == resident_id, reminders.c.kind == kind))
    conn.execute(insert(reminders).values(resident_id=resident_id, kind=kind, due_date=due_date,
                                          day_of_month=day_of_month, sent=",", created_at=now, updated_at=now))


def delete_reminders(*, conn: Connection, resident_id: int, kind: str | None = None) -> int:
    if kind is None:
        drop_pending(conn=conn, resident_id=resident_id, kinds=("reminder",))
    query = delete(reminders).where(reminders.c.resident_id == resident_id)
    if kind is not None:
        query = query.where(reminders.c.kind == kind)
    return conn.execute(query).rowcount


def all_reminders(*, conn: Connection) -> list:
    """Every reminder with its resident's address and language (a few thousand rows at most)."""
    return conn.execute(select(reminders, residents.c.channel, residents.c.user_key, residents.c.locale,
                               residents.c.region)
                        .select_from(reminders.join(residents, residents.c.id == reminders.c.resident_id))
                        .where(residents.c.unreachable_at.is_(None))).all()


def mark_reminder_sent(*, conn: Connection, resident_id: int, kind: str, tag: str, now: datetime) -> bool:
    """Record that the reminder `tag` (an offset, a month) went out; False when it had already."""
    row = conn.execute(select(reminders.c.sent).where(reminders.c.resident_id == resident_id,
                                                      reminders.c.kind == kind)).first()
    if row is None or f",{tag}," in row.sent:
        return False
    conn.execute(update(reminders).where(reminders.c.resident_id == resident_id, reminders.c.kind == kind)
                 .values(sent=row.sent + f"{tag},", updated_at=now))
    return True


# -- leases ----------------------------------------------------------------------------------------------------------


def take_lease(*, conn: Connection, name: str, holder: str, until: datetime, now: datetime) -> bool:
    """Hold `name` until `until` if it is free, expired, or already ours: one conditional write."""
    renewed = conn.execute(update(leases).where(leases.c.name == name, or_(
        leases.c.holder == holder, leases.c.expires_at < now)).values(holder=holder, expires_at=until)).rowcount
    if renewed:
        return True
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    created = conn.execute(dialect.insert(leases).values(name=name, holder=holder, expires_at=until)
                           .on_conflict_do_nothing()).rowcount
    return created == 1


def release_lease(*, conn: Connection, name: str, holder: str) -> None:
    conn.execute(delete(leases).where(and_(leases.c.name == name, leases.c.holder == holder)))
