"""Prices in integer kopecks: hourly rates by local time band, and the prepayment share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.domain.calendar import MINUTES_PER_DAY, STEP_MINUTES
from booking.domain.errors import BookingRuleError

_RUBLE = 100  # kopecks


def rubles(kopecks: int) -> str:
    """Kopecks as the rubles text the API, the studio file and the gateways write:
    150000 → "1500.00"."""
    return f"{kopecks // 100}.{kopecks % 100:02d}"


@dataclass(frozen=True, slots=True)
class PriceBand:
    """An hourly rate for some local weekdays and minutes, e.g. evenings or weekends dearer."""

    weekdays: frozenset[int]
    start_minute: int
    end_minute: int
    hourly_price: int

    def __post_init__(self) -> None:
        if not self.weekdays or not all(0 <= day <= 6 for day in self.weekdays):
            raise ValueError("a price band needs weekdays between 0 (Monday) and 6 (Sunday)")
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(f"a price band needs 0 <= start < end <= {MINUTES_PER_DAY}")
        if self.hourly_price < 0:
            raise ValueError("a price cannot be negative")

    def covers(self, weekday: int, minute: int) -> bool:
        """True when a cell starting at this local weekday and minute is in the band."""
        return weekday in self.weekdays and self.start_minute <= minute < self.end_minute


def _cell_rate(local: datetime, base_hourly: int, bands: Sequence[PriceBand]) -> int:
    """Hourly rate of the cell starting at `local`: the first band that covers it, else base."""
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    for band in bands:
        if band.covers(weekday, minute):
            return band.hourly_price
    return base_hourly


def quote(
    start: datetime,
    end: datetime,
    base_hourly: int,
    bands: Sequence[PriceBand],
    tz: ZoneInfo,
    step_minutes: int = STEP_MINUTES,
) -> int:
    """Price of [start, end) in kopecks, cell by cell, so a booking across a band is fair.

    Summing rates first and rounding once (half up) keeps the total independent of how the
    booking splits into bands.
    """
    if start.utcoffset() is None or end.utcoffset() is None:
        raise BookingRuleError("naive_datetime", "Start and end must include a time zone.")
    if end <= start:
        raise BookingRuleError("end_before_start", "The end must be after the start.")
    if base_hourly < 0:
        raise ValueError("a price cannot be negative")
    step = timedelta(minutes=step_minutes)
    if (end - start) % step:
        raise BookingRuleError(
            "bad_length", f"The length must be a multiple of {step_minutes} minutes."
        )
    cells = (end - start) // step
    rates = sum(
        _cell_rate((start + step * i).astimezone(tz), base_hourly, bands) for i in range(cells)
    )
    return (rates * step_minutes + 30) // 60


def prepayment_amount(total: int, percent: int) -> int:
    """The share of `total` paid up front, rounded up to whole rubles but never above total."""
    if not 1 <= percent <= 100:
        raise ValueError("prepayment percent must be between 1 and 100")
    if total < 0:
        raise ValueError("a total cannot be negative")
    rubles = -(-total * percent // (100 * _RUBLE))
    return min(rubles * _RUBLE, total)
