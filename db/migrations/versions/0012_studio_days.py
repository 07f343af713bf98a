"""Opening hours of single dates (a shorter day, or closed) beside the weekly hours.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 11:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "studio_days",
        sa.Column("day", sa.Date, primary_key=True, autoincrement=False),
        sa.Column("open_minute", sa.Integer, nullable=True),
        sa.Column("close_minute", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_studio_days")),
    )


def downgrade() -> None:
    op.drop_table("studio_days")
