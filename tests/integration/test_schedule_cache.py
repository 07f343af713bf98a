"""The calendar's per-day cache: a change shows at once on the days it touches, other days
are served without a query, halls and hours stay cached while clients book, and the hold
itself always reads the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from booking.availability import AvailabilityView, active_hall, availability_view
from booking.clients import day_starts
from booking.deps import BookingDeps
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking, Closure, Hall
from tests.support import FakeClock

MSK = ZoneInfo("Europe/Moscow")
DAY, OTHER_DAY = date(2026, 12, 8), date(2026, 12, 10)


class Statements:
    """Counts the SELECTs that read the calendar's spans."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.calendar = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)
        self._engine = engine

    def _seen(self, _conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if "UNION ALL" in sql:
            self.calendar += 1

    def close(self) -> None:
        event.remove(self._engine.sync_engine, "before_cursor_execute", self._seen)


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[Statements]:
    counter = Statements(engine)
    yield counter
    counter.close()


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


async def test_hold_shows_at_once_on_its_day_and_other_days_need_no_query(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, statements: Statements
) -> None:
    before_day = await starts(sessionmaker, deps, DAY)
    before_other = await starts(sessionmaker, deps, OTHER_DAY)
    assert at(DAY, 12) in before_day
    read = statements.calendar

    await hold(sessionmaker, deps, at(DAY, 12))

    after_day = await starts(sessionmaker, deps, DAY)
    assert at(DAY, 12) not in after_day
    assert at(DAY, 11) not in after_day  # 11:00 for an hour would end inside the hold
    assert await starts(sessionmaker, deps, OTHER_DAY) == before_other
    # the hold read the database itself; then only the held day was read again
    assert statements.calendar - read == 2


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


async def test_a_closure_clears_every_cached_day(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    assert at(OTHER_DAY, 12) in await starts(sessionmaker, deps, OTHER_DAY)
    async with sessionmaker() as session:
        session.add(Closure(hall_id=None, start_at=at(OTHER_DAY, 0), end_at=at(OTHER_DAY, 23)))
        await session.commit()
    assert await starts(sessionmaker, deps, OTHER_DAY) == []


async def test_hall_copy_is_shared_read_only_and_a_price_change_shows_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    async with sessionmaker() as first, sessionmaker() as second:
        one = await active_hall(first, 1, deps.now())
        two = await active_hall(second, 1, deps.now())
        assert one is two and one not in first and two not in second
    async with sessionmaker() as session:
        hall = (await session.scalars(select(Hall).where(Hall.id == 1))).one()
        hall.hourly_price = 400_000
        await session.commit()
    async with sessionmaker() as session:
        assert (await active_hall(session, 1, deps.now())).hourly_price == 400_000


async def test_the_hold_reads_the_database_not_the_cache(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, statements: Statements
) -> None:
    await starts(sessionmaker, deps, DAY)
    read = statements.calendar
    await hold(sessionmaker, deps, at(DAY, 19))
    assert statements.calendar - read == 1


async def test_month_view_is_shared_until_one_of_its_days_changes(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    statements: Statements,
    clock: FakeClock,
) -> None:
    clock.advance(seconds=1)  # off the grid: at 06:00:00 sharp the next second changes starts
    first, last = date(2026, 12, 2), date(2026, 12, 31)

    async def month() -> AvailabilityView:
        async with sessionmaker() as session:
            return await availability_view(session, deps, 1, first, last)

    before = await month()
    read = statements.calendar
    assert await month() is before and statements.calendar == read
    await hold(sessionmaker, deps, at(DAY, 13))
    after = await month()
    assert after is not before
    held_day = next(d for d in after.days if d.day == DAY)
    assert at(DAY, 13) not in held_day.starts
    assert [d.starts for d in after.days if d.day != DAY] == [
        d.starts for d in before.days if d.day != DAY
    ]


async def test_a_booking_moved_to_another_day_shows_on_both_days_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    """Moving a booking's times goes by the attributes' history: the day it left and the
    day it came to both change; a status change alone keeps to the booking's own day."""
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
