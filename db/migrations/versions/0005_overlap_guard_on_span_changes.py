"""SQLite's no-overlap guard runs on an update only when the booking becomes live or its
span moves: a live booking that stays where it is (held → confirmed → completed) cannot
overlap anything it did not already, and each confirmation paid for the overlap search.

PostgreSQL's exclusion constraint is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 23:35:00
"""

from collections.abc import Sequence
from importlib import import_module

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GUARD = import_module("db.migrations.versions.0002_bounded_overlap_guard")
# The update trigger's condition: live afterwards, and either not live before or moved.
MOVED_OR_REVIVED = (
    "NEW.status IN {live} AND (OLD.status NOT IN {live} OR NEW.hall_id IS NOT OLD.hall_id "
    "OR NEW.start_at IS NOT OLD.start_at OR NEW.blocked_until IS NOT OLD.blocked_until)"
)


def _update_trigger(condition: str) -> str:
    trigger: str = _GUARD.SQLITE_TRIGGER.format(
        when="update", event=_GUARD.EVENTS["update"], live=_GUARD.LIVE
    )
    old_condition = f"WHEN NEW.status IN {_GUARD.LIVE}\n"
    assert old_condition in trigger
    return trigger.replace(old_condition, f"WHEN {condition}\n")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("DROP TRIGGER tr_bookings_no_overlap_update")
    op.execute(_update_trigger(MOVED_OR_REVIVED.format(live=_GUARD.LIVE)))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("DROP TRIGGER tr_bookings_no_overlap_update")
    op.execute(_update_trigger(f"NEW.status IN {_GUARD.LIVE}"))
