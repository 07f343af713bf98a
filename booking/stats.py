"""Stats for a period of studio days: bookings by status, money in and refunded, and each
hall's occupancy (booked minutes over open minutes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import day_bounds, hall_calendar
from booking.deps import BookingDeps
from booking.domain.calendar import Interval, opening_interval
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError
from booking.refunds import CASH
from db import busy_time, queries
from db.models import Booking, Hall, Payment, Refund
from db.sales import BookingAddon
from payments.base import PaymentStatus, RefundStatus

MAX_STATS_DAYS = 366
#: A no-show held its hall as much as a booking that took place.
OCCUPYING = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
MONEY_IN = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True, slots=True)
class HallOccupancy:
    hall: Hall
    booked_minutes: int
    open_minutes: int

    @property
    def ratio(self) -> float:
        return self.booked_minutes / self.open_minutes if self.open_minutes else 0.0


@dataclass(frozen=True, slots=True)
class PeriodStats:
    """Bookings whose session starts in [first, last] (studio days), and their money."""

    first: date
    last: date
    by_status: dict[str, int]
    paid: int
    refunded: int
    refunds: int
    refunds_pending: int
    halls: list[HallOccupancy] = field(default_factory=list)
    #: Of confirmed and completed bookings: what their add-ons cost, and the discounts given.
    addon_revenue: int = 0
    discounts: int = 0
    #: Of `paid`: what admins recorded as paid in cash (gateway `cash`).
    cash: int = 0
    #: What confirmed and completed bookings still owe (confirmed unpaid, balances due).
    unpaid: int = 0

    @property
    def revenue(self) -> int:
        return self.paid - self.refunded


async def period_stats(
    session: AsyncSession, deps: BookingDeps, first: date, last: date
) -> PeriodStats:
    """Bookings, revenue (money in minus refunds made) and occupancy for studio days.

    A booking counts in the period of its session; occupancy per hall is booked minutes
    (confirmed and completed) over open minutes (hours minus closures).
    """
    if last < first:
        raise BookingRuleError("bad_range", "The end date is before the start date.")
    if (last - first).days + 1 > MAX_STATS_DAYS:
        raise BookingRuleError("range_too_long", f"At most {MAX_STATS_DAYS} days at once.")
    start, end = day_bounds(first, last, deps)
    # The rows that held time for a change are no one's booking (db/queries.py).
    in_period = (Booking.start_at >= start, Booking.start_at < end, queries.not_change_hold())
    by_status = {
        str(status): int(count)
        for status, count in await session.execute(
            select(Booking.status, func.count()).where(*in_period).group_by(Booking.status)
        )
    }
    paid = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Booking, Booking.id == Payment.booking_id)
        .where(*in_period, Payment.status.in_(MONEY_IN))
    )
    refund_rows = {
        str(status): (int(count), int(total))
        for status, count, total in await session.execute(
            select(Refund.status, func.count(), func.coalesce(func.sum(Refund.amount), 0))
            .join(Booking, Booking.id == Refund.booking_id)
            .where(*in_period)
            .group_by(Refund.status)
        )
    }
    done, refunded = refund_rows.get(RefundStatus.SUCCEEDED, (0, 0))
    return PeriodStats(
        first=first,
        last=last,
        by_status=by_status,
        paid=int(paid or 0),
        refunded=refunded,
        refunds=done,
        refunds_pending=refund_rows.get(RefundStatus.PENDING, (0, 0))[1],
        halls=await _occupancy(session, deps, first, last, start, end),
        **await _sales(session, in_period),
        **await _cash_and_unpaid(session, in_period),
    )


async def _cash_and_unpaid(session: AsyncSession, in_period: tuple[Any, ...]) -> dict[str, int]:
    """Money taken in cash, and what the period's confirmed and completed bookings owe."""
    cash = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Booking, Booking.id == Payment.booking_id)
        .where(*in_period, Payment.status.in_(MONEY_IN), Payment.gateway == CASH)
    )
    owed = await session.scalar(
        select(func.coalesce(func.sum(Booking.total - Booking.paid), 0)).where(
            *in_period, Booking.status.in_(OCCUPYING), Booking.paid < Booking.total
        )
    )
    return {"cash": int(cash or 0), "unpaid": int(owed or 0)}


async def _sales(session: AsyncSession, in_period: tuple[Any, ...]) -> dict[str, int]:
    """Add-on revenue and discounts of the period's confirmed and completed bookings."""
    taken = (*in_period, Booking.status.in_(OCCUPYING))
    addons = await session.scalar(
        select(func.coalesce(func.sum(BookingAddon.amount), 0))
        .join(Booking, Booking.id == BookingAddon.booking_id)
        .where(*taken)
    )
    lines = await session.scalars(
        select(Booking.price_lines).where(*taken, Booking.promo_code_id.is_not(None))
    )
    discounts = -sum(
        int(line["amount"])
        for found in lines
        for line in found or []
        if line["kind"] == "discount"
    )
    return {"addon_revenue": int(addons or 0), "discounts": discounts}


async def _occupancy(
    session: AsyncSession,
    deps: BookingDeps,
    first: date,
    last: date,
    start: datetime,
    end: datetime,
) -> list[HallOccupancy]:
    period = Interval(start, end)
    booked = await session.execute(
        select(Booking.hall_id, Booking.start_at, Booking.end_at).where(
            Booking.status.in_(OCCUPYING), Booking.start_at < end, Booking.end_at > start
        )
    )
    booked_by_hall: dict[int, int] = {}
    for hall_id, b_start, b_end in booked:
        minutes = _clip(Interval(b_start, b_end), period).minutes
        booked_by_hall[hall_id] = booked_by_hall.get(hall_id, 0) + minutes
    result = []
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for hall in await queries.active_halls(session):
        calendar = await hall_calendar(session, hall)
        opening = [opening_interval(day, calendar, deps.rules.tz) for day in days]
        closed = await busy_time.closure_spans(session, hall.id, start, end)
        open_minutes = sum(
            open_minutes_outside(interval, [Interval(s, e) for s, e in closed])
            for interval in opening
            if interval is not None
        )
        result.append(HallOccupancy(hall, booked_by_hall.get(hall.id, 0), open_minutes))
    return result


def _clip(interval: Interval, bounds: Interval) -> Interval:
    return Interval(max(interval.start, bounds.start), min(interval.end, bounds.end))


def open_minutes_outside(interval: Interval, blocks: Sequence[Interval]) -> int:
    """Minutes of `interval` that none of `blocks` covers (blocks may overlap)."""
    cursor = interval.start
    covered = 0
    for block in sorted(blocks, key=lambda b: b.start):
        piece = _clip(block, Interval(max(cursor, interval.start), interval.end))
        if piece.start < piece.end:
            covered += piece.minutes
            cursor = piece.end
    return max(0, interval.minutes - covered)
