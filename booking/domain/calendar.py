"""Opening hours, the local 15-minute grid and free time: what can be booked, and when."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from booking.domain.errors import BookingRuleError, DomainError, SlotTakenError

STEP_MINUTES = 15
MINUTES_PER_DAY = 24 * 60

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)
_NEVER = 1 << 62  # a minute later than any real one: "no busy interval follows"


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span [start, end) of time.

    An empty or inverted span overlaps nothing; it is not rejected, because callers build
    intervals from raw requests before validate_booking explains what is wrong with them.
    """

    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        """Half-open overlap, so back-to-back intervals do not clash."""
        return max(self.start, other.start) < min(self.end, other.end)

    @property
    def minutes(self) -> int:
        """Whole minutes covered (rounded down)."""
        return (self.end - self.start) // _MINUTE


@dataclass(frozen=True, slots=True)
class DayHours:
    """Local opening hours of one weekday in minutes since local midnight; 1440 is midnight."""

    open_minute: int
    close_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.open_minute < self.close_minute <= MINUTES_PER_DAY:
            raise ValueError(
                f"opening hours need 0 <= open < close <= {MINUTES_PER_DAY}, "
                f"got {self.open_minute}..{self.close_minute}"
            )


@dataclass(frozen=True, slots=True)
class HallCalendar:
    """The calendar rules of one hall; a weekday missing from `hours` is closed."""

    min_minutes: int
    buffer_minutes: int
    hours: Mapping[int, DayHours]

    def __post_init__(self) -> None:
        if self.min_minutes < STEP_MINUTES or self.min_minutes % STEP_MINUTES:
            raise ValueError(f"min_minutes must be a positive multiple of {STEP_MINUTES}")
        if self.buffer_minutes < 0 or self.buffer_minutes % STEP_MINUTES:
            raise ValueError(f"buffer_minutes must be a non-negative multiple of {STEP_MINUTES}")
        for weekday, day_hours in self.hours.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {weekday}")
            if not isinstance(day_hours, DayHours):
                raise ValueError(f"hours of weekday {weekday} must be DayHours")


@dataclass(frozen=True, slots=True)
class BookingWindow:
    """Studio-wide limits: the local zone, how soon and how far ahead one may book."""

    tz: ZoneInfo
    min_notice: timedelta
    horizon_days: int
    step_minutes: int = STEP_MINUTES

    def __post_init__(self) -> None:
        if self.min_notice < timedelta(0):
            raise ValueError("min_notice cannot be negative")
        if self.horizon_days < 0:
            raise ValueError("horizon_days cannot be negative")
        if self.step_minutes <= 0 or MINUTES_PER_DAY % self.step_minutes:
            raise ValueError("step_minutes must be positive and divide a day")


@dataclass(frozen=True, slots=True)
class DayAvailability:
    """What one local day offers: UTC opening times, bookable starts and free time."""

    day: date
    open: datetime | None
    close: datetime | None
    starts: list[datetime]
    free: list[Interval]


# --------------------------------------------------------------------------- local time


