"""The service keeps one clock: with it set years before or after the wall clock, holds
expire, late payments confirm, refunds settle, reminders and the outbox run, and every row's
timestamps come from it.

Before the models lost their wall-clock defaults, a row's `updated_at` came from the wall
clock while the use cases compared it with the service's clock; these paths broke as soon as
the two drifted apart (a refund stayed "in flight" forever).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from booking.refunds import create_refund
from db.models import Base, Booking, Payment
from jobs.reminders import run_reminders
from tests.support import FakeClock, Running

MSK = ZoneInfo("Europe/Moscow")

#: Tuesdays at 09:00 in Moscow, far from the wall clock on either side and from any closure.
MOMENTS = {
    "years-before": datetime(2019, 6, 4, 6, 0, tzinfo=UTC),
    "years-after": datetime(2039, 6, 7, 6, 0, tzinfo=UTC),
}


@pytest.fixture(params=sorted(MOMENTS))
def clock(request: pytest.FixtureRequest) -> FakeClock:
    return FakeClock(MOMENTS[request.param])


def local_start(clock: FakeClock, days: int, hour: int) -> datetime:
    day: date = clock.now.astimezone(MSK).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=MSK)


async def booked(running: Running, start: datetime) -> dict[str, Any]:
    """A two-hour booking of the first hall at `start`, to be paid in full."""
    return await running.api.booked(start=start, mode="full")


async def paid(running: Running, start: datetime) -> dict[str, Any]:
    """A booking at `start`, paid in full through the mock checkout."""
    held = await booked(running, start)
    await running.api.checkout(await running.api.start_payment(held), "succeeded")
    return held


async def stamps_within(running: Running, since: datetime) -> None:
    """Every timestamp the service wrote lies between the start and now on its clock."""
    async with running.sessionmaker() as session:
        for mapper in Base.registry.mappers:
            model = mapper.class_
            names = [n for n in ("created_at", "updated_at") if n in mapper.columns]
            for row in (await session.scalars(select(model))).all():
                for name in names:
                    stamp = getattr(row, name)
                    assert since <= stamp <= running.clock.now, (model.__name__, name, stamp)


async def test_hold_expires_and_late_payment_confirms(running: Running, clock: FakeClock) -> None:
    since = clock.now
    start = local_start(clock, 3, 12)
    held = await booked(running, start)
    assert datetime.fromisoformat(held["hold_expires_at"]) == since + timedelta(minutes=15)
    payment = await running.api.start_payment(held)

    clock.advance(minutes=16)
    await running.jobs.expire()
    assert (await running.api.booking(held))["status"] == "expired"

    await running.api.checkout(payment, "succeeded")  # paid after the hold lapsed
    late = await running.api.booking(held)
    assert late["status"] == "confirmed" and late["paid"] == late["total"]
    await running.jobs.relay()
    await stamps_within(running, since)


async def test_refund_in_doubt_is_settled_after_a_minute(
    running: Running, clock: FakeClock
) -> None:
    since = clock.now
    held = await paid(running, local_start(clock, 5, 12))
    async with running.sessionmaker() as session:
        booking = await session.get(Booking, held["id"])
        payment = (await session.scalars(select(Payment))).one()
        assert booking is not None
        refund = await create_refund(session, running.deps, booking, payment, 100_000, "doubt")
        await session.commit()
    path = f"/api/refunds/{refund.id}/settle"
    status, body = await running.api.admin("POST", path, json={"made": False, "note": "нет"})
    assert status == 409 and body["error"]["code"] == "refund_in_flight"
    clock.advance(minutes=2)
    status, body = await running.api.admin("POST", path, json={"made": False, "note": "нет"})
    assert status == 200 and body["status"] == "canceled", body
    await stamps_within(running, since)


async def test_reminder_is_due_a_day_before_and_the_outbox_relays_it(
    running: Running, clock: FakeClock
) -> None:
    since = clock.now
    held = await paid(running, local_start(clock, 3, 12))
    await running.jobs.relay()
    start = datetime.fromisoformat(held["start"])
    assert await run_reminders(running.sessionmaker, running.deps, [24]) == 0  # too early
    clock.now = start.astimezone(UTC) - timedelta(hours=23, minutes=59)
    assert await run_reminders(running.sessionmaker, running.deps, [24]) == 1
    assert await run_reminders(running.sessionmaker, running.deps, [24]) == 0
    await running.jobs.relay()
    status, events = await running.api.admin("GET", "/api/integrations/events")
    assert status == 200
    reminder = [e for e in events["events"] if e["type"] == "booking.reminder"]
    assert len(reminder) == 1 and reminder[0]["processed_at"] is not None
    await stamps_within(running, since)
