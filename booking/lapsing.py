"""What becomes of holds and bookings as time passes: unpaid holds lapse (swept, or freed
when a new hold finds one in its way), a lapsed hold paid late takes its slot back if it is
still free, and bookings whose time is over are completed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, promo
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus, check_transition
from booking.events import EventType, record_event
from booking.stock import still_free
from db import busy_time, job_claims, queries
from db.models import Booking


def is_overlap_violation(exc: IntegrityError) -> bool:
    """The database refused a booking for overlapping another: its no-overlap guard."""
    text = str(exc.orig)
    return "booking_overlap" in text or "ex_bookings_no_overlap" in text


async def retake_slot(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Give an expired booking its slot back if nobody and no closure took it meanwhile.

    A hold that took the slot and has lapsed since, not yet swept, is expired first: the
    slot is free, and the database's guard would still count that hold."""
    if await busy_time.closure_spans(session, booking.hall_id, booking.start_at, booking.end_at):
        return False
    lapsed = await busy_time.overdue_holds_in(
        session, booking.hall_id, booking.start_at, booking.blocked_until, now
    )
    await expire_overdue(session, lapsed)
    if lapsed:
        await session.flush()  # so that the clash check below reads them expired
    if await busy_time.live_clash(session, booking) is not None:
        return False
    if not await still_free(session, booking, now):
        return False
    if not await codes_still_hold(session, booking, now):
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


async def codes_still_hold(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Whether what a lapsed hold's codes gave back is still there for it: the gift
    certificate's balance, the promo code's uses in all and this client's. Other holds may
    have taken them while it lapsed; a late payment then must not revive it."""
    return await certificates.still_covered(session, booking, now) and await promo.still_usable(
        session, booking, now
    )


def expire_one(session: AsyncSession, booking: Booking) -> None:
    """Mark an unpaid hold expired, freeing its slot, with its event."""
    check_transition(BookingStatus(booking.status), BookingStatus.EXPIRED)
    booking.status = BookingStatus.EXPIRED
    record_event(session, EventType.BOOKING_EXPIRED, booking=booking)


async def expire_overdue(session: AsyncSession, lapsed: Sequence[Booking]) -> None:
    """Free lapsed holds in the way of a new one. A change's held time goes whole (every row
    of it, so that its payment can no longer make it) and silently: it is no one's booking,
    and the sweep (booking/change_making.py) records the change as lapsed."""
    changes = [hold.change_id for hold in lapsed if hold.change_id is not None]
    for hold in lapsed:
        if hold.change_id is None:
            expire_one(session, hold)
    if changes:
        for row in await queries.change_hold_rows(session, changes):
            row.status = BookingStatus.EXPIRED


async def expire_holds(session: AsyncSession, deps: BookingDeps, limit: int = 200) -> int:
    """Expire every hold past its time; safe to run in several processes at once."""
    expired = 0
    for booking in await job_claims.due_holds(session, deps.now(), limit):
        expire_one(session, booking)
        expired += 1
    await session.commit()
    return expired


async def complete_finished(session: AsyncSession, deps: BookingDeps, limit: int = 200) -> int:
    """Confirmed bookings whose time is over become completed."""
    done = 0
    for booking in await job_claims.finished_bookings(session, deps.now(), limit):
        booking.status = BookingStatus.COMPLETED
        record_event(session, EventType.BOOKING_COMPLETED, booking=booking)
        done += 1
    await session.commit()
    return done
