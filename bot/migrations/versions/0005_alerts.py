"""Alerts: subscriptions by zone, the KMA and disaster-message feeds (raw payloads kept for audit), staff
broadcasts, personal reminders, and leases (exactly one worker polls a feed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscription",
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_key", sa.String(128), nullable=False),
        sa.Column("muted", sa.String(200), nullable=False, server_default=","),
        sa.Column("advisories_wait", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("announcements", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "subscription_zone",
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("subscription.resident_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("zone", sa.String(16), primary_key=True),
    )
    op.create_index("ix_subscription_zone_zone", "subscription_zone", ["zone"])
    op.create_table(
        "feed_payload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
    )
    op.create_index("ix_feed_payload_fetched", "feed_payload", ["source", "fetched_at"])
    op.create_table(
        "warning",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(160), nullable=False),
        sa.Column("zone", sa.String(16), nullable=False),
        sa.Column("hazard", sa.String(16), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("command", sa.String(12), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("payload_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("fingerprint", name="uq_warning_fingerprint"),
    )
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "reminder",
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("day_of_month", sa.Integer(), nullable=True),
        sa.Column("sent", sa.String(200), nullable=False, server_default=","),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "lease",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(80), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lease")
    op.drop_table("reminder")
    op.drop_table("broadcast")
    op.drop_table("warning")
    op.drop_index("ix_feed_payload_fetched", table_name="feed_payload")
    op.drop_table("feed_payload")
    op.drop_index("ix_subscription_zone_zone", table_name="subscription_zone")
    op.drop_table("subscription_zone")
    op.drop_table("subscription")
