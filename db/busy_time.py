"""What takes a hall's time, as the availability, holds and closures ask it: the spans of
live bookings (a hold only until it lapses) and of closures, a booking's clash with another,
and the lapsed holds in a window. None of them commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.changes import BookingChange
from db.models import Booking, Closure
from db.queries import locked

LIVE = ("pending_payment", "confirmed", "completed", "change_hold")
# A booking lies within one day's opening hours, and the database refuses one whose blocked
# span exceeds this; overlap searches may therefore start this far back, not at the
# hall's first booking ever.
MAX_BLOCKED_SPAN = timedelta(days=2)


async def busy_spans(
    session: AsyncSession,
    hall_id: int,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    besides: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """[start, blocked_until) of the hall's live bookings touching the window.

    A hold past its expiry no longer counts, even before the sweeper marks it expired.
    `besides`: a booking being moved, whose own time (and the time its pending change
    holds) is not in its way.
    """
    stmt = select(Booking.start_at, Booking.blocked_until).where(
        Booking.hall_id == hall_id,
        Booking.status.in_(LIVE),
        Booking.start_at > start - MAX_BLOCKED_SPAN,
        Booking.start_at < end,
        Booking.blocked_until > start,
        or_(
            Booking.status.not_in(("pending_payment", "change_hold")),
            Booking.hold_expires_at > now,
        ),
    )
    if besides is not None:
        own_changes = select(BookingChange.id).where(BookingChange.booking_id == besides)
        stmt = stmt.where(
            Booking.id != besides,
            or_(Booking.change_id.is_(None), Booking.change_id.not_in(own_changes)),
        )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def calendar_spans(
    session: AsyncSession,
    hall_id: int,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    besides: int | None = None,
) -> list[tuple[str, datetime, datetime]]:
    """Busy time ("b") and closures ("c") of a hall touching the window (`besides`:
    busy_spans)."""
    busy = await busy_spans(session, hall_id, start, end, now=now, besides=besides)
    closed = await closure_spans(session, hall_id, start, end)
    return [("b", *span) for span in busy] + [("c", *span) for span in closed]


async def closure_spans(
    session: AsyncSession, hall_id: int | None, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The closures of the whole studio and of hall `hall_id` (None: the studio's alone)
    touching [start, end)."""
    stmt = select(Closure.start_at, Closure.end_at).where(
        or_(Closure.hall_id.is_(None), Closure.hall_id == hall_id),
        Closure.start_at < end,
        Closure.end_at > start,
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def live_clash(session: AsyncSession, booking: Booking) -> int | None:
    """Another live booking overlapping this one's blocked span, if any."""
    return await session.scalar(
        select(Booking.id)
        .where(
            Booking.hall_id == booking.hall_id,
            Booking.id != booking.id,
            Booking.status.in_(LIVE),
            Booking.start_at > booking.start_at - MAX_BLOCKED_SPAN,
            Booking.start_at < booking.blocked_until,
            Booking.blocked_until > booking.start_at,
        )
        .limit(1)
    )


async def overdue_holds_in(
    session: AsyncSession, hall_id: int, start: datetime, end: datetime, now: datetime
) -> Sequence[Booking]:
    """Holds past their expiry that overlap a window, a change's held time among them: they
    must be expired before a new hold."""
    stmt = (
        select(Booking)
        .where(
            Booking.hall_id == hall_id,
            Booking.status.in_(("pending_payment", "change_hold")),
            Booking.hold_expires_at <= now,
            Booking.start_at > start - MAX_BLOCKED_SPAN,
            Booking.start_at < end,
            Booking.blocked_until > start,
        )
        .order_by(Booking.id)
    )  # locked in id order, so that two callers cannot deadlock
    return (await session.scalars(locked(stmt, session))).all()
