"""The availability cache's building blocks: epochs, expiry, and single flight."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from booking.calendar_cache import SingleFlight, TimedCache, calendar_changed, epoch

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
