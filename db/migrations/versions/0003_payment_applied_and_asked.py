"""Payments say whether their money counts towards the booking, when a gateway was last
asked to create them, and when reconciliation last asked about them.

`applied`: a payment refunded because it could not be used (paid twice, too late) never
counted in the booking's `paid`, so its refund must not count in the booking's `refunded`
either; the flag tells the two kinds apart. Existing rows: every succeeded payment without
such an automatic refund counts, and each booking's `refunded` is summed again from the
refunds of payments that count.

`asked_at`: while one request waits for the gateway's answer, another for the same payment
waits for that answer instead of registering the order a second time.

`checked_at`: reconciliation asks about the payments it asked least recently first.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNUSABLE = "payment could not be used%"


def upgrade() -> None:
    # Plain ALTER TABLE on both backends: a batch copy of the table would trip SQLite's
    # foreign keys from refunds on a database that holds payments.
    op.add_column(
        "payments", sa.Column("applied", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("payments", sa.Column("asked_at", db.types.UTCDateTime(timezone=True)))
    op.add_column("payments", sa.Column("checked_at", db.types.UTCDateTime(timezone=True)))
    op.execute(
        sa.text(
            "UPDATE payments SET applied = :yes "
            "WHERE status IN ('succeeded', 'partially_refunded', 'refunded') "
            "AND NOT EXISTS (SELECT 1 FROM refunds WHERE refunds.payment_id = payments.id "
            "AND refunds.reason LIKE :unusable)"
        ).bindparams(yes=True, unusable=UNUSABLE)
    )
    op.execute(
        sa.text(
            "UPDATE bookings SET refunded = COALESCE((SELECT SUM(refunds.amount) FROM refunds "
            "JOIN payments ON payments.id = refunds.payment_id "
            "WHERE refunds.booking_id = bookings.id AND refunds.status = 'succeeded' "
            "AND payments.applied = :yes), 0)"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    # SQLite 3.35 and newer drop a column in place (Python 3.11 ships a newer one).
    op.execute("ALTER TABLE payments DROP COLUMN checked_at")
    op.execute("ALTER TABLE payments DROP COLUMN asked_at")
    op.execute("ALTER TABLE payments DROP COLUMN applied")
