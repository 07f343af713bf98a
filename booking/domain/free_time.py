"""Free time: what a hall's days offer (their opening, the starts that can be booked, the free
intervals, whether a day is full) and the lengths a booking from one start can have. Day
after day it costs the same however many bookings there are."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from booking.domain.calendar import require_aware, validate_booking
from booking.domain.errors import DomainError
from booking.domain.hours import (
    MINUTE,
    BookingWindow,
    HallCalendar,
    Interval,
    day_grid,
    opening_interval,
)


@dataclass(frozen=True, slots=True)
class DayAvailability:
    """What one local day offers: UTC opening times, bookable starts and free time."""

    day: date
    open: datetime | None
    close: datetime | None
    starts: list[datetime]
    free: list[Interval]
    #: No start is free, yet one would be if a booking let go of its time: the day is full
    #: (its waitlist takes clients), not closed, past or out of reach.
    full: bool = False


_NEVER = datetime.max.replace(tzinfo=UTC)  # "no busy interval follows"


def _floor_minute(moment: datetime) -> datetime:
    """The moment in UTC, less its seconds."""
    moment = moment.astimezone(UTC)
    if moment.second or moment.microsecond:
        return moment.replace(second=0, microsecond=0)
    return moment


def _ceil_minute(moment: datetime) -> datetime:
    floor = _floor_minute(moment)
    return floor if floor == moment else floor + MINUTE


def _widened(intervals: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    """Non-empty intervals widened to whole minutes (never narrower than given)."""
    return [
        (_floor_minute(item.start), _ceil_minute(item.end))
        for item in intervals
        if item.start < item.end
    ]


@dataclass(frozen=True, slots=True)
class _Spans:
    """The union of some spans as sorted disjoint spans; both lists are sorted, so lookups
    bisect and a day costs the same however many bookings there are."""

    starts: list[datetime]
    ends: list[datetime]

    @classmethod
    def of(cls, spans: list[tuple[datetime, datetime]]) -> _Spans:
        starts: list[datetime] = []
        ends: list[datetime] = []
        for start, end in sorted(spans):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        return cls(starts, ends)

    def next_start(self, moment: datetime) -> datetime:
        """Start of the first span beginning at or after `moment`."""
        index = bisect_left(self.starts, moment)
        return self.starts[index] if index < len(self.starts) else _NEVER

    def gaps(self, low: datetime, high: datetime) -> Iterator[Interval]:
        """The parts of [low, high) that no span covers."""
        index = bisect_right(self.ends, low)
        cursor = low
        while index < len(self.starts) and self.starts[index] < high:
            if self.starts[index] > cursor:
                yield Interval(cursor, self.starts[index])
            cursor = max(cursor, self.ends[index])
            index += 1
        if cursor < high:
            yield Interval(cursor, high)


def _shortest_minutes(hall: HallCalendar, window: BookingWindow) -> int:
    """The hall minimum, rounded up to the step so that it is a bookable length."""
    step = window.step_minutes
    return -(-hall.min_minutes // step) * step


def availability(
    first_day: date,
    last_day: date,
    hall: HallCalendar,
    window: BookingWindow,
    busy: Sequence[Interval],
    closures: Sequence[Interval],
    now: datetime,
) -> list[DayAvailability]:
    """Availability of each local day in [first_day, last_day]."""
    require_aware(now, "now")
    tz, step = window.tz, window.step_minutes
    today = now.astimezone(tz).date()
    last_bookable = today + timedelta(days=window.horizon_days)
    earliest = max(_floor_minute(now) + MINUTE, _ceil_minute(now + window.min_notice))
    length = timedelta(minutes=_shortest_minutes(hall, window))
    buffer = timedelta(minutes=hall.buffer_minutes)
    busy_spans = _widened(busy)
    booked = _Spans.of(busy_spans)
    closed = _Spans.of(_widened(closures))
    blocked = _Spans.of(busy_spans + _widened(closures))

    def one_day(day: date) -> DayAvailability:
        opening = opening_interval(day, hall, tz)
        if opening is None:
            return DayAvailability(day, None, None, [], [])
        grid = day_grid(day, opening, tz, step) if today <= day <= last_bookable else []
        first = bisect_left(grid, earliest)
        if first == len(grid):  # not bookable, or no start left that day
            return DayAvailability(day, opening.start, opening.end, [], [])
        low, high = max(_ceil_minute(opening.start), grid[first]), _floor_minute(opening.end)
        free, starts = [], []
        for gap in blocked.gaps(low, high):
            free.append(gap)
            # Starts whose booking fits the gap and whose buffer ends before the next booking.
            last = min(gap.end, booked.next_start(gap.end) - buffer) - length
            starts.extend(grid[bisect_left(grid, gap.start) : bisect_right(grid, last)])
        full = not starts and any(
            bisect_left(grid, gap.start) < bisect_right(grid, gap.end - length)
            for gap in closed.gaps(low, high)
        )
        return DayAvailability(day, opening.start, opening.end, starts, free, full)

    days = (last_day - first_day).days + 1
    return [one_day(first_day + timedelta(days=offset)) for offset in range(max(days, 0))]


def day_availability(
    day: date,
    hall: HallCalendar,
    window: BookingWindow,
    busy: Sequence[Interval],
    closures: Sequence[Interval],
    now: datetime,
) -> DayAvailability:
    """Availability of one local day."""
    return availability(day, day, hall, window, busy, closures, now)[0]


def fitting_durations(
    start: datetime,
    hall: HallCalendar,
    window: BookingWindow,
    busy: Sequence[Interval],
    closures: Sequence[Interval],
    now: datetime,
    max_minutes: int = 12 * 60,
) -> list[int]:
    """Every length a booking starting at `start` can have, so a menu offers only valid ones."""
    step = window.step_minutes
    shortest = _shortest_minutes(hall, window)
    try:
        validate_booking(
            start, start + timedelta(minutes=shortest), hall, window, busy, closures, now
        )
    except DomainError:
        return []
    longest = min(max_minutes, _room_after(start, hall, window, busy, closures))
    return list(range(shortest, longest + 1, step))


def _room_after(
    start: datetime,
    hall: HallCalendar,
    window: BookingWindow,
    busy: Sequence[Interval],
    closures: Sequence[Interval],
) -> int:
    """Minutes from a bookable start to the first of: closing, a closure, the next booking."""
    opening = opening_interval(start.astimezone(window.tz).date(), hall, window.tz)
    if opening is None:  # validate_booking has already ruled this out
        return 0
    limit = opening.end
    for closure in closures:
        if closure.start < closure.end and closure.end > start:
            limit = min(limit, closure.start)
    room = (limit - start) // MINUTE
    buffer = timedelta(minutes=hall.buffer_minutes)
    for other in busy:
        if other.start < other.end and other.end > start:
            room = min(room, (other.start - buffer - start) // MINUTE)
    return room
