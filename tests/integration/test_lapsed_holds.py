"""A hold past its expiry that the sweep has not marked yet: a new hold over its slot expires
it (with its event) and takes the slot; a new hold refused for another reason leaves it as
it was; seeding the demo again over lapsed demo holds works."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking import quotes
from booking.availability import HallSchedule
from booking.demo import create_demo_bookings
from booking.deps import BookingDeps
from booking.domain.calendar import Interval
from booking.errors import SlotTakenError
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking
from db.outbox import Event
from tests.support import FakeClock

MSK = ZoneInfo("Europe/Moscow")


def request(start_hour: int, end_hour: int) -> HoldRequest:
    return HoldRequest(
        hall_id=1,
        start=datetime(2026, 12, 8, start_hour, tzinfo=MSK),
        end=datetime(2026, 12, 8, end_hour, tzinfo=MSK),
        payment_mode=PaymentMode.PREPAY,
        client=ClientInfo(name="Anna", phone="+79990001122"),
        source=Source.WEB,
    )


async def state_of(sessionmaker: async_sessionmaker[AsyncSession], booking_id: int) -> Any:
    async with sessionmaker() as session:
        status = await session.scalar(select(Booking.status).where(Booking.id == booking_id))
        expired_events = await session.scalar(
            select(func.count(Event.id)).where(
                Event.booking_id == booking_id, Event.type == "booking.expired"
            )
        )
        return status, expired_events


async def test_a_new_hold_expires_the_lapsed_one_with_its_event(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, clock: FakeClock
) -> None:
    async with sessionmaker() as session:
        lapsed, _ = await hold_booking(session, deps, request(12, 13))
    clock.advance(minutes=16)
    async with sessionmaker() as session:
        await hold_booking(session, deps, request(12, 15))
    assert await state_of(sessionmaker, lapsed.id) == ("expired", 1)


async def test_a_retry_refused_by_the_calendar_leaves_the_lapsed_hold_as_it_was(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone takes 14:00-16:00 between the refused insert and the second attempt: that
    attempt is refused by the calendar, and the caller commits what is left (as the bot's
    reply does). The lapsed hold must not end up expired without its event."""
    async with sessionmaker() as session:
        lapsed, _ = await hold_booking(session, deps, request(12, 13))
    clock.advance(minutes=16)
    real_load = quotes.load_schedule
    loads = 0

    async def taken_meanwhile(*args: Any, **kwargs: Any) -> HallSchedule:
        nonlocal loads
        loads += 1
        schedule = await real_load(*args, **kwargs)
        if loads == 1:
            return schedule
        taken = Interval(
            datetime(2026, 12, 8, 14, tzinfo=MSK), datetime(2026, 12, 8, 16, tzinfo=MSK)
        )
        return HallSchedule(
            schedule.hall,
            schedule.calendar,
            [*schedule.busy, taken],
            schedule.closures,
        )

    monkeypatch.setattr(quotes, "load_schedule", taken_meanwhile)
    async with sessionmaker() as session:
        with pytest.raises(SlotTakenError):
            await hold_booking(session, deps, request(12, 15))
        await session.commit()
    assert loads == 2  # the insert was refused once, and the retry ran
    assert await state_of(sessionmaker, lapsed.id) == ("pending_payment", 0)


async def test_seeding_the_demo_again_over_lapsed_demo_holds(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, clock: FakeClock
) -> None:
    async with sessionmaker() as session:
        first = await create_demo_bookings(session, deps)
    clock.advance(minutes=16)  # the unconfirmed demo holds lapse; no sweep runs
    async with sessionmaker() as session:
        again = await create_demo_bookings(session, deps)
    assert first > 0
    assert 0 < again < first  # the lapsed holds' slots are taken again, the confirmed ones not
