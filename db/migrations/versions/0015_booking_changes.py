"""Changes of a booking after it is made: a move to another time or hall, more time.

A change that costs more holds the time it adds in rows of status `change_hold` (live for
the no-overlap guard, so the guard now counts that status too) until its difference is paid;
`booking_changes` records each change with who asked for it. A booking counts its client's
moves (`moves_made`), the calendar file's revision (`ics_sequence`), and what its pending
change asks to be paid until when (`change_due`, `change_expires_at`; `change_id` names it).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence
from importlib import import_module

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIRST = import_module("db.migrations.versions.0001_initial_schema")
_GUARD = import_module("db.migrations.versions.0002_bounded_overlap_guard")
_SPAN = import_module("db.migrations.versions.0005_overlap_guard_on_span_changes")
OLD_LIVE: str = _GUARD.LIVE
LIVE = "('pending_payment', 'confirmed', 'completed', 'change_hold')"


def _sqlite_triggers(live: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_bookings_no_overlap_insert")
    op.execute("DROP TRIGGER IF EXISTS tr_bookings_no_overlap_update")
    op.execute(
        _GUARD.SQLITE_TRIGGER.format(when="insert", event=_GUARD.EVENTS["insert"], live=live)
    )
    update = _GUARD.SQLITE_TRIGGER.format(when="update", event=_GUARD.EVENTS["update"], live=live)
    old_condition = f"WHEN NEW.status IN {live}\n"
    assert old_condition in update
    condition = _SPAN.MOVED_OR_REVIVED.format(live=live)
    op.execute(update.replace(old_condition, f"WHEN {condition}\n"))


def _pg_constraint(live: str) -> None:
    op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap")
    op.execute(_FIRST.PG_EXCLUDE.replace(_FIRST.LIVE, live))


def upgrade() -> None:
    dt = db.types.UTCDateTime(timezone=True)
    op.create_table(
        "booking_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("by", sa.String(40), nullable=False),
        sa.Column("old_hall_id", sa.Integer, nullable=False),
        sa.Column("old_start_at", dt, nullable=False),
        sa.Column("old_end_at", dt, nullable=False),
        sa.Column("hall_id", sa.Integer, nullable=False),
        sa.Column("start_at", dt, nullable=False),
        sa.Column("end_at", dt, nullable=False),
        sa.Column("blocked_until", dt, nullable=False),
        sa.Column("old_total", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("prepay_amount", sa.Integer, nullable=False),
        sa.Column("price_lines", sa.JSON, nullable=True),
        sa.Column("due", sa.Integer, nullable=False),
        sa.Column("expires_at", dt, nullable=True),
        sa.Column("created_at", dt, nullable=False),
        sa.Column("updated_at", dt, nullable=False),
    )
    op.create_index("ix_booking_changes_booking", "booking_changes", ["booking_id", "status"])
    op.create_index("ix_booking_changes_due", "booking_changes", ["status", "expires_at"])
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("moves_made", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("ics_sequence", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("change_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("change_due", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("change_expires_at", dt, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _pg_constraint(LIVE)
    else:
        _sqlite_triggers(LIVE)


def downgrade() -> None:
    op.execute("UPDATE bookings SET status = 'expired' WHERE status = 'change_hold'")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a rebuilt bookings table would break
    # the foreign keys that name it.
    for column in ("change_expires_at", "change_due", "change_id", "ics_sequence", "moves_made"):
        op.drop_column("bookings", column)
    if op.get_bind().dialect.name == "postgresql":
        _pg_constraint(OLD_LIVE)
    else:  # after the columns: a rebuilt table has lost its triggers
        _sqlite_triggers(OLD_LIVE)
    op.drop_index("ix_booking_changes_due", "booking_changes")
    op.drop_index("ix_booking_changes_booking", "booking_changes")
    op.drop_table("booking_changes")
