"""Residents, conversation state and message history.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resident",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_key", sa.String(128), nullable=False),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("consent", sa.String(8), nullable=True),
        sa.Column("consent_at", UTCDateTime(), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("unreachable_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("channel", "user_key", name="uq_resident_channel_user"),
    )
    op.create_index("ix_resident_last_seen", "resident", ["last_seen"])
    op.create_table(
        "conversation",
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("screen", sa.String(64), nullable=False),
        sa.Column("stack", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_message_resident_created", "message", ["resident_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_message_resident_created", table_name="message")
    op.drop_table("message")
    op.drop_table("conversation")
    op.drop_index("ix_resident_last_seen", table_name="resident")
    op.drop_table("resident")
