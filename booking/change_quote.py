"""What a change of a booking would make of it, told to the client before it is made: the
new hall and time, the new price, and what becomes of the money already paid (the same
figures booking/change_making.py then acts on).

A move that costs no more is made only when the client confirms what they were shown
(`Shown`): `check_unchanged` and `check_priced` refuse it when the booking or its price moved
on meanwhile, so a second tap of the same confirmation does not move the booking twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.change_making import ChangeStatus
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, InvalidTransition
from booking.pricing import certificate_paid
from booking.refunds import owed_back
from db.changes import BookingChange
from db.models import Booking


@dataclass(frozen=True, slots=True)
class Shown:
    """What a client's confirmation was given for: the booking's revision then (its
    calendar SEQUENCE, raised by every change of its time), the new price and the money
    that goes back or stays."""

    sequence: int
    total: int
    back: int


@dataclass(frozen=True, slots=True)
class Place:
    """Where and when a booking is, and its price then."""

    hall_id: int
    start: datetime
    end: datetime
    #: The price money is asked for (what a gift certificate pays is taken off).
    total: int


@dataclass(frozen=True, slots=True)
class ChangeQuote:
    """A change as the client is told it, in kopecks."""

    was: Place
    new: Place
    #: The booking's revision when quoted (Shown.sequence).
    sequence: int
    #: Paid and kept so far: refunds made or under way taken off.
    paid: int
    #: To pay before the change is made (a dearer change); 0: it is made on confirmation.
    due: int
    #: Paid above the new price: refunded the way it was paid, or kept on the booking as
    #: credit for a later change (`kept`, RESCHEDULE_CHEAPER=keep).
    back: int
    kept: bool
    #: What a gift certificate paid above the new price: back on the certificate.
    to_certificate: int

    @property
    def balance(self) -> int:
        """Left to pay after the change (and its difference, if any), later."""
        return max(self.new.total - self.paid - self.due, 0)

    @property
    def shown(self) -> Shown:
        return Shown(self.sequence, self.new.total, self.back)


def quote_of(booking: Booking, change: BookingChange, owed: int, kept: bool) -> ChangeQuote:
    """The change as it stands, before it is made: `owed` is refunds.owed_back."""
    paid = booking.paid - booking.refunded - owed
    cover = -sum(
        int(line["amount"]) for line in change.price_lines or [] if line["kind"] == "certificate"
    )
    back = max(paid - change.total, 0) if change.due == 0 else 0
    return ChangeQuote(
        Place(change.old_hall_id, change.old_start_at, change.old_end_at, change.old_total),
        Place(change.hall_id, change.start_at, change.end_at, change.total),
        booking.ics_sequence,
        paid,
        change.due,
        back,
        kept,
        max(certificate_paid(booking) - cover, 0),
    )


async def quote_for(
    session: AsyncSession, deps: BookingDeps, booking: Booking, change: BookingChange
) -> ChangeQuote:
    kept = deps.rules.reschedule_cheaper != "refund"
    return quote_of(booking, change, await owed_back(session, booking.id), kept)


async def pending_quote(
    session: AsyncSession, deps: BookingDeps, booking: Booking
) -> ChangeQuote | None:
    """The change the booking waits to be paid for, as quoted, if any."""
    if booking.change_id is None:
        return None
    change = await session.get(BookingChange, booking.change_id)
    if change is None or change.status != ChangeStatus.PENDING:
        return None
    return await quote_for(session, deps, booking, change)


def check_unchanged(
    booking: Booking, hall_id: int, start: datetime, end: datetime, shown: Shown
) -> None:
    """Refuse a confirmation given for another revision of the booking: 409 `already_moved`
    when it is at that time already (the same confirmation tapped again), else 409
    `booking_changed`."""
    if booking.ics_sequence == shown.sequence:
        return
    if (booking.hall_id, booking.start_at, booking.end_at) == (hall_id, start, end):
        raise InvalidTransition("already_moved", "The booking is already at that time.")
    raise InvalidTransition("booking_changed", "The booking has changed since.")


def check_priced(quote: ChangeQuote, shown: Shown) -> None:
    """400 `price_changed` when the change would now cost or give back other than shown,
    or ask for a payment first."""
    if (quote.new.total, quote.back, quote.due) != (shown.total, shown.back, 0):
        raise BookingRuleError("price_changed", "The price of the change has changed.")
