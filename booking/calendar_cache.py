"""Left only for booking/plain_reports.py, which imports it; delete both together.

Availability is read from the database per request, so there is no cache to drop.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta


def days_changed(_keys: Iterable[tuple[int, date]]) -> None:
    """Nothing is cached."""


def utc_days(start: datetime, end: datetime) -> Iterator[date]:
    """The UTC days [start, end] touches."""
    day, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    while day <= last:
        yield day
        day += timedelta(days=1)
