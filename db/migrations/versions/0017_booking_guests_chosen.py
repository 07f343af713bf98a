"""Bookings keep the number of people their client chose apart from the number they are
priced for: without a choice a booking counts the guests its hall's price covers, and a move
to another hall takes that hall's number instead of refusing (or charging) the old one's.

Existing bookings did not record whether their count was chosen. One for the number its
hall's price covers, with no guest fee among its price lines, most likely took the default:
it is left without a choice, so that a move to a hall covering fewer people neither charges
a guest fee nor is refused for people the client never stated. Any other count (or one a
guest fee was charged for) is kept as chosen: a move never lets more people into a smaller
hall than the client stated, nor drops a fee they were charged. A client who did state the
default number is then counted at the new hall's number after a move.

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
    bind = op.get_bind()
    bookings = sa.table(
        "bookings",
        sa.column("id", sa.Integer),
        sa.column("hall_id", sa.Integer),
        sa.column("guests", sa.Integer),
        sa.column("guests_chosen", sa.Integer),
        sa.column("price_lines", sa.JSON),
    )
    halls = sa.table(
        "halls", sa.column("id", sa.Integer), sa.column("included_guests", sa.Integer)
    )
    defaulted = sa.select(bookings.c.id, bookings.c.price_lines).join(
        halls,
        sa.and_(halls.c.id == bookings.c.hall_id, halls.c.included_guests == bookings.c.guests),
    )
    # Price lines are JSON (text on SQLite): whether one is a guest fee is read here.
    unchosen = [
        row.id
        for row in bind.execute(defaulted)
        if not any(line.get("kind") == "guests" for line in row.price_lines or [])
    ]
    for start in range(0, len(unchosen), 500):
        ids = unchosen[start : start + 500]
        bind.execute(bookings.update().where(bookings.c.id.in_(ids)).values(guests_chosen=None))


def downgrade() -> None:
    # SQLite 3.35 and newer drop a column in place (Python 3.11 ships a newer one).
    op.execute("ALTER TABLE bookings DROP COLUMN guests_chosen")
