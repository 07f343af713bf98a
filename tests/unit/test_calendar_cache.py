"""The availability cache's building blocks: epochs, expiry, and single flight."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.calendar_cache import (
    DaySpans,
    Marks,
    SingleFlight,
    Span,
    TimedCache,
    WindowCache,
    base_epoch,
    calendar_changed,
    day_version,
    days_changed,
    epoch,
    utc_days,
    window_marks,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_entry_lives_until_its_moment_or_the_next_change() -> None:
    cache = TimedCache()
    cache.put("k", b"answer", NOW + timedelta(seconds=2), epoch())
    assert cache.get("k", NOW) == b"answer"
    assert cache.get("k", NOW + timedelta(seconds=2)) is None
    calendar_changed()
    assert cache.get("k", NOW) is None


def test_an_answer_computed_across_a_change_is_not_served() -> None:
    cache = TimedCache()
    before = epoch()
    calendar_changed()  # a booking landed while the answer was being computed
    cache.put("k", b"old", NOW + timedelta(seconds=2), before)
    assert cache.get("k", NOW) is None


async def test_concurrent_misses_compute_once() -> None:
    flights = SingleFlight()
    calls = 0

    async def compute() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "days"

    results = await asyncio.gather(*(flights.run("k", compute) for _ in range(20)))
    assert results == ["days"] * 20
    assert calls == 1
    assert await flights.run("k", compute) == "days"
    assert calls == 2  # nothing kept once the flight is over


async def test_a_failure_reaches_every_waiter() -> None:
    flights = SingleFlight()

    async def compute() -> str:
        await asyncio.sleep(0.01)
        raise LookupError("no such hall")

    results = await asyncio.gather(
        *(flights.run("k", compute) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, LookupError) for r in results)
    with pytest.raises(LookupError):
        await flights.run("k", compute)


def test_day_spans_follow_their_own_day_and_the_base_epoch() -> None:
    spans = DaySpans()
    monday, tuesday = date(2026, 12, 7), date(2026, 12, 8)
    held: tuple[Span, ...] = (("b", NOW, NOW + timedelta(hours=1), None),)
    for day in (monday, tuesday):
        spans.put(1, day, held, NOW + timedelta(seconds=2), (base_epoch(), day_version(1, day)))
    days_changed([(1, monday)])  # a booking on Monday
    assert spans.get(1, monday, NOW) is None
    assert spans.get(1, tuesday, NOW) == (NOW + timedelta(seconds=2), held)
    assert spans.get(2, tuesday, NOW) is None  # another hall was never read
    calendar_changed()  # a closure: every day is read again
    assert spans.get(1, tuesday, NOW) is None


def test_a_day_read_across_a_commit_is_not_served() -> None:
    spans = DaySpans()
    day = date(2026, 12, 9)
    marks = (base_epoch(), day_version(1, day))  # taken before the query
    days_changed([(1, day)])  # another session commits a booking meanwhile
    spans.put(1, day, (), NOW + timedelta(seconds=2), marks)
    assert spans.get(1, day, NOW) is None


def test_days_are_utc_days_whatever_the_zone_of_the_time() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    night = datetime(2026, 12, 8, 1, 0, tzinfo=moscow)  # 22:00 UTC on the 7th
    assert list(utc_days(night, night + timedelta(hours=1))) == [date(2026, 12, 7)]
    assert list(utc_days(night, night + timedelta(hours=3))) == [
        date(2026, 12, 7),
        date(2026, 12, 8),
    ]


def test_window_answer_survives_changes_elsewhere_but_not_in_its_days() -> None:
    windows = WindowCache()
    start = datetime(2026, 12, 10, 21, tzinfo=UTC)
    end = start + timedelta(days=3)

    def marks() -> Marks:
        return window_marks(1, start, end)

    windows.put("k", "answer", marks(), NOW + timedelta(seconds=2), epoch())
    assert windows.get("k", NOW, marks) == "answer"
    days_changed([(2, date(2026, 12, 11))])  # another hall
    days_changed([(1, date(2026, 12, 20))])  # another day of this hall
    assert windows.get("k", NOW, marks) == "answer"
    days_changed([(1, date(2026, 12, 12))])  # a day inside the window
    assert windows.get("k", NOW, marks) is None


def test_window_answer_computed_across_a_change_is_not_served() -> None:
    windows = WindowCache()
    start = datetime(2026, 12, 15, tzinfo=UTC)
    at, seen = epoch(), window_marks(1, start, start)
    days_changed([(1, date(2026, 12, 15))])  # committed while the answer was computed
    windows.put("k", "old", seen, NOW + timedelta(seconds=2), at)
    assert windows.get("k", NOW, lambda: window_marks(1, start, start)) is None
