"""Reading the studio's calendar from the database for the domain's availability rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking.calendar_cache import HOURS_MAX_AGE, MAX_AGE, TimedCache, epoch
from booking.config import BookingDeps
from booking.domain.calendar import (
    STEP_MINUTES,
    DayAvailability,
    DayHours,
    HallCalendar,
    Interval,
    availability,
    fitting_durations,
)
from booking.domain.pricing import PriceBand
from booking.errors import BookingRuleError, NotFound
from db import queries
from db.models import Hall

MAX_RANGE_DAYS = 62


@dataclass(frozen=True, slots=True)
class HallSchedule:
    """A hall with everything the calendar rules need for one window of time."""

    hall: Hall
    calendar: HallCalendar
    busy: list[Interval]
    closures: list[Interval]
    valid_until: datetime  # the earliest hold expiry in the window, or a short while


@dataclass(frozen=True, slots=True)
class AvailabilityView:
    hall: Hall
    days: list[DayAvailability]
    valid_until: datetime


def price_bands(hall: Hall) -> list[PriceBand]:
    return [
        PriceBand(
            weekdays=frozenset(band["weekdays"]),
            start_minute=int(band["start_minute"]),
            end_minute=int(band["end_minute"]),
            hourly_price=int(band["hourly_price"]),
        )
        for band in hall.price_bands or []
    ]


_hours = TimedCache(max_entries=1)


async def studio_hours(session: AsyncSession, now: datetime) -> dict[int, DayHours]:
    """Opening hours per weekday; they rarely change, so they are kept for a while."""
    cached: dict[int, DayHours] | None = _hours.get("hours", now)
    if cached is None:
        at = epoch()
        cached = {
            row.weekday: DayHours(row.open_minute, row.close_minute)
            for row in await queries.studio_hours(session)
        }
        _hours.put("hours", cached, now + HOURS_MAX_AGE, at)
    return cached


async def hall_calendar(session: AsyncSession, hall: Hall, now: datetime) -> HallCalendar:
    return HallCalendar(
        min_minutes=hall.min_minutes,
        buffer_minutes=hall.buffer_minutes,
        hours=await studio_hours(session, now),
    )


async def active_hall(session: AsyncSession, hall_id: int) -> Hall:
    hall = await queries.hall_by_id(session, hall_id)
    if hall is None or not hall.active:
        raise NotFound("hall_not_found", f"Hall {hall_id} does not exist.")
    return hall


async def load_schedule(
    session: AsyncSession, deps: BookingDeps, hall: Hall, start: datetime, end: datetime
) -> HallSchedule:
    """Busy time and closures around [start, end), widened by a day for buffers."""
    now = deps.now()
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    busy: list[Interval] = []
    closures: list[Interval] = []
    valid_until = now + MAX_AGE
    for kind, span_start, span_end, expires in await queries.calendar_spans(
        session, hall.id, lo, hi, now=now
    ):
        (busy if kind == "b" else closures).append(Interval(span_start, span_end))
        if expires is not None and kind == "b":
            valid_until = min(valid_until, expires)  # the hold frees its slot then
    calendar = await hall_calendar(session, hall, now)
    return HallSchedule(hall, calendar, busy, closures, valid_until)


def day_bounds(first: date, last: date, deps: BookingDeps) -> tuple[datetime, datetime]:
    tz = deps.rules.tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def next_change(deps: BookingDeps, now: datetime) -> datetime:
    """When the offered starts change by the clock alone: the notice edge meets the grid."""
    edge = (now + deps.rules.min_notice).astimezone(deps.rules.tz)
    floor = edge.replace(minute=edge.minute - edge.minute % STEP_MINUTES, second=0, microsecond=0)
    grid = floor if floor == edge else floor + timedelta(minutes=STEP_MINUTES)
    return grid.astimezone(UTC) - deps.rules.min_notice


async def availability_view(
    session: AsyncSession, deps: BookingDeps, hall_id: int, first: date, last: date
) -> AvailabilityView:
    """Free starts and free intervals per day — the same rules the hold checks — and how
    long the answer stays right if nothing is booked meanwhile."""
    if last < first:
        raise BookingRuleError("bad_range", "end_date is before start_date.")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise BookingRuleError("range_too_long", f"At most {MAX_RANGE_DAYS} days at once.")
    hall = await active_hall(session, hall_id)
    start, end = day_bounds(first, last, deps)
    schedule = await load_schedule(session, deps, hall, start, end)
    now = deps.now()
    days = availability(
        first,
        last,
        schedule.calendar,
        deps.rules.window,
        schedule.busy,
        schedule.closures,
        now,
    )
    return AvailabilityView(hall, days, min(schedule.valid_until, next_change(deps, now)))


async def hall_availability(
    session: AsyncSession, deps: BookingDeps, hall_id: int, first: date, last: date
) -> tuple[Hall, list[DayAvailability]]:
    view = await availability_view(session, deps, hall_id, first, last)
    return view.hall, view.days


async def durations_at(
    session: AsyncSession, deps: BookingDeps, hall_id: int, start: datetime
) -> list[int]:
    """Lengths a booking starting at `start` can have now (for the bot's duration step)."""
    hall = await active_hall(session, hall_id)
    schedule = await load_schedule(session, deps, hall, start, start + timedelta(days=1))
    return fitting_durations(
        start, schedule.calendar, deps.rules.window, schedule.busy, schedule.closures, deps.now()
    )
