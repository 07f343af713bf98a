"""Free starts follow every change at once: a hold, a cancellation, a lapsed hold, a closure,
a moved booking, a hall's new price; a day nothing touched keeps its starts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.availability import active_hall
from booking.clients import day_starts
from booking.deps import BookingDeps
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking, Closure, Hall
from tests.support import FakeClock

MSK = ZoneInfo("Europe/Moscow")
DAY, OTHER_DAY = date(2026, 12, 8), date(2026, 12, 10)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=MSK)


async def starts(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, day: date
) -> list[datetime]:
    async with sessionmaker() as session:
        return (await day_starts(session, deps, 1, day))[1]


async def hold(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, start: datetime
) -> Booking:
    request = HoldRequest(
        hall_id=1,
        start=start,
        end=start.replace(hour=start.hour + 1),
        payment_mode=PaymentMode.PREPAY,
        client=ClientInfo(name="Anna", phone="+79990001122"),
        source=Source.TELEGRAM,
    )
    async with sessionmaker() as session:
        booking, _token = await hold_booking(session, deps, request)
        await session.commit()
        return booking


async def change(
    sessionmaker: async_sessionmaker[AsyncSession], booking_id: int, **values: Any
) -> None:
    """Change a booking's columns directly, as any use case's flush would."""
    async with sessionmaker() as session:
        row = await session.get(Booking, booking_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        await session.commit()


async def test_hold_shows_at_once_on_its_day_and_leaves_other_days(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    before_day = await starts(sessionmaker, deps, DAY)
    before_other = await starts(sessionmaker, deps, OTHER_DAY)
    assert at(DAY, 12) in before_day

    await hold(sessionmaker, deps, at(DAY, 12))

    after_day = await starts(sessionmaker, deps, DAY)
    assert at(DAY, 12) not in after_day
    assert at(DAY, 11) not in after_day  # 11:00 for an hour would end inside the hold
    assert await starts(sessionmaker, deps, OTHER_DAY) == before_other


async def test_a_cancelled_booking_frees_its_start_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    booking = await hold(sessionmaker, deps, at(DAY, 15))
    assert at(DAY, 15) not in await starts(sessionmaker, deps, DAY)
    await change(sessionmaker, booking.id, status="cancelled")
    assert at(DAY, 15) in await starts(sessionmaker, deps, DAY)


async def test_a_lapsed_hold_frees_its_start_without_any_change(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, clock: FakeClock
) -> None:
    await hold(sessionmaker, deps, at(DAY, 17))
    assert at(DAY, 17) not in await starts(sessionmaker, deps, DAY)
    clock.advance(minutes=deps.rules.hold.total_seconds() / 60 + 1)
    assert at(DAY, 17) in await starts(sessionmaker, deps, DAY)


async def test_a_closure_takes_every_start_of_its_day(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    assert at(OTHER_DAY, 12) in await starts(sessionmaker, deps, OTHER_DAY)
    async with sessionmaker() as session:
        session.add(Closure(hall_id=None, start_at=at(OTHER_DAY, 0), end_at=at(OTHER_DAY, 23)))
        await session.commit()
    assert await starts(sessionmaker, deps, OTHER_DAY) == []


async def test_a_price_change_shows_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    async with sessionmaker() as session:
        hall = (await session.scalars(select(Hall).where(Hall.id == 1))).one()
        hall.hourly_price = 400_000
        await session.commit()
    async with sessionmaker() as session:
        assert (await active_hall(session, 1)).hourly_price == 400_000


async def test_a_booking_moved_to_another_day_shows_on_both_days_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    """The day it left and the day it came to both change."""
    booking = await hold(sessionmaker, deps, at(DAY, 12))
    assert at(DAY, 12) not in await starts(sessionmaker, deps, DAY)
    assert at(OTHER_DAY, 12) in await starts(sessionmaker, deps, OTHER_DAY)
    shift = at(OTHER_DAY, 12) - at(DAY, 12)
    await change(
        sessionmaker,
        booking.id,
        start_at=booking.start_at + shift,
        end_at=booking.end_at + shift,
        blocked_until=booking.blocked_until + shift,
    )
    assert at(DAY, 12) in await starts(sessionmaker, deps, DAY)
    assert at(OTHER_DAY, 12) not in await starts(sessionmaker, deps, OTHER_DAY)
    await change(sessionmaker, booking.id, status="cancelled")
    assert at(OTHER_DAY, 12) in await starts(sessionmaker, deps, OTHER_DAY)
