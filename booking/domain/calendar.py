"""Free time and the booking rules: what can be booked, and when."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from booking.domain.errors import BookingRuleError, DomainError, SlotTakenError
from booking.domain.hours import MINUTE, day_grid, opening_interval

# Re-exported: the service takes the calendar's vocabulary from this module.
from booking.domain.hours import MINUTES_PER_DAY as MINUTES_PER_DAY
from booking.domain.hours import STEP_MINUTES as STEP_MINUTES
from booking.domain.hours import BookingWindow as BookingWindow
from booking.domain.hours import DayHours as DayHours
from booking.domain.hours import HallCalendar as HallCalendar
from booking.domain.hours import Interval as Interval
from booking.domain.hours import is_on_grid as is_on_grid


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


# --------------------------------------------------------------------------- availability

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


def blocked_interval(start: datetime, end: datetime, buffer_minutes: int) -> Interval:
    """What a booking occupies: its own time plus the cleaning buffer after it."""
    if buffer_minutes < 0:
        raise ValueError("buffer_minutes cannot be negative")
    return Interval(start, end + timedelta(minutes=buffer_minutes))


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


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
    _require_aware(now, "now")
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


# --------------------------------------------------------------------------- validation


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _describe_minutes(minutes: int) -> str:
    """Say "2 hours" or "90 minutes", for messages people read."""
    return _count(minutes // 60, "hour") if minutes % 60 == 0 else _count(minutes, "minute")


def _check_aware_and_ordered(start: datetime, end: datetime) -> None:
    if start.utcoffset() is None or end.utcoffset() is None:
        raise BookingRuleError("naive_datetime", "Start and end must include a time zone.")
    if end <= start:
        raise BookingRuleError("end_before_start", "The end must be after the start.")


def _check_shape(
    start: datetime, end: datetime, hall: HallCalendar, window: BookingWindow
) -> None:
    """Rules about the booking alone: zone-aware, ordered, on the grid, a proper length."""
    _check_aware_and_ordered(start, end)
    step = window.step_minutes
    if not is_on_grid(start, window.tz, step):
        raise BookingRuleError(
            "off_grid", f"Bookings start on a {step}-minute grid, e.g. 10:00 or 10:15."
        )
    length = end - start
    if length % timedelta(minutes=step):
        raise BookingRuleError("bad_length", f"The length must be a multiple of {step} minutes.")
    if length < timedelta(minutes=hall.min_minutes):
        raise BookingRuleError(
            "too_short", f"This hall is booked for at least {_describe_minutes(hall.min_minutes)}."
        )


def _check_timing(start: datetime, window: BookingWindow, now: datetime) -> None:
    """Rules about when the booking is made: not past, enough notice, not too far ahead."""
    _require_aware(now, "now")
    if start <= now:
        raise BookingRuleError("in_past", "This time has already passed.")
    if start < now + window.min_notice:
        notice = _describe_minutes(window.min_notice // MINUTE)
        raise BookingRuleError("too_soon", f"Bookings must be made at least {notice} in advance.")
    today = now.astimezone(window.tz).date()
    # Instants first: a start years ahead is refused before its local date is computed
    # (which overflows for the last days of year 9999).
    far = start - now > timedelta(days=window.horizon_days + 2)
    if far or start.astimezone(window.tz).date() > today + timedelta(days=window.horizon_days):
        raise BookingRuleError(
            "beyond_horizon",
            f"Bookings can be made at most {_count(window.horizon_days, 'day')} ahead.",
        )


def _check_hours(start: datetime, end: datetime, hall: HallCalendar, tz: ZoneInfo) -> None:
    """The booking lies inside the opening hours of its start's local day."""
    opening = opening_interval(start.astimezone(tz).date(), hall, tz)
    if opening is None or start < opening.start or end > opening.end:
        raise BookingRuleError(
            "outside_hours", "The booking must fit within the studio's opening hours."
        )


#: No booking is longer: it fits one day's opening hours (25 hours on a day clocks go back).
LONGEST_BOOKING = timedelta(hours=25)
#: The years a date from outside may name: far enough for any plan, near enough that a
#: period and the days around it stay within what dates and the database hold.
SUPPORTED_YEARS = range(2000, 2200)


def check_bounds(start: datetime, end: datetime, window: BookingWindow, now: datetime) -> None:
    """The rules that need no schedule, checked before one is read: a request for years
    ahead or a month-long booking is refused at once instead of loading its whole span."""
    _check_aware_and_ordered(start, end)
    _check_timing(start, window, now)
    if end - start > LONGEST_BOOKING:
        raise BookingRuleError(
            "outside_hours", "The booking must fit within the studio's opening hours."
        )


def validate_booking(
    start: datetime,
    end: datetime,
    hall: HallCalendar,
    window: BookingWindow,
    busy: Sequence[Interval],
    closures: Sequence[Interval],
    now: datetime,
) -> None:
    """Raise the first broken rule for [start, end), in the documented order; else return."""
    _check_shape(start, end, hall, window)
    _check_timing(start, window, now)
    _check_hours(start, end, hall, window.tz)
    wanted = Interval(start, end)
    if any(wanted.overlaps(closure) for closure in closures):
        raise BookingRuleError("closed", "The studio is closed for part of this time.")
    blocked = blocked_interval(start, end, hall.buffer_minutes)
    if any(blocked.overlaps(other) for other in busy):
        raise SlotTakenError("slot_taken", "This time is already booked.")
