"""Gift certificates and the ledger of their movements. A certificate's balance is never
stored: it is the sum of its movements that count (booking/certificates.py), so it cannot
drift from them.

Money columns are integer kopecks; datetimes are aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class GiftCertificate(Base):
    """A code with money on it, issued by an admin or bought online; spent by bookings."""

    __tablename__ = "gift_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column()
    #: "admin" (issued by hand) or "purchase" (bought online).
    issued_by: Mapped[str] = mapped_column(String(16))
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    buyer_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    buyer_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column()


class CertificateMovement(Base):
    """One movement of a certificate's money: `issue` (+), `spend` on a booking (−, counted
    while the booking holds it, like a promo code's use), `refund` back from a booking (+)."""

    __tablename__ = "certificate_movements"
    __table_args__ = (Index("ix_certificate_movements_cert", "certificate_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("gift_certificates.id"))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Integer)
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column()


class CertificateOrder(Base):
    """A certificate bought online: a payment at a gateway like a booking's, whose verified
    success issues the certificate (`certificate_id`) once. Its idempotency key, the order
    number the gateways know, starts with `cert-`, so a report names it as one of these."""

    __tablename__ = "certificate_orders"
    __table_args__ = (
        UniqueConstraint("gateway", "gateway_payment_id", name="uq_certificate_orders_gateway_id"),
        Index("ix_certificate_orders_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    gateway: Mapped[str] = mapped_column(String(16))
    gateway_payment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    confirmation_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    buyer_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    buyer_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    language: Mapped[str] = mapped_column(String(5), default="ru")
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("gift_certificates.id"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: When reconciliation last asked the gateway about it.
    checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: When admins were told it stayed pending past its gateway's lifetime (once).
    stuck_told_at: Mapped[datetime | None] = mapped_column(nullable=True)
