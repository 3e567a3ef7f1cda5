"""The counselor queue: help requests become tickets; counselors, the conversation of each ticket, the audit log.

Existing help requests are kept as tickets of their kind (counselor question, urgent call-back, interpreter
request): open ones wait in the queue, others are closed. A ticket outlives its resident for the statistics:
deleting a resident clears the ticket's link and text, not its counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counselor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_key", sa.String(128), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False, server_default="ko"),
        sa.Column("supervisor", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("current_ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel", "user_key", name="uq_counselor_channel_user"),
    )
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id", ondelete="SET NULL"), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_key", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("user_type", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="waiting"),
        sa.Column("counselor_id", sa.Integer(), sa.ForeignKey("counselor.id", ondelete="SET NULL"), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=True),
        sa.Column("assigned_at", UTCDateTime(), nullable=True),
        sa.Column("first_assigned_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("close_topic", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("told_position", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ticket_queue", "ticket", ["status", "locale", "priority", "queued_at"])
    op.create_index("ix_ticket_resident", "ticket", ["resident_id", "status"])
    op.create_index("ix_ticket_counselor", "ticket", ["counselor_id", "status"])
    op.create_index("ix_ticket_closed", "ticket", ["closed_at"])
    op.create_table(
        "ticket_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False),
        sa.Column("direction", sa.String(12), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("media", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ticket_message_ticket", "ticket_message", ["ticket_id", "id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_ticket", "audit", ["ticket_id", "at"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("sent_ref", sa.String(64), nullable=True))
    op.create_index("ix_outbox_sent_ref", "outbox", ["channel", "recipient", "sent_ref"])

    # help requests → tickets: "open" ones wait in the queue, anything else is closed
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO ticket (id, resident_id, channel, user_key, kind, topic, priority, locale, region, status, "
        "details, created_at, queued_at, closed_at, outcome, updated_at) "
        "SELECT h.id, h.resident_id, h.channel, r.user_key, h.kind, h.topic, h.priority, h.locale, h.region, "
        "CASE WHEN h.status = 'open' THEN 'waiting' ELSE 'closed' END, h.details, h.created_at, h.created_at, "
        "CASE WHEN h.status = 'open' THEN NULL ELSE h.created_at END, "
        "CASE WHEN h.status = 'open' THEN NULL ELSE 'migrated' END, h.created_at "
        "FROM help_request h LEFT JOIN resident r ON r.id = h.resident_id"))
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                             "COALESCE((SELECT MAX(id) FROM ticket), 0) + 1, false)"))
    op.drop_index("ix_help_request_status_created", table_name="help_request")
    op.drop_index("ix_help_request_resident_id", table_name="help_request")
    op.drop_table("help_request")


def downgrade() -> None:
    op.create_table(
        "help_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_help_request_resident_id", "help_request", ["resident_id"])
    op.create_index("ix_help_request_status_created", "help_request", ["status", "created_at"])
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO help_request (id, resident_id, kind, topic, priority, locale, region, channel, details, status, "
        "created_at) SELECT id, resident_id, kind, topic, priority, locale, region, channel, details, "
        "CASE WHEN status IN ('waiting', 'assigned', 'bot') THEN 'open' ELSE 'closed' END, created_at "
        "FROM ticket WHERE resident_id IS NOT NULL"))
    op.drop_index("ix_outbox_sent_ref", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("sent_ref")
    op.drop_index("ix_audit_ticket", table_name="audit")
    op.drop_table("audit")
    op.drop_index("ix_ticket_message_ticket", table_name="ticket_message")
    op.drop_table("ticket_message")
    for index in ("ix_ticket_closed", "ix_ticket_counselor", "ix_ticket_resident", "ix_ticket_queue"):
        op.drop_index(index, table_name="ticket")
    op.drop_table("ticket")
    op.drop_table("counselor")
