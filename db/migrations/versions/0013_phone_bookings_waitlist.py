"""Bookings taken by an admin for a client name that admin; the waitlist of full days.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place: a batch copy of `bookings` would drop SQLite's no-overlap triggers.
    op.add_column("bookings", sa.Column("booked_by", sa.BigInteger, nullable=True))
    op.create_table(
        "waitlist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hall_id", sa.Integer, sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("telegram_id", sa.BigInteger, nullable=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("language", sa.String(8), nullable=False, server_default="ru"),
        sa.Column("ends_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("hall_id", "day", "telegram_id", name="uq_waitlist_telegram"),
        sa.UniqueConstraint("hall_id", "day", "email", name="uq_waitlist_email"),
    )
    op.create_index("ix_waitlist_hall_day", "waitlist", ["hall_id", "day", "id"])


def downgrade() -> None:
    op.drop_table("waitlist")
    op.execute("ALTER TABLE bookings DROP COLUMN booked_by")
