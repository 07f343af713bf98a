"""What one day of a hall is to a client: bookable, full (its waitlist takes them), or not
bookable and why. The bot offers the waitlist only where the waitlist takes the client
(booking/waitlist.py asks the same availability), and tells the others plainly why."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import day_bounds, hall_availability, load_schedule
from booking.deps import BookingDeps
from booking.domain.calendar import Interval
from booking.domain.free_time import DayAvailability, availability
from db import busy_time
from db.models import Hall

ONE_DAY = timedelta(days=1)


class DayState(StrEnum):
    FREE = "free"  # a start is free
    FULL = "full"  # none free, one would be if a booking let go: the waitlist
    PAST = "past"
    AHEAD = "ahead"  # beyond the booking horizon
    DAY_OFF = "day_off"  # no opening hours that date
    SHORT = "short"  # the hours are shorter than the hall's shortest booking
    LATE = "late"  # today, and no start is left
    TOO_SOON = "too_soon"  # no start of the day is far enough ahead (the minimum notice)
    HALL_CLOSED = "hall_closed"  # the hall is closed, the studio open: another hall may do
    CLOSED = "closed"  # the studio closed (most of) the day


def state_of(
    day: DayAvailability,
    today: date,
    horizon_days: int,
    shortest_minutes: int,
    earliest: datetime | None = None,
) -> DayState:
    """Why a day offers what it does; the first reason that applies, in the order listed
    (`earliest`: the first moment a booking may start now, the minimum notice counted).
    A closure is the studio's (CLOSED); `day_state` tells a hall's own apart."""
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
    if earliest is not None and day.close - timedelta(minutes=shortest_minutes) < earliest:
        return DayState.TOO_SOON
    return DayState.CLOSED


async def day_state(
    session: AsyncSession, deps: BookingDeps, hall_id: int, day: date
) -> tuple[Hall, DayState]:
    """The hall (NotFound when gone) and the state of its `day` now."""
    hall, days = await hall_availability(session, deps, hall_id, day, day)
    rules, now = deps.rules, deps.now()
    today = now.astimezone(rules.tz).date()
    step = rules.window.step_minutes
    shortest = -(-hall.min_minutes // step) * step
    state = state_of(days[0], today, rules.horizon_days, shortest, now + rules.min_notice)
    if state is DayState.CLOSED and await _open_but_for_the_hall(session, deps, hall, day):
        state = DayState.HALL_CLOSED
    return hall, state


async def _open_but_for_the_hall(
    session: AsyncSession, deps: BookingDeps, hall: Hall, day: date
) -> bool:
    """The day would have a start (or be full) were only the studio's own closures there."""
    start, end = day_bounds(day, day, deps)
    schedule = await load_schedule(session, deps, hall, start, end)
    spans = await busy_time.closure_spans(session, None, start - ONE_DAY, end + ONE_DAY)
    studio_wide = [Interval(*span) for span in spans]
    found = availability(
        day, day, schedule.calendar, deps.rules.window, schedule.busy, studio_wide, deps.now()
    )[0]
    return bool(found.starts) or found.full
