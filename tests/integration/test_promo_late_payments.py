"""A payment that comes after its hold lapsed revives the booking only if the promo code it
took can still be used by it: while it lapsed, another booking may have taken the code's
last use, or this same client may have used up their own uses. Then the payment is refunded
and the code keeps its limits; the money audit holds either way."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking import promo
from booking.deps import BookingDeps
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.paying import start_payment
from booking.payment_reports import apply_payment_report
from db.models import Booking, Payment
from db.outbox import Event
from tests.integration.test_audit import checks_failing
from tests.support import FakeClock, Running, msk, success_report

ANNA = ClientInfo(name="Анна", phone="+79990001122")
BORIS = ClientInfo(name="Борис", phone="+79990003344")


def request(start: datetime, client: ClientInfo, code: str) -> HoldRequest:
    return HoldRequest(
        hall_id=1,
        start=start,
        end=start.replace(hour=start.hour + 2),
        payment_mode=PaymentMode.FULL,
        client=client,
        source=Source.WEB,
        promo_code=code,
    )


async def hold_with_payment(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, req: HoldRequest
) -> tuple[int, Payment]:
    async with sessionmaker() as session:
        booking, _ = await hold_booking(session, deps, req)
        payment = await start_payment(session, deps, booking.id, "mock")
        return booking.id, payment


async def paid(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, payment: Payment
) -> None:
    async with sessionmaker() as session:
        assert await apply_payment_report(session, deps, "mock", success_report(payment)) == (
            "applied"
        )


async def add_code(sessionmaker: async_sessionmaker[AsyncSession], **kw: object) -> None:
    async with sessionmaker() as session:
        await promo.create_code(session, promo.NewCode(code="WINTER", percent=20, **kw))  # type: ignore[arg-type]


async def outcome(
    sessionmaker: async_sessionmaker[AsyncSession], booking_id: int, now: datetime
) -> tuple[str, int, int]:
    """The late booking's status, its late refunds, and the code's uses now."""
    async with sessionmaker() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None and booking.promo_code_id is not None
        refunds = await session.scalar(
            select(func.count(Event.id)).where(
                Event.booking_id == booking_id, Event.type == "payment.late_refunded"
            )
        )
        return (
            booking.status,
            int(refunds or 0),
            await promo.uses(session, booking.promo_code_id, now),
        )


@pytest.mark.parametrize("swept", [True, False], ids=["swept", "not-swept-yet"])
@pytest.mark.parametrize(
    ("limits", "second"),
    [({"max_uses": 1}, BORIS), ({"max_uses_per_client": 1}, ANNA)],
    ids=["the-last-use-taken", "the-clients-own-uses-spent"],
)
async def test_a_use_spent_meanwhile_refunds_the_late_payment(
    running: Running,
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    clock: FakeClock,
    swept: bool,
    limits: dict[str, int],
    second: ClientInfo,
) -> None:
    """Another client takes the code's last use, or the same client their own last one,
    while the first hold lapsed."""
    await add_code(sessionmaker, **limits)
    first, late_payment = await hold_with_payment(
        sessionmaker, deps, request(msk(8, 12), ANNA, "winter")
    )
    clock.advance(minutes=16)
    if swept:
        await running.jobs.expire()
    _, payment = await hold_with_payment(sessionmaker, deps, request(msk(9, 12), second, "winter"))
    await paid(sessionmaker, deps, payment)
    await paid(sessionmaker, deps, late_payment)
    status, refunds, uses = await outcome(sessionmaker, first, clock.now)
    assert status != "confirmed" and refunds == 1 and uses == 1
    assert await checks_failing(running) == set()


async def test_a_late_payment_with_a_use_left_still_confirms(
    running: Running,
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    clock: FakeClock,
) -> None:
    await add_code(sessionmaker, max_uses=2, max_uses_per_client=2)
    anna, late_payment = await hold_with_payment(
        sessionmaker, deps, request(msk(8, 12), ANNA, "winter")
    )
    clock.advance(minutes=16)
    await running.jobs.expire()
    _, payment = await hold_with_payment(sessionmaker, deps, request(msk(9, 12), ANNA, "winter"))
    await paid(sessionmaker, deps, payment)
    await paid(sessionmaker, deps, late_payment)
    assert await outcome(sessionmaker, anna, clock.now) == ("confirmed", 0, 2)
    assert await checks_failing(running) == set()
