"""Many clients at once for one slot: exactly one wins, the rest get 409, nothing fails."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from db.models import Booking
from tests.support import Running


async def test_fifty_concurrent_bookings_of_one_slot(running: Running) -> None:
    results = await asyncio.gather(*(running.api.book(day=3, hour=12) for _ in range(50)))
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 49}
    assert all(body["error"]["code"] == "slot_taken" for status, body in results if status == 409)
    async with running.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1


async def test_overlapping_not_identical_requests_race(running: Running) -> None:
    """Shifted starts that all overlap each other: still only one can hold the hall."""
    starts = [(12, 0), (12, 15), (12, 30), (12, 45), (13, 0)] * 6
    results = await asyncio.gather(
        *(running.api.book(day=3, hour=h, minute=m, hours=1) for h, m in starts)
    )
    statuses = Counter(status for status, _ in results)
    assert statuses[201] == 1
    assert statuses[409] == len(starts) - 1
