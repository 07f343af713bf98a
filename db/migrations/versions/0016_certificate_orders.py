"""Gift certificates bought online: one order per purchase, paid at a gateway.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = db.types.UTCDateTime(timezone=True)
    op.create_table(
        "certificate_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="RUB"),
        sa.Column("gateway", sa.String(16), nullable=False),
        sa.Column("gateway_payment_id", sa.String(64), nullable=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("confirmation_url", sa.Text, nullable=True),
        sa.Column("raw", sa.JSON, nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("buyer_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("buyer_phone", sa.String(32), nullable=True),
        sa.Column("buyer_email", sa.String(254), nullable=True),
        sa.Column("buyer_telegram_id", sa.BigInteger, nullable=True),
        sa.Column("language", sa.String(5), nullable=False, server_default="ru"),
        sa.Column(
            "certificate_id", sa.Integer, sa.ForeignKey("gift_certificates.id"), nullable=True
        ),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.Column("paid_at", moment, nullable=True),
        sa.Column("checked_at", moment, nullable=True),
        sa.Column("stuck_told_at", moment, nullable=True),
        sa.UniqueConstraint("idempotency_key", name="uq_certificate_orders_key"),
        sa.UniqueConstraint(
            "gateway", "gateway_payment_id", name="uq_certificate_orders_gateway_id"
        ),
        sa.UniqueConstraint("certificate_id", name="uq_certificate_orders_certificate"),
    )
    op.create_index(
        "ix_certificate_orders_status_created", "certificate_orders", ["status", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("certificate_orders")
