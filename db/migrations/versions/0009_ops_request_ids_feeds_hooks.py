"""Events name the request or bot update that wrote them; the staff's calendar feeds have
secret tokens; each outgoing webhook delivery to the studio's CRM is a row retried until
it is delivered, in order per booking.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("events", sa.Column("request_id", sa.String(64), nullable=True))
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hall_id", sa.Integer, sa.ForeignKey("halls.id"), nullable=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("token", name="uq_calendar_feeds_token"),
        sa.UniqueConstraint("hall_id", name="uq_calendar_feeds_hall_id"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscriber", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("booking_id", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("subscriber", "event_id", name="uq_webhook_deliveries_subscriber"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["subscriber", "status", "id"]
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("calendar_feeds")
    op.execute("ALTER TABLE events DROP COLUMN request_id")