def _wall(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Local wall time `minute` after the day's midnight; a time DST skips takes fold=0."""
    if minute >= MINUTES_PER_DAY:
        day += timedelta(days=minute // MINUTES_PER_DAY)
        minute %= MINUTES_PER_DAY
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)


def opening_interval(day: date, hall: HallCalendar, tz: ZoneInfo) -> Interval | None:
    """UTC opening hours of a local day, or None when the hall is closed that day."""
    frame = _day_frame(day, hall, tz, STEP_MINUTES)
    return None if frame is None else Interval(frame.opens, frame.closes)


def _local_minute(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def is_on_grid(start: datetime, tz: ZoneInfo, step_minutes: int = STEP_MINUTES) -> bool:
    """True when `start` is a whole local minute on the step grid of the studio's zone."""
    local = start.astimezone(tz)
    return not (_local_minute(local) % step_minutes or local.second or local.microsecond)


# --------------------------------------------------------------------------- integer minutes


def _floor_minute(moment: datetime) -> int:
    return (moment - _EPOCH) // _MINUTE


def _ceil_minute(moment: datetime) -> int:
    return -((_EPOCH - moment) // _MINUTE)


def _from_minute(minute: int) -> datetime:
    return _EPOCH + timedelta(minutes=minute)


_DELTAS = tuple(timedelta(minutes=minute) for minute in range(2 * MINUTES_PER_DAY))


def _delta(minutes: int) -> timedelta:
    """A cached timedelta for the offsets that occur within one day."""
    return _DELTAS[minutes] if minutes < len(_DELTAS) else timedelta(minutes=minutes)


@dataclass(frozen=True, slots=True)
class _Spans:
    """Sorted disjoint spans in epoch minutes; both lists are sorted, so lookups bisect."""

    starts: list[int]
    ends: list[int]

    def next_start(self, minute: int) -> int:
        """Start of the first span beginning at or after `minute`."""
        index = bisect_left(self.starts, minute)
        return self.starts[index] if index < len(self.starts) else _NEVER

    def gaps(self, low: int, high: int) -> Iterator[tuple[int, int]]:
        """The parts of [low, high) that no span covers."""
        index = bisect_right(self.ends, low)
        cursor = low
        while index < len(self.starts) and self.starts[index] < high:
            if self.starts[index] > cursor:
                yield cursor, self.starts[index]
            cursor = max(cursor, self.ends[index])
            index += 1
        if cursor < high:
            yield cursor, high


def _minute_pairs(intervals: Sequence[Interval]) -> list[tuple[int, int]]:
    """Non-empty intervals widened to whole minutes (never narrower than the input)."""
    return [
        (_floor_minute(item.start), _ceil_minute(item.end))
        for item in intervals
        if item.start < item.end
    ]


def _spans(pairs: list[tuple[int, int]]) -> _Spans:
    """The union of minute pairs as sorted disjoint spans."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(pairs):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return _Spans(starts, ends)


@dataclass(frozen=True, slots=True)
class _DayFrame:
    """One open day in epoch minutes, with the local grid as a residue or an explicit list."""

    opens: datetime
    closes: datetime
    low: int
    high: int
    residue: int | None
    grid: tuple[int, ...]
    base: datetime  # `low` as a datetime; others are built from it with cached deltas

    def at(self, minute: int) -> datetime:
        return self.base + _delta(minute - self.low)

    def first_grid_at_or_after(self, minute: int, step: int) -> int:
        if self.residue is not None:
            return minute + (self.residue - minute) % step
        index = bisect_left(self.grid, minute)
        return self.grid[index] if index < len(self.grid) else _NEVER

    def grid_between(self, low: int, high: int, step: int) -> range | tuple[int, ...]:
        """Grid minutes in [low, high], in order."""
        if self.residue is not None:
            return range(low + (self.residue - low) % step, high + 1, step)
        return self.grid[bisect_left(self.grid, low) : bisect_right(self.grid, high)]


def _enumerate_grid(day: date, tz: ZoneInfo, step: int) -> tuple[int, ...]:
    """Every instant whose local wall time is a grid point of `day`, for days with a DST change.

    A wall time skipped by DST has no instant; one repeated by DST has two.
    """
    found: set[int] = set()
    for minute in range(0, MINUTES_PER_DAY, step):
        wall = _wall(day, minute, tz)
        for fold in (0, 1):
            moment = wall.replace(fold=fold).astimezone(UTC)
            back = moment.astimezone(tz)
            exact = not (moment.second or moment.microsecond)
            if exact and back.date() == day and _local_minute(back) == minute:
                found.add(_floor_minute(moment))
    return tuple(sorted(found))


def _day_frame(day: date, hall: HallCalendar, tz: ZoneInfo, step: int) -> _DayFrame | None:
    """The open part of a day, or None when the hall is closed."""
    hours = hall.hours.get(day.weekday())
    if hours is None:
        return None
    return _frame(day, hours.open_minute, hours.close_minute, tz, step)


@lru_cache(maxsize=4096)
def _frame(
    day: date, open_minute: int, close_minute: int, tz: ZoneInfo, step: int
) -> _DayFrame | None:
    """Cached because it is pure and is most of a day's cost; the bot re-reads the same days.

    With one UTC offset all day the grid is a residue of epoch minutes; otherwise (a DST day,
    or an offset in seconds) the grid instants are enumerated.
    """
    opens = _wall(day, open_minute, tz).astimezone(UTC)
    closes = _wall(day, close_minute, tz).astimezone(UTC)
    if opens >= closes:  # hours entirely inside a DST gap
        return None
    low, high = _ceil_minute(opens), _floor_minute(closes)
    base = _from_minute(low)
    # Offsets of the real instants: a wall time inside a DST gap reports the old offset.
    offset = opens.astimezone(tz).utcoffset()
    last_offset = (closes - _MINUTE).astimezone(tz).utcoffset()
    if offset is not None and offset == last_offset and not offset % _MINUTE:
        return _DayFrame(opens, closes, low, high, (-offset // _MINUTE) % step, (), base)
    return _DayFrame(opens, closes, low, high, None, _enumerate_grid(day, tz, step), base)


# --------------------------------------------------------------------------- availability


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


def _earliest_start(window: BookingWindow, now: datetime) -> int:
    """First epoch minute a booking may start at: after now and after the notice."""
    return max(_floor_minute(now) + 1, _ceil_minute(now + window.min_notice))


@dataclass(frozen=True, slots=True)
class _Plan:
    """Everything shared by the days of one availability query, computed once."""

    hall: HallCalendar
    window: BookingWindow
    busy: _Spans
    blocked: _Spans
    earliest: int
    today: date
    last_bookable: date
    length: int

    def day(self, day: date) -> DayAvailability:
        step = self.window.step_minutes
        frame = _day_frame(day, self.hall, self.window.tz, step)
        if frame is None:
            return DayAvailability(day, None, None, [], [])
        if not self.today <= day <= self.last_bookable:
            return DayAvailability(day, frame.opens, frame.closes, [], [])
        low = max(frame.low, frame.first_grid_at_or_after(self.earliest, step))
        starts: list[datetime] = []
        free: list[Interval] = []
        for gap_start, gap_end in self.blocked.gaps(low, frame.high):
            free.append(Interval(frame.at(gap_start), frame.at(gap_end)))
            starts += self._starts_in(frame, gap_start, gap_end)
        return DayAvailability(day, frame.opens, frame.closes, starts, free)

    def _starts_in(self, frame: _DayFrame, gap_start: int, gap_end: int) -> list[datetime]:
        """Starts whose booking fits the gap and whose buffer ends before the next booking."""
        buffer_end = self.busy.next_start(gap_end) - self.hall.buffer_minutes
        last = min(gap_end, buffer_end) - self.length
        minutes = frame.grid_between(gap_start, last, self.window.step_minutes)
        # One datetime add per start: this loop is most of an uncached query's cost.
        base, low = frame.base, frame.low
        return [base + _DELTAS[minute - low] for minute in minutes]


def availability(
    first_day: date,
    last_day: date,
    hall: HallCalendar,
    window: BookingWindow,
    busy: Sequence[Interval],
    closures: Sequence[Interval],
    now: datetime,
) -> list[DayAvailability]:
    """Availability of each local day in [first_day, last_day].

    Busy intervals and closures are merged once into sorted integer-minute spans; each day then
    bisects into them, so the cost grows with days plus bookings, not their product.
    """
    _require_aware(now, "now")
    today = now.astimezone(window.tz).date()
    busy_pairs = _minute_pairs(busy)
    plan = _Plan(
        hall=hall,
        window=window,
        busy=_spans(busy_pairs),
        blocked=_spans(busy_pairs + _minute_pairs(closures)),
        earliest=_earliest_start(window, now),
        today=today,
        last_bookable=today + timedelta(days=window.horizon_days),
        length=_shortest_minutes(hall, window),
    )
    days = (last_day - first_day).days + 1
    return [plan.day(first_day + timedelta(days=offset)) for offset in range(max(days, 0))]


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
    room = (limit - start) // _MINUTE
    buffer = timedelta(minutes=hall.buffer_minutes)
    for other in busy:
        if other.start < other.end and other.end > start:
            room = min(room, (other.start - buffer - start) // _MINUTE)
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
        notice = _describe_minutes(window.min_notice // _MINUTE)
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
