"""Reading the studio's calendar from the database for the domain's availability rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from booking.calendar_cache import (
    HOURS_MAX_AGE,
    MAX_AGE,
    DaySpans,
    Marks,
    Span,
    TimedCache,
    WindowCache,
    base_epoch,
    day_version,
    epoch,
    utc_days,
    window_marks,
)
from booking.deps import BookingDeps
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


_hours = TimedCache(max_entries=1, current=base_epoch)
_halls = TimedCache(max_entries=256, current=base_epoch)
_hall_list = TimedCache(max_entries=1, current=base_epoch)
_spans = DaySpans()
_views = WindowCache()


async def studio_hours(session: AsyncSession, now: datetime) -> dict[int, DayHours]:
    """Opening hours per weekday; they rarely change, so they are kept for a while."""
    cached: dict[int, DayHours] | None = _hours.get("hours", now)
    if cached is None:
        at = base_epoch()
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


async def active_hall(
    session: AsyncSession, hall_id: int, now: datetime, *, fresh: bool = False
) -> Hall:
    """A bookable hall, read-only: a copy kept for a short while and attached to no session,
    so concurrent updates and requests share it safely. `fresh` reads the database (the
    hold prices from it); changing a hall goes through db.queries.hall_by_id."""
    hall = await hall_copy(session, hall_id, now, fresh=fresh)
    if hall is None or not hall.active:
        raise NotFound("hall_not_found", f"Hall {hall_id} does not exist.")
    return hall


async def hall_copy(
    session: AsyncSession, hall_id: int, now: datetime, *, fresh: bool = False
) -> Hall | None:
    """Any hall, active or not (a booking's own hall), as active_hall keeps it."""
    hall: Hall | None = None if fresh else _halls.get(hall_id, now)
    if hall is None:
        at = base_epoch()
        loaded = await queries.hall_by_id(session, hall_id)
        if loaded is None:
            return None
        hall = _detached_copy(loaded)
        _halls.put(hall_id, hall, now + MAX_AGE, at)
    return hall


async def bookable_halls(session: AsyncSession) -> list[Hall]:
    """The active halls in the studio's order, as read-only copies kept like active_hall's
    (for up to MAX_AGE by the wall clock, or until a hall changes in this process)."""
    now = datetime.now(UTC)
    halls: list[Hall] | None = _hall_list.get("halls", now)
    if halls is None:
        at = base_epoch()
        halls = [_detached_copy(hall) for hall in await queries.active_halls(session)]
        _hall_list.put("halls", halls, now + MAX_AGE, at)
    return list(halls)


def _detached_copy(hall: Hall) -> Hall:
    columns = {attr.key: getattr(hall, attr.key) for attr in Hall.__mapper__.column_attrs}
    copy = Hall(**columns)
    make_transient_to_detached(copy)
    return copy


async def load_schedule(
    session: AsyncSession,
    deps: BookingDeps,
    hall: Hall,
    start: datetime,
    end: datetime,
    *,
    fresh: bool = False,
) -> HallSchedule:
    """Busy time and closures around [start, end), widened by a day for buffers. Read per
    UTC day from the day cache where its marks allow; `fresh` (the hold) always queries."""
    now = deps.now()
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    if fresh:
        spans, valid_until = await _read_days(session, hall.id, list(utc_days(lo, hi)), now)
    else:
        spans, valid_until = await _cached_days(session, hall.id, lo, hi, now)
    ordered = sorted(spans, key=lambda span: (span[1], span[2]))
    busy = [Interval(span[1], span[2]) for span in ordered if span[0] == "b"]
    closures = [Interval(span[1], span[2]) for span in ordered if span[0] != "b"]
    calendar = await hall_calendar(session, hall, now)
    return HallSchedule(hall, calendar, busy, closures, valid_until)


async def _cached_days(
    session: AsyncSession, hall_id: int, lo: datetime, hi: datetime, now: datetime
) -> tuple[set[Span], datetime]:
    """The spans of every UTC day [lo, hi] touches, each once, and until when they hold.
    Days not cached are read in one query."""
    days = list(utc_days(lo, hi))
    found: set[Span] = set()
    valid_until = now + MAX_AGE
    missing: list[date] = []
    for day in days:
        cached = _spans.get(hall_id, day, now)
        if cached is None:
            missing.append(day)
        else:
            found.update(cached[1])
            valid_until = min(valid_until, cached[0])
    if missing:
        wanted = days[days.index(missing[0]) : days.index(missing[-1]) + 1]
        spans, until = await _read_days(session, hall_id, wanted, now)
        found |= spans
        valid_until = min(valid_until, until)
    return found, valid_until


async def _read_days(
    session: AsyncSession, hall_id: int, days: list[date], now: datetime
) -> tuple[set[Span], datetime]:
    """One query for consecutive UTC days; each day is cached with the marks seen before
    reading, so a change committed meanwhile leaves the entry stale."""
    marks = {day: (base_epoch(), day_version(hall_id, day)) for day in days}
    window_start = datetime.combine(days[0], time(0), tzinfo=UTC)
    window_end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=UTC)
    per_day: dict[date, list[Span]] = {day: [] for day in days}
    for span in await queries.calendar_spans(session, hall_id, window_start, window_end, now=now):
        for day in utc_days(max(span[1], window_start), min(span[2], window_end)):
            if day in per_day:
                per_day[day].append(span)
    found: set[Span] = set()
    valid_until = now + MAX_AGE
    for day, day_spans in per_day.items():
        day_until = now + MAX_AGE
        for kind, _start, _end, expires in day_spans:
            if kind == "b" and expires is not None:
                day_until = min(day_until, expires)  # the hold frees its slot then
        _spans.put(hall_id, day, tuple(day_spans), day_until, marks[day])
        found.update(day_spans)
        valid_until = min(valid_until, day_until)
    return found, valid_until


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


