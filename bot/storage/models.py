"""All tables, in one module. Names stored here (screens, channels) must stay stable across releases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Float, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime, utcnow


class Resident(SQLModel, table=True):
    """A person writing to the bot on one channel. Personal fields stay empty without consent."""

    __tablename__ = "resident"
    __table_args__ = (UniqueConstraint("channel", "user_key", name="uq_resident_channel_user"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    user_key: str = Field(max_length=128)
    locale: str | None = Field(default=None, max_length=16)
    region: str | None = Field(default=None, max_length=32)
    consent: str | None = Field(default=None, max_length=8)  # "yes", "no", or None (not asked yet)
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """Where a resident is in the menus: the current screen, the way back, and the open flow's answers."""

    __tablename__ = "conversation"

    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True)
    )
    screen: str = Field(max_length=64)
    stack: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1)  # optimistic concurrency: a save must see the version it loaded
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessageLog(SQLModel, table=True):
    """The history a counselor will need: kept only for residents who consented."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_resident_created", "resident_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    direction: str = Field(max_length=3)  # "in" or "out"
    kind: str = Field(max_length=16)  # text, choice, command, media, location, reply
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Counselor(SQLModel, table=True):
    """A call-center counselor: who they are on a channel, the languages they answer in, their role."""

    __tablename__ = "counselor"
    __table_args__ = (UniqueConstraint("channel", "user_key", name="uq_counselor_channel_user"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # locales
    channel: str = Field(max_length=16)
    user_key: str = Field(max_length=128)
    locale: str = Field(default="ko", max_length=16)  # the language of the counselor's own screens
    supervisor: bool = Field(default=False)
    active: bool = Field(default=True)  # disabled counselors keep their history but can do nothing
    on_duty: bool = Field(default=True)  # notified of new tickets in their languages
    current_ticket_id: int | None = Field(default=None)  # where their typed messages go
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Ticket(SQLModel, table=True):
    """A resident's request for a person (counselor question, urgent call-back, interpreter), from the queue to the
    consultation record: bot → waiting → assigned (with a counselor) → closed, or cancelled / expired.

    A ticket outlives the resident's data: deleting a resident clears `resident_id`, `user_key`, the details and the
    conversation, and keeps what the center counts (language, area, topic, channel, user type, times, rating)."""

    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_queue", "status", "locale", "priority", "queued_at"),
        Index("ix_ticket_resident", "resident_id", "status"),
        Index("ix_ticket_counselor", "counselor_id", "status"),
        Index("ix_ticket_closed", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("resident.id", ondelete="SET NULL"), nullable=True)
    )
    channel: str = Field(max_length=16)
    user_key: str | None = Field(default=None, max_length=128)  # the resident's address on the channel
    kind: str = Field(max_length=16)  # counselor, urgent, interpreter
    topic: str = Field(max_length=40)  # immigration, labor, medical, welfare, daily, emergency, interpreter, general
    priority: int = Field(default=0)  # higher first: urgent call-backs and emergencies 10
    locale: str = Field(max_length=16)
    region: str | None = Field(default=None, max_length=32)
    user_type: str | None = Field(default=None, max_length=16)  # resident, employer, official (asked, skippable)
    status: str = Field(default="waiting", max_length=16)
    counselor_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("counselor.id", ondelete="SET NULL"), nullable=True)
    )
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # entered the waiting line (again)
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # for the waiting time
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_topic: str | None = Field(default=None, max_length=40)  # the category the counselor closed it with
    outcome: str | None = Field(default=None, max_length=24)
    rating: int | None = Field(default=None)  # 1..5, given by the resident after closing
    told_position: int | None = Field(default=None)  # the place in line the resident was last told
    #: time with counselors in the stretches that ended (a transfer, a return to the queue, the close): the whole
    #: handling time once the ticket is closed; 0 for tickets closed before it was counted (then closed_at -
    #: assigned_at stands for it)
    handled_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False, server_default="0"))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TicketMessage(SQLModel, table=True):
    """What was said in a ticket, both ways, and the counselors' private notes."""

    __tablename__ = "ticket_message"
    __table_args__ = (Index("ix_ticket_message_ticket", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False))
    direction: str = Field(max_length=12)  # resident, counselor, note, system
    counselor_id: int | None = Field(default=None)
    kind: str = Field(max_length=16)  # text, photo, document, voice, audio, video, location
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    media: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who took, transferred, noted, closed or viewed which ticket, and when."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_ticket", "ticket_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=40)  # counselor:3, resident, system, cli
    action: str = Field(max_length=24)
    ticket_id: int | None = Field(default=None)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class InboxUpdate(SQLModel, table=True):
    """The front door: an update a channel delivered, recorded before the channel is told it arrived.

    Processed exactly once (`status` leaves "new" in the same transaction as the conversation turn). The raw payload
    is kept only until then: it may hold what a resident wrote before agreeing to anything."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id", name="uq_inbox_channel_update"),
        Index("ix_inbox_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_id: int = Field(sa_column=Column(BigInteger, nullable=False))  # the channel's own id (Telegram update_id)
    user_key: str | None = Field(default=None, max_length=128)  # who sent it: one resident's updates run in order
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # raw JSON, cleared when done
    status: str = Field(default="new", max_length=12)  # new, done, skipped (unreadable or not for us), failed
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=200)  # what kind of failure; never the resident's text
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """The back door: every message the system sends is written here first, then delivered by the channel's sender.

    `dedupe_key` is unique, so writing the same message twice (a retried turn, an alert seen in two polls) queues it
    once; `status` moves pending → sending → sent (or blocked, failed) and a crash in between loses nothing."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_queue", "channel", "status", "priority", "id"),
        Index("ix_outbox_batch", "batch"),
        Index("ix_outbox_sent_ref", "channel", "recipient", "sent_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=128)  # the channel's address: a Telegram chat id
    kind: str = Field(max_length=16)  # reply, relay, notice, alert, broadcast
    priority: int = Field(default=0)  # lower first: replies 0, counselor relays 10, bulk 50
    dedupe_key: str = Field(max_length=160)
    batch: str | None = Field(default=None, max_length=64)  # an alert or broadcast id, for delivery counts
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # cleared when sent
    status: str = Field(default="pending", max_length=12)  # pending, sending, sent, blocked, failed
    attempts: int = Field(default=0)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)  # retry after this time
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # taken for sending ("sending") at
    error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_ref: str | None = Field(default=None, max_length=64)  # the channel's id of the message sent


