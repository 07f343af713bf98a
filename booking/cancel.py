"""Cancelling a booking, with the refund its recorded policy gives."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates
from booking.change_making import drop_pending_change
from booking.deps import BookingDeps
from booking.domain.policy import parse_tiers, refund_amount
from booking.domain.states import BookingStatus, check_transition
from booking.errors import InvalidTransition, NotFound
from booking.events import EventType, record_event
from booking.refunds import execute_refunds, owed_back, refund_across_payments
from db import queries
from db.models import Booking


def refund_quote(
    booking: Booking, deps: BookingDeps, *, by_admin: bool, owed_back: int = 0
) -> int:
    """What cancelling now would return: shown to the client before they agree.
    `owed_back`: refunds reserved and not made yet (refunds.owed_back), not counted twice."""
    refundable = max(booking.paid - booking.refunded - owed_back, 0)
    if by_admin or booking.status == BookingStatus.PENDING_PAYMENT:
        return refundable
    tiers = parse_tiers(booking.refund_tiers)
    # The tier's share of what the client still has with the studio: money an admin has
    # already given back (a goodwill partial refund) is not refunded a second time.
    return refund_amount(refundable, tiers, booking.start_at, deps.now())


async def _certificate_back(
    session: AsyncSession, deps: BookingDeps, booking: Booking, *, by_admin: bool
) -> int:
    """Give back to its certificate what it paid of a booking, by the same policy as the
    gateway's part. A hold never paid holds no spend once cancelled: nothing to give."""
    if booking.confirmed_at is None:
        return 0
    _, owed = await certificates.spent_on(session, booking.id)
    if owed <= 0:
        return 0
    now = deps.now()
    if not by_admin:
        owed = refund_amount(owed, parse_tiers(booking.refund_tiers), booking.start_at, now)
    return await certificates.refund_back(session, booking, owed, now)


async def cancel_booking(
    session: AsyncSession, deps: BookingDeps, booking_id: int, *, by_admin: bool, reason: str = ""
) -> tuple[Booking, int]:
    """Cancel and refund by policy (a client) or in full (an admin); returns the refund."""
    booking = await queries.booking_for_update(session, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "No such booking.")
    check_transition(BookingStatus(booking.status), BookingStatus.CANCELLED)
    if not by_admin and booking.start_at <= deps.now():
        # The bot offers no cancel once the session has begun; the API keeps the same rule,
        # so the rest of a session in progress is not freed for others to book.
        raise InvalidTransition("too_late", "The session has already begun; ask the studio.")
    await drop_pending_change(session, booking)
    owed = await owed_back(session, booking.id)
    amount = refund_quote(booking, deps, by_admin=by_admin, owed_back=owed)
    to_certificate = await _certificate_back(session, deps, booking, by_admin=by_admin)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = deps.now()
    booking.cancel_reason = reason[:500] or None
    refunds = await refund_across_payments(
        session,
        deps,
        booking,
        amount,
        reason or ("cancelled by admin" if by_admin else "cancelled"),
        by_client=not by_admin,
    )
    record_event(
        session,
        EventType.BOOKING_CANCELLED,
        booking=booking,
        refund_total=amount,
        certificate_refund=to_certificate,
        by="admin" if by_admin else "client",
        reason=reason,
    )
    await session.commit()
    await execute_refunds(session, deps, [r.id for r in refunds])
    return booking, amount
