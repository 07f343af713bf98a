"""The booking rules: whether a booking can be made for a time, and what it occupies. What
is free to book is found by booking.domain.free_time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.domain.errors import BookingRuleError, SlotTakenError
from booking.domain.hours import MINUTE, opening_interval

# Re-exported: the service takes the calendar's vocabulary from this module.
from booking.domain.hours import MINUTES_PER_DAY as MINUTES_PER_DAY
from booking.domain.hours import STEP_MINUTES as STEP_MINUTES
from booking.domain.hours import BookingWindow as BookingWindow
from booking.domain.hours import DayHours as DayHours
from booking.domain.hours import HallCalendar as HallCalendar
from booking.domain.hours import Interval as Interval
from booking.domain.hours import is_on_grid as is_on_grid


def blocked_interval(start: datetime, end: datetime, buffer_minutes: int) -> Interval:
    """What a booking occupies: its own time plus the cleaning buffer after it."""
    if buffer_minutes < 0:
        raise ValueError("buffer_minutes cannot be negative")
    return Interval(start, end + timedelta(minutes=buffer_minutes))


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


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
    require_aware(now, "now")
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
