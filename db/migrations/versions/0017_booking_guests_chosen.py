"""Bookings keep the number of people their client chose apart from the number they are
priced for: without a choice a booking counts the guests its hall's price covers, and a move
to another hall takes that hall's number instead of refusing (or charging) the old one's.

Existing bookings did not record whether their count was chosen: each keeps the count it was
priced for as chosen. That never lets more people into a smaller hall than a client stated,
nor drops a guest fee they were charged; at worst a booking made with the hall's default is
refused a move to a hall smaller than that default, as before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bookings", sa.Column("guests_chosen", sa.Integer(), nullable=True))
    op.execute("UPDATE bookings SET guests_chosen = guests")


def downgrade() -> None:
    # SQLite 3.35 and newer drop a column in place (Python 3.11 ships a newer one).
    op.execute("ALTER TABLE bookings DROP COLUMN guests_chosen")
