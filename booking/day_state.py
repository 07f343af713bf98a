"""What one day of a hall is to a client: bookable, full (its waitlist takes them), or not
bookable and why. The bot offers the waitlist only where the waitlist takes the client
(booking/waitlist.py asks the same availability), and tells the others plainly why."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import hall_availability
from booking.deps import BookingDeps
from booking.domain.calendar import DayAvailability
from db.models import Hall


class DayState(StrEnum):
    FREE = "free"  # a start is free
    FULL = "full"  # none free, one would be if a booking let go: the waitlist
    PAST = "past"
    AHEAD = "ahead"  # beyond the booking horizon
    DAY_OFF = "day_off"  # no opening hours that date
    SHORT = "short"  # the hours are shorter than the hall's shortest booking
    LATE = "late"  # today, and no start is left
    CLOSED = "closed"  # the studio closed (most of) the day


def state_of(
    day: DayAvailability, today: date, horizon_days: int, shortest_minutes: int
) -> DayState:
    """Why a day offers what it does; the first reason that applies, in the order listed."""
    if day.starts:
        return DayState.FREE
    if day.full:
        return DayState.FULL
    if day.day < today:
        return DayState.PAST
    if day.day > today + timedelta(days=horizon_days):
        return DayState.AHEAD
    if day.open is None or day.close is None:
        return DayState.DAY_OFF
    if day.close - day.open < timedelta(minutes=shortest_minutes):
        return DayState.SHORT
    if day.day == today:
        return DayState.LATE
    return DayState.CLOSED


async def day_state(
    session: AsyncSession, deps: BookingDeps, hall_id: int, day: date
) -> tuple[Hall, DayState]:
    """The hall (NotFound when gone) and the state of its `day` now."""
    hall, days = await hall_availability(session, deps, hall_id, day, day)
    rules = deps.rules
    today = deps.now().astimezone(rules.tz).date()
    step = rules.window.step_minutes
    shortest = -(-hall.min_minutes // step) * step
    return hall, state_of(days[0], today, rules.horizon_days, shortest)
