"""The database itself refuses overlapping live bookings, whatever the code above it does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db.models import Booking, Client

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def row(client_id: int, start: datetime, minutes: int, status: str, code: str) -> Booking:
    return Booking(
        code=code,
        hall_id=1,
        client_id=client_id,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        blocked_until=start + timedelta(minutes=minutes + 15),
        status=status,
        payment_mode="full",
        total=100,
        prepay_amount=100,
        source="admin",
        hold_expires_at=None,
        refund_tiers="48:100,0:0",
        access_token_hash="x" * 64,
    )


async def insert(sessionmaker: async_sessionmaker[AsyncSession], booking: Booking) -> None:
    async with sessionmaker() as session:
        session.add(booking)
        await session.commit()


@pytest.fixture
async def client_id(sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps) -> int:
    async with sessionmaker() as session:
        client = Client(name="test")
        session.add(client)
        await session.commit()
        return client.id


async def test_overlap_including_buffer_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], client_id: int
) -> None:
    await insert(sessionmaker, row(client_id, T0, 60, "confirmed", "A1"))
    for start, code in (
        (T0 + timedelta(minutes=30), "B1"),
        (T0 + timedelta(minutes=60), "B2"),
        (T0 - timedelta(minutes=60), "B3"),
    ):
        with pytest.raises(IntegrityError):
            await insert(sessionmaker, row(client_id, start, 60, "pending_payment", code))
    await insert(sessionmaker, row(client_id, T0 + timedelta(minutes=75), 60, "confirmed", "C1"))


async def test_dead_bookings_do_not_block_and_cannot_be_revived_over_others(
    sessionmaker: async_sessionmaker[AsyncSession], client_id: int
) -> None:
    await insert(sessionmaker, row(client_id, T0, 60, "expired", "D1"))
    await insert(sessionmaker, row(client_id, T0, 60, "cancelled", "D2"))
    await insert(sessionmaker, row(client_id, T0, 60, "confirmed", "D3"))
    async with sessionmaker() as session:
        dead = await session.get(Booking, 1)
        assert dead is not None
        dead.status = "confirmed"
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_a_span_over_two_days_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], client_id: int
) -> None:
    """The bound that lets overlap checks skip a hall's history is itself enforced."""
    with pytest.raises(IntegrityError):
        await insert(sessionmaker, row(client_id, T0, 3 * 24 * 60, "confirmed", "L1"))


async def test_overlap_found_across_midnight_and_deep_history(
    sessionmaker: async_sessionmaker[AsyncSession], client_id: int
) -> None:
    for n in range(1, 40):  # older history the bounded search must not need
        await insert(
            sessionmaker, row(client_id, T0 - timedelta(days=n), 60, "completed", f"H{n}")
        )
    late = T0.replace(hour=20)  # 23:00 in Moscow, blocked past midnight UTC+3
    await insert(sessionmaker, row(client_id, late, 120, "confirmed", "N1"))
    with pytest.raises(IntegrityError):
        await insert(
            sessionmaker, row(client_id, late + timedelta(minutes=90), 60, "pending_payment", "N2")
        )


async def test_a_live_booking_moved_or_stretched_over_another_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], client_id: int
) -> None:
    """Staying live where it is needs no search (held → confirmed → completed); a move, a
    longer span or another hall is checked again."""
    await insert(sessionmaker, row(client_id, T0, 60, "confirmed", "M1"))
    await insert(
        sessionmaker, row(client_id, T0 + timedelta(hours=3), 60, "pending_payment", "M2")
    )
    second = row(client_id, T0, 60, "confirmed", "M3")
    second.hall_id = 2
    await insert(sessionmaker, second)
    async with sessionmaker() as session:
        held = await session.get(Booking, 2)
        assert held is not None
        held.status = "confirmed"  # stays where it is: allowed
        await session.commit()
        held.status = "completed"
        await session.commit()
    for booking_id, field, value in (
        (2, "start_at", T0 + timedelta(minutes=30)),
        (1, "blocked_until", T0 + timedelta(hours=3, minutes=30)),
        (3, "hall_id", 1),
    ):
        async with sessionmaker() as session:
            booking = await session.get(Booking, booking_id)
            assert booking is not None
            setattr(booking, field, value)
            with pytest.raises(IntegrityError):
                await session.commit()
