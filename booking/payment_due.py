"""What a booking's client can pay now, and what kind of payment that is: read by the pages,
the bot and the API to offer it, and by booking.paying to start it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from booking.domain.states import BookingStatus
from db.models import Booking


class PaymentKind(StrEnum):
    PREPAYMENT = "prepayment"
    FULL = "full"
    BALANCE = "balance"
    #: The difference a change of the booking costs (booking/changes.py).
    CHANGE = "change"


def amount_due(booking: Booking, now: datetime) -> tuple[int, PaymentKind | None]:
    """What the client can pay now and what that payment is."""
    if booking.status == BookingStatus.PENDING_PAYMENT:
        if booking.hold_expires_at is not None and booking.hold_expires_at <= now:
            return 0, None
        if booking.prepay_amount < booking.total:
            return booking.prepay_amount, PaymentKind.PREPAYMENT
        return booking.total, PaymentKind.FULL
    live = booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
    if live and pending_change_due(booking, now):
        return booking.change_due, PaymentKind.CHANGE
    if booking.status == BookingStatus.CONFIRMED and booking.paid < booking.total:
        return booking.total - booking.paid, PaymentKind.BALANCE
    return 0, None


def pending_change_due(booking: Booking, now: datetime) -> bool:
    """A change of the booking waits for its difference, and its held time has not lapsed
    (overtime has no hold: it waits until paid)."""
    return booking.change_due > 0 and (
        booking.change_expires_at is None or booking.change_expires_at > now
    )
