"""The changes of a booking after it was made (a move, more time), one row each, kept with
who asked for it. Kept apart from `db/models.py`, which imports this module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class BookingChange(Base):
    """A move or an extension: the span before and after, the price after, and what was
    left to pay for it. `pending` while its difference is unpaid (the added time held by
    `change_hold` rows naming it), then `applied`, `lapsed` or `superseded`."""

    __tablename__ = "booking_changes"
    __table_args__ = (
        Index("ix_booking_changes_booking", "booking_id", "status"),
        Index("ix_booking_changes_due", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    kind: Mapped[str] = mapped_column(String(12))  # reschedule, extend
    status: Mapped[str] = mapped_column(String(12))
    #: "client", "admin" (the API token) or "admin:<telegram id>"
    by: Mapped[str] = mapped_column(String(40))
    old_hall_id: Mapped[int] = mapped_column(Integer)
    old_start_at: Mapped[datetime]
    old_end_at: Mapped[datetime]
    hall_id: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    blocked_until: Mapped[datetime]
    old_total: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    prepay_amount: Mapped[int] = mapped_column(Integer)
    price_lines: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    #: What the client pays for it before it is made (0: made at once).
    due: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
