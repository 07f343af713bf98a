"""Gift certificates and the ledger of their movements. A certificate's balance is never
stored: it is the sum of its movements that count (booking/certificates.py), so it cannot
drift from them.

Money columns are integer kopecks; datetimes are aware UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
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
