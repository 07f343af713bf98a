"""Reading the studio's calendar from the database for the domain's availability rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.calendar import DayHours, HallCalendar, Interval
from booking.domain.free_time import DayAvailability, availability, fitting_durations
from booking.domain.pricing import PriceBand
from booking.errors import BookingRuleError, NotFound
from db import busy_time, queries
from db.models import Hall
from db.studio import StudioDay

MAX_RANGE_DAYS = 62


@dataclass(frozen=True, slots=True)
class HallSchedule:
    """A hall with everything the calendar rules need for one window of time."""

    hall: Hall
    calendar: HallCalendar
    busy: list[Interval]
    closures: list[Interval]


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


async def studio_hours(session: AsyncSession) -> dict[int, DayHours]:
    """Opening hours per weekday (0 = Monday); a missing weekday is closed."""
    return {
        row.weekday: DayHours(row.open_minute, row.close_minute)
        for row in await queries.studio_hours(session)
    }


async def studio_days(session: AsyncSession) -> dict[date, DayHours | None]:
    """Dates whose hours differ from their weekday's (None: closed that date)."""
    # Fresh, as the weekly hours (queries.studio_hours): read again by a second look.
    rows = (
        await session.scalars(select(StudioDay).execution_options(populate_existing=True))
    ).all()
    return {
        row.day: None
        if row.open_minute is None or row.close_minute is None
        else DayHours(row.open_minute, row.close_minute)
        for row in rows
    }


async def hall_calendar(session: AsyncSession, hall: Hall) -> HallCalendar:
    return HallCalendar(
        min_minutes=hall.min_minutes,
        buffer_minutes=hall.buffer_minutes,
        hours=await studio_hours(session),
        days=await studio_days(session),
    )


async def active_hall(session: AsyncSession, hall_id: int) -> Hall:
    """A bookable hall, or NotFound."""
    hall = await queries.hall_by_id(session, hall_id)
    if hall is None or not hall.active:
        raise NotFound("hall_not_found", f"Hall {hall_id} does not exist.")
    return hall


async def load_schedule(
    session: AsyncSession,
    deps: BookingDeps,
    hall: Hall,
    start: datetime,
    end: datetime,
    *,
    besides: int | None = None,
) -> HallSchedule:
    """Busy time and closures around [start, end), widened by a day for buffers; the time
    of booking `besides` (one being moved) is not busy."""
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    spans = await busy_time.calendar_spans(
        session, hall.id, lo, hi, now=deps.now(), besides=besides
    )
    ordered = sorted(spans, key=lambda span: (span[1], span[2]))
    busy = [Interval(span[1], span[2]) for span in ordered if span[0] == "b"]
    closures = [Interval(span[1], span[2]) for span in ordered if span[0] != "b"]
    return HallSchedule(hall, await hall_calendar(session, hall), busy, closures)


def day_bounds(first: date, last: date, deps: BookingDeps) -> tuple[datetime, datetime]:
    tz = deps.rules.tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def check_range(first: date, last: date) -> None:
    if last < first:
        raise BookingRuleError("bad_range", "end_date is before start_date.")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise BookingRuleError("range_too_long", f"At most {MAX_RANGE_DAYS} days at once.")


async def hall_availability(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    first: date,
    last: date,
    *,
    besides: int | None = None,
) -> tuple[Hall, list[DayAvailability]]:
    """Free starts and free intervals per day, by the same rules the hold checks (for a
    move of booking `besides`, its own time free)."""
    check_range(first, last)
    hall = await active_hall(session, hall_id)
    start, end = day_bounds(first, last, deps)
    schedule = await load_schedule(session, deps, hall, start, end, besides=besides)
    days = availability(
        first,
        last,
        schedule.calendar,
        deps.rules.window,
        schedule.busy,
        schedule.closures,
        deps.now(),
    )
    return hall, days


async def durations_at(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    start: datetime,
    *,
    besides: int | None = None,
) -> list[int]:
    """Lengths a booking starting at `start` can have now (for the bot's duration step;
    for a move of booking `besides`, its own time free)."""
    hall = await active_hall(session, hall_id)
    end = start + timedelta(days=1)
    schedule = await load_schedule(session, deps, hall, start, end, besides=besides)
    return fitting_durations(
        start, schedule.calendar, deps.rules.window, schedule.busy, schedule.closures, deps.now()
    )
