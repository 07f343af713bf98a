"""Payments say when admins were told that one stayed pending past its gateway's lifetime:
each is told once, and the money audit finds any that nobody was told about.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payments", sa.Column("stuck_told_at", db.types.UTCDateTime(timezone=True)))


def downgrade() -> None:
    op.execute("ALTER TABLE payments DROP COLUMN stuck_told_at")
