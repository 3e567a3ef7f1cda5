"""All tables, in one module. Names stored here (screens, channels) must stay stable across releases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
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


class HelpRequest(SQLModel, table=True):
    """A resident's request for a person: a counselor, an urgent call back, an interpreter.

    Recorded now; the counselor queue works from these rows."""

    __tablename__ = "help_request"
    __table_args__ = (Index("ix_help_request_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = Field(max_length=16)  # counselor, urgent, interpreter
    topic: str = Field(max_length=40)  # immigration, labor, medical, welfare, daily, emergency, a card id …
    priority: int = Field(default=0)  # higher first: urgent requests are 10
    locale: str = Field(max_length=16)
    region: str | None = Field(default=None, max_length=32)
    channel: str = Field(max_length=16)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
    error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


resident_table = Resident.__table__
conversation_table = Conversation.__table__
message_table = MessageLog.__table__
help_request_table = HelpRequest.__table__
inbox_table = InboxUpdate.__table__
outbox_table = OutboxMessage.__table__
