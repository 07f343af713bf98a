"""Gift certificates and the ledger of their movements (issue, spend, refund).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gift_certificates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(16), nullable=False),
        sa.Column("buyer_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("buyer_phone", sa.String(32), nullable=True),
        sa.Column("buyer_email", sa.String(254), nullable=True),
        sa.Column("buyer_telegram_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_gift_certificates_code"),
    )
    op.create_table(
        "certificate_movements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "certificate_id", sa.Integer, sa.ForeignKey("gift_certificates.id"), nullable=False
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id"), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_certificate_movements_cert", "certificate_movements", ["certificate_id", "kind"]
    )
    op.create_index(
        "ix_certificate_movements_booking_id", "certificate_movements", ["booking_id"]
    )


def downgrade() -> None:
    op.drop_table("certificate_movements")
    op.drop_table("gift_certificates")