def check_range(first: date, last: date) -> None:
    if last < first:
        raise BookingRuleError("bad_range", "end_date is before start_date.")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise BookingRuleError("range_too_long", f"At most {MAX_RANGE_DAYS} days at once.")


def availability_marks(deps: BookingDeps, hall_id: int, first: date, last: date) -> Marks:
    """The marks an availability answer for these days depends on (see calendar_cache):
    an answer computed under them is right while they stay; a bad range is refused here."""
    check_range(first, last)
    start, end = day_bounds(first, last, deps)
    return window_marks(hall_id, start - timedelta(days=1), end + timedelta(days=1))


async def availability_view(
    session: AsyncSession, deps: BookingDeps, hall_id: int, first: date, last: date
) -> AvailabilityView:
    """Free starts and free intervals per day — the same rules the hold checks — and how
    long the answer stays right if nothing is booked meanwhile."""
    check_range(first, last)
    now = deps.now()
    hall = await active_hall(session, hall_id, now)
    key = (hall_id, first, last)
    cached: AvailabilityView | None = _views.get(
        key, now, lambda: availability_marks(deps, hall_id, first, last)
    )
    if cached is not None and cached.hall is hall:
        return cached
    at = epoch()
    marks = availability_marks(deps, hall_id, first, last)
    start, end = day_bounds(first, last, deps)
    schedule = await load_schedule(session, deps, hall, start, end)
    days = availability(
        first,
        last,
        schedule.calendar,
        deps.rules.window,
        schedule.busy,
        schedule.closures,
        now,
    )
    view = AvailabilityView(hall, days, min(schedule.valid_until, next_change(deps, now)))
    _views.put(key, view, marks, view.valid_until, at)
    return view


async def hall_availability(
    session: AsyncSession, deps: BookingDeps, hall_id: int, first: date, last: date
) -> tuple[Hall, list[DayAvailability]]:
    view = await availability_view(session, deps, hall_id, first, last)
    return view.hall, view.days


async def durations_at(
    session: AsyncSession, deps: BookingDeps, hall_id: int, start: datetime
) -> list[int]:
    """Lengths a booking starting at `start` can have now (for the bot's duration step)."""
    hall = await active_hall(session, hall_id, deps.now())
    schedule = await load_schedule(session, deps, hall, start, start + timedelta(days=1))
    return fitting_durations(
        start, schedule.calendar, deps.rules.window, schedule.busy, schedule.closures, deps.now()
    )
