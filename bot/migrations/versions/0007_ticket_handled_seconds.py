"""How long a ticket was with counselors in all, over every stretch (a transfer or a return to the queue starts a
new stretch): the handling time the statistics and the waiting estimates use.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("handled_seconds", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("handled_seconds")
