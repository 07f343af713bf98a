"""Helpers for the admin, reminder and delivery tests: bookings made through the real use
cases, a bot-less way to pay, and waiting on database state without blind sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.paying import confirm_by_hand, start_payment
from booking.payment_reports import apply_payment_report
from db.models import Base, Booking, Payment
from payments.base import PaymentState, PaymentStatus

MSK = ZoneInfo("Europe/Moscow")
T = TypeVar("T")


def msk(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


async def make_booking(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    *,
    start: datetime,
    hours: float = 2,
    hall_id: int = 1,
    paid: str | None = "cash",
    telegram_id: int | None = None,
    name: str = "Анна",
    language: str = "ru",
    email: str | None = None,
    mode: PaymentMode = PaymentMode.PREPAY,
) -> Booking:
    """A booking held now; `paid` "cash" (by hand), "mock" (the gateway) or None (a hold)."""
    request = HoldRequest(
        hall_id=hall_id,
        start=start,
        end=start + timedelta(hours=hours),
        payment_mode=mode,
        client=ClientInfo(
            name=name,
            phone="+79991234567",
            email=email,
            telegram_id=telegram_id,
            language=language,
        ),
        source=Source.TELEGRAM if telegram_id else Source.WEB,
    )
    async with sessionmaker() as session:
        booking, _ = await hold_booking(session, deps, request)
        if paid == "cash":
            booking = await confirm_by_hand(session, deps, booking.id, None, "test")
        elif paid == "mock":
            await pay_online(session, deps, booking.id)
            paid_booking = await session.get(Booking, booking.id, populate_existing=True)
            assert paid_booking is not None
            return paid_booking
        return booking


async def pay_online(session: AsyncSession, deps: BookingDeps, booking_id: int) -> None:
    """What the mock checkout's Pay button does, without HTTP."""
    payment = await start_payment(session, deps, booking_id, "mock")
    state = success_report(payment)
    assert await apply_payment_report(session, deps, "mock", state) == "applied"


def success_report(payment: Payment) -> PaymentState:
    """What the mock gateway reports once the payment is paid."""
    assert payment.gateway_payment_id is not None
    return PaymentState(
        gateway_payment_id=payment.gateway_payment_id,
        status=PaymentStatus.SUCCEEDED,
        amount=payment.amount,
        our_payment_id=payment.id,
    )


async def fetch(sessionmaker: async_sessionmaker[AsyncSession], model: type[T], id: int) -> T:
    async with sessionmaker() as session:
        found = await session.get(model, id)
        assert found is not None
        return found


async def rows(
    sessionmaker: async_sessionmaker[AsyncSession], model: type[Base], *where: Any
) -> list[Any]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def count(
    sessionmaker: async_sessionmaker[AsyncSession], model: type[Base], *where: Any
) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(stmt) or 0)


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 5.0) -> T:
    """Re-check an async condition (every 20 ms) until it is truthy; fail after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition still false after {timeout}s")
        await asyncio.sleep(0.02)
