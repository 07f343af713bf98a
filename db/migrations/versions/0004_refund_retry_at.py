"""Refunds a gateway keeps refusing are tried again after a growing pause, not every two
minutes for good: `retry_at` is when the next attempt may start.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("refunds", sa.Column("retry_at", db.types.UTCDateTime(timezone=True)))


def downgrade() -> None:
    op.execute("ALTER TABLE refunds DROP COLUMN retry_at")
