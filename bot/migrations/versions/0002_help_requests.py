"""Help requests: counselor, urgent and interpreter requests recorded for the center.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_index("ix_help_request_status_created", table_name="help_request")
    op.drop_index("ix_help_request_resident_id", table_name="help_request")
    op.drop_table("help_request")
