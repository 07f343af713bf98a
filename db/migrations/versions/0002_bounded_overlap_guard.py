"""Bounded no-overlap guard: a booking spans at most two days, so overlap checks look back
only that far instead of over a hall's whole history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "('pending_payment', 'confirmed', 'completed')"
# Stored SQLite datetimes are 'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC; strftime keeps the
# same shape, so the comparisons stay textual and index-friendly.
SQLITE_TRIGGER = """
CREATE TRIGGER tr_bookings_no_overlap_{when} BEFORE {event} ON bookings
WHEN NEW.status IN {live}
BEGIN
    SELECT RAISE(ABORT, 'booking_too_long')
    WHERE NEW.blocked_until > strftime('%Y-%m-%d %H:%M:%f', NEW.start_at, '+2 days');
    SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
        SELECT 1 FROM bookings AS other
        WHERE other.hall_id = NEW.hall_id AND other.id IS NOT NEW.id
          AND other.status IN {live}
          AND other.start_at > strftime('%Y-%m-%d %H:%M:%f', NEW.start_at, '-2 days')
          AND other.start_at < NEW.blocked_until AND NEW.start_at < other.blocked_until
    );
END
"""
EVENTS = {
    "insert": "INSERT",
    "update": "UPDATE OF status, hall_id, start_at, blocked_until",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ck_bookings_span_at_most_two_days "
            "CHECK (blocked_until <= start_at + interval '2 days')"
        )
        return
    for when, event in EVENTS.items():
        op.execute(f"DROP TRIGGER tr_bookings_no_overlap_{when}")
        op.execute(SQLITE_TRIGGER.format(when=when, event=event, live=LIVE))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ck_bookings_span_at_most_two_days")
        return
    from importlib import import_module

    first = import_module("db.migrations.versions.0001_initial_schema")
    for when, event in EVENTS.items():
        op.execute(f"DROP TRIGGER tr_bookings_no_overlap_{when}")
        op.execute(first.SQLITE_TRIGGER.format(when=when, event=event, live=LIVE))
