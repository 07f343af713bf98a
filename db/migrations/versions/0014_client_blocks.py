"""Blocked clients: a phone number or a Telegram id the studio refuses bookings from.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_blocks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("telegram_id", sa.BigInteger, nullable=True),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("admin_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("phone", name="uq_client_blocks_phone"),
        sa.UniqueConstraint("telegram_id", name="uq_client_blocks_telegram_id"),
    )


def downgrade() -> None:
    op.drop_table("client_blocks")
