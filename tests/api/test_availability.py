"""Availability answers: the contract's shape, and never stale after a change or with time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert

from db.models import Closure
from tests.support import START, Running


async def day(running: Running, date: str, hall_id: int = 1) -> dict[str, Any]:
    status, body = await running.api.call(
        "GET", f"/api/bookings/availability?hall_id={hall_id}&start_date={date}&end_date={date}"
    )
    assert status == 200, body
    assert body["timezone"] == "Europe/Moscow" and body["step_minutes"] == 15
    [only] = body["days"]
    return dict(only)


async def test_shape_and_hours(running: Running) -> None:
    thursday = await day(running, "2026-12-03")
    assert thursday["open"] == "2026-12-03T09:00:00+03:00"
    assert thursday["close"] == "2026-12-03T22:00:00+03:00"
    assert thursday["starts"][0] == "09:00" and thursday["starts"][-1] == "21:00"
    assert thursday["free"] == [
        {"start": "2026-12-03T09:00:00+03:00", "end": "2026-12-03T22:00:00+03:00"}
    ]
    dark = await day(running, "2026-12-03", hall_id=3)  # two hours at least
    assert dark["starts"][-1] == "20:00"
    closed = await day(running, "2026-12-31")  # closed from 18:00 for the holidays
    assert closed["starts"][-1] == "17:00"


async def test_a_new_booking_shows_at_once(running: Running) -> None:
    assert "12:00" in (await day(running, "2026-12-03"))["starts"]
    await running.api.booked(day=3, hour=12, hours=2)
    starts = (await day(running, "2026-12-03"))["starts"]
    assert "10:45" in starts and "14:15" in starts  # its own buffer must end by 12:00
    for taken in ("11:00", "12:00", "13:30", "14:00"):
        assert taken not in starts


async def test_an_expired_hold_frees_its_slot_without_the_sweep(running: Running) -> None:
    await running.api.booked(day=3, hour=12, hours=2)
    assert "12:00" not in (await day(running, "2026-12-03"))["starts"]
    running.clock.advance(minutes=15)
    assert "12:00" in (await day(running, "2026-12-03"))["starts"]


async def test_the_notice_edge_moves_with_the_clock(running: Running) -> None:
    # 09:00 in Moscow, one hour of notice: the first start today is 10:00.
    assert (await day(running, "2026-12-01"))["starts"][0] == "10:00"
    running.clock.advance(minutes=1)
    assert (await day(running, "2026-12-01"))["starts"][0] == "10:15"
    running.clock.advance(minutes=14)  # 09:15 exactly: 10:15 is still an hour away
    assert (await day(running, "2026-12-01"))["starts"][0] == "10:15"
    running.clock.advance(seconds=1)
    assert (await day(running, "2026-12-01"))["starts"][0] == "10:30"


async def test_a_change_made_elsewhere_shows_at_once(running: Running) -> None:
    assert "12:00" in (await day(running, "2026-12-04"))["starts"]
    async with running.sessionmaker() as session:
        # A plain Core statement, as another process's change looks from here.
        await session.execute(
            insert(cast(Table, Closure.__table__)).values(
                hall_id=None,
                reason="elsewhere",
                created_at=START,
                start_at=datetime(2026, 12, 4, 6, tzinfo=UTC),
                end_at=datetime(2026, 12, 4, 19, tzinfo=UTC),
            )
        )
        await session.commit()
    assert (await day(running, "2026-12-04"))["starts"] == ["22:00"]


async def test_a_booking_in_another_hall_or_on_another_day_changes_nothing(
    running: Running,
) -> None:
    first = await day(running, "2026-12-03")
    await running.api.booked(day=3, hour=12, hall_id=2)
    await running.api.booked(day=5, hour=12)
    assert await day(running, "2026-12-03") == first
    await running.api.booked(day=3, hour=12)
    assert "12:00" not in (await day(running, "2026-12-03"))["starts"]