class Subscription(SQLModel, table=True):
    """A resident's weather and disaster alerts: where (zones, below), which hazards, when (advisories at night)."""

    __tablename__ = "subscription"

    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True))
    channel: str = Field(max_length=16)
    user_key: str = Field(max_length=128)
    muted: str = Field(default=",", max_length=200)  # ",heat,dry,": hazards the resident does not want
    advisories_wait: bool = Field(default=False)  # advisories (not warnings) wait until 07:00 at night
    announcements: bool = Field(default=True)  # the center's announcements too
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SubscriptionZone(SQLModel, table=True):
    """One KMA warning zone a subscription covers (a city's land zone, or its coast's sea zone)."""

    __tablename__ = "subscription_zone"
    __table_args__ = (Index("ix_subscription_zone_zone", "zone"),)

    resident_id: int = Field(sa_column=Column(
        Integer, ForeignKey("subscription.resident_id", ondelete="CASCADE"), primary_key=True))
    zone: str = Field(max_length=16, primary_key=True)


class FeedPayload(SQLModel, table=True):
    """What a feed answered, as it came (kept for audit, malformed answers included)."""

    __tablename__ = "feed_payload"
    __table_args__ = (Index("ix_feed_payload_fetched", "source", "fetched_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)  # kma, mois
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(max_length=12)  # ok, empty, malformed, error
    error: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Warning(SQLModel, table=True):
    """A warning (or a disaster text message) as broadcast: one row per distinct issue, change or lift."""

    __tablename__ = "warning"
    __table_args__ = (UniqueConstraint("fingerprint", name="uq_warning_fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    fingerprint: str = Field(max_length=160)  # never the same warning twice
    zone: str = Field(max_length=16)
    hazard: str = Field(max_length=16)
    level: str = Field(max_length=12)  # advisory, warning, major (KMA); emergency, urgent, safety (MOIS)
    command: str = Field(max_length=12)  # issued, lifted, extended, changed, corrected
    issued_at: datetime = Field(sa_type=UTCDateTime)
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    payload_id: int | None = Field(default=None)
    recipients: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Broadcast(SQLModel, table=True):
    """A staff announcement: a text per language, who it is for, how many it was queued for."""

    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    texts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recipients: int = Field(default=0)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reminder(SQLModel, table=True):
    """A personal reminder the resident asked for: the stay's expiry date, or the health-insurance due day."""

    __tablename__ = "reminder"

    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True))
    kind: str = Field(max_length=16, primary_key=True)  # stay, insurance
    due_date: date | None = Field(default=None)
    day_of_month: int | None = Field(default=None)
    sent: str = Field(default=",", max_length=200)  # ",120,30,": which reminders went out
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Lease(SQLModel, table=True):
    """Who may run a job now (one KMA poller among several workers); it expires if its holder dies."""

    __tablename__ = "lease"

    name: str = Field(max_length=40, primary_key=True)
    holder: str = Field(max_length=80)
    expires_at: datetime = Field(sa_type=UTCDateTime)


resident_table = Resident.__table__
conversation_table = Conversation.__table__
message_table = MessageLog.__table__
counselor_table = Counselor.__table__
ticket_table = Ticket.__table__
ticket_message_table = TicketMessage.__table__
audit_table = AuditEntry.__table__
subscription_table = Subscription.__table__
subscription_zone_table = SubscriptionZone.__table__
feed_payload_table = FeedPayload.__table__
warning_table = Warning.__table__
broadcast_table = Broadcast.__table__
reminder_table = Reminder.__table__
lease_table = Lease.__table__
inbox_table = InboxUpdate.__table__
outbox_table = OutboxMessage.__table__
