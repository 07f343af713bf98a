"""Opening hours and the local step grid: the studio's time, in its own zone.

Everything is an aware datetime and zoneinfo does the arithmetic, so nothing assumes a fixed
UTC offset: a wall time that DST skips has no instant, and one it repeats has two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

STEP_MINUTES = 15
MINUTES_PER_DAY = 24 * 60
MINUTE = timedelta(minutes=1)


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
        return (self.end - self.start) // MINUTE


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
    """The calendar rules of one hall; a weekday missing from `hours` is closed, and a date
    in `days` has those hours instead of its weekday's (None: closed that date)."""

    min_minutes: int
    buffer_minutes: int
    hours: Mapping[int, DayHours]
    days: Mapping[date, DayHours | None] = field(default_factory=dict)

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


# --------------------------------------------------------------------------- local time


def _wall(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Local wall time `minute` after the day's midnight; a time DST skips takes fold=0."""
    if minute >= MINUTES_PER_DAY:
        day += timedelta(days=minute // MINUTES_PER_DAY)
        minute %= MINUTES_PER_DAY
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)


def opening_interval(day: date, hall: HallCalendar, tz: ZoneInfo) -> Interval | None:
    """UTC opening hours of a local day, or None when the hall is closed that day (or its
    hours lie wholly inside a DST gap)."""
    hours = hall.days[day] if day in hall.days else hall.hours.get(day.weekday())
    if hours is None:
        return None
    opens = _wall(day, hours.open_minute, tz).astimezone(UTC)
    closes = _wall(day, hours.close_minute, tz).astimezone(UTC)
    return Interval(opens, closes) if opens < closes else None


def _local_minute(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def is_on_grid(start: datetime, tz: ZoneInfo, step_minutes: int = STEP_MINUTES) -> bool:
    """True when `start` is a whole local minute on the step grid of the studio's zone."""
    local = start.astimezone(tz)
    return not (_local_minute(local) % step_minutes or local.second or local.microsecond)


def day_grid(day: date, opening: Interval, tz: ZoneInfo, step: int) -> list[datetime]:
    """The instants of a local day whose wall time is a whole minute on the step grid, in
    order, in UTC: from the last one at or before the opening until the closing.

    With one whole-minute UTC offset all that time they are `step` minutes apart. On a day
    the offset changes each grid wall time of the day is converted: one DST skips has no
    instant, one it repeats has two.
    """
    first = opening.start - timedelta(minutes=_local_minute(opening.start.astimezone(tz)) % step)
    # The real instants' offsets: a wall time inside a DST gap reports the old one.
    offset = first.astimezone(tz).utcoffset()
    same = offset == (opening.end - MINUTE).astimezone(tz).utcoffset()
    if same and offset is not None and not offset % MINUTE:
        every, moment, found = timedelta(minutes=step), first, []
        while moment < opening.end:
            found.append(moment)
            moment += every
        return found
    instants: set[datetime] = set()
    for minute in range(0, MINUTES_PER_DAY, step):
        wall = _wall(day, minute, tz)
        for fold in (0, 1):
            moment = wall.replace(fold=fold).astimezone(UTC)
            back = moment.astimezone(tz)
            exact = not (moment.second or moment.microsecond)
            if exact and back.date() == day and _local_minute(back) == minute:
                instants.add(moment)
    return sorted(instants)
