"""Bookings keep the address the website's request came from, so that the live holds of
one address can be counted against MAX_ACTIVE_HOLDS (booking/hold_limits.py). It is the
address as the limits count it: an IPv4 address, or the /64 network of an IPv6 one. Bookings
made before, in the bot or by the studio have none.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bookings", sa.Column("client_address", sa.String(64), nullable=True))


def downgrade() -> None:
    # SQLite 3.35 and newer drop a column in place (Python 3.11 ships a newer one).
    op.execute("ALTER TABLE bookings DROP COLUMN client_address")
