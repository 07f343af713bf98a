"""What a succeeded payment does to its booking, including the late-payment policy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import SlotTakenError
from booking.events import EventType, record_event
from booking.holds import expire_one, is_overlap_violation
from booking.refunds import create_refund
from db import queries
from db.models import Booking, Payment, Refund


async def settle_payment(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    payment: Payment,
    *,
    refund_on_conflict: bool = True,
) -> list[Refund]:
    """Confirm or top up the booking with a succeeded payment; refund what cannot be used.

    A payment after the hold expired confirms the booking if its slot is still free;
    otherwise (slot taken, closed meanwhile, booking cancelled or over, or paid twice) the
    payment is refunded in full and the event tells client and admins.
    """
    status = BookingStatus(booking.status)
    now = deps.now()
    if status == BookingStatus.PENDING_PAYMENT or (
        status == BookingStatus.EXPIRED and booking.start_at > now
    ):
        if status == BookingStatus.PENDING_PAYMENT or await _slot_free_again(
            session, booking, now
        ):
            booking.status = BookingStatus.CONFIRMED
            _count(booking, payment)
            booking.confirmed_at = now
            record_event(
                session,
                EventType.BOOKING_CONFIRMED,
                booking=booking,
                payment=payment,
                late=status == BookingStatus.EXPIRED,
            )
            return []
    elif is_balance(booking, payment):
        _count(booking, payment)
        return []
    if not refund_on_conflict:
        raise SlotTakenError("slot_taken", "The slot is no longer free.")
    refund = await create_refund(
        session,
        deps,
        booking,
        payment,
        payment.amount - payment.refunded,
        reason=f"payment could not be used: booking {booking.status}",
    )
    record_event(
        session, EventType.PAYMENT_LATE_REFUNDED, booking=booking, payment=payment, refund=refund
    )
    return [refund]


def _count(booking: Booking, payment: Payment) -> None:
    """The payment's money now counts in the booking's; so will its refunds."""
    booking.paid += payment.amount
    payment.applied = True


def is_balance(booking: Booking, payment: Payment) -> bool:
    """A payment that tops up a confirmed booking without paying more than its price.

    A session that has just ended counts too: a client who paid the rest in its last
    minutes must not be refunded because the completion job ran before the webhook came."""
    return (
        booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
        and booking.paid + payment.amount <= booking.total
    )


async def confirm_unpaid(session: AsyncSession, deps: BookingDeps, booking: Booking) -> None:
    """An admin's confirmation with nothing paid yet; an expired booking retakes its slot."""
    late = booking.status == BookingStatus.EXPIRED
    if late and not await _slot_free_again(session, booking, deps.now()):
        raise SlotTakenError("slot_taken", "The slot is no longer free.")
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = deps.now()
    record_event(session, EventType.BOOKING_CONFIRMED, booking=booking, late=late, by="admin")


async def _slot_free_again(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Re-take an expired booking's slot if nobody and no closure took it meanwhile.

    A hold that took the slot and has lapsed since, not yet swept, is expired first: the
    slot is free, and the database's guard would still count that hold."""
    spans = await queries.closure_spans(session, booking.hall_id, booking.start_at, booking.end_at)
    if spans:
        return False
    lapsed = await queries.overdue_holds_in(
        session, booking.hall_id, booking.start_at, booking.blocked_until, now
    )
    for hold in lapsed:
        expire_one(session, hold)
    if lapsed:
        await session.flush()  # so that the clash check below reads them expired
    if await queries.live_clash(session, booking) is not None:
        return False
    # Written first, so that a refused attempt undoes the booking's status alone (the
    # payment's new state stays), and the database's guard decides a race lost meanwhile.
    await session.flush()
    try:
        async with session.begin_nested():
            booking.status = BookingStatus.CONFIRMED
            await session.flush()
    except IntegrityError as exc:
        if not is_overlap_violation(exc):
            raise
        await session.refresh(booking)  # the rolled-back attempt left it expired in memory
        return False
    return True
