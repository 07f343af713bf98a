"""change_price.reprice, the price of a move or more time, against a booking held as a
client holds one: every line as `price_hold` makes it for a new booking with the same
choices, the code's percentage applied again even once the code is disabled (where the code
applies to the new session: elsewhere it takes off what it took), a fixed amount as it took
off, and a booking made before price lines priced like any other."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from booking import promo
from booking.change_price import reprice
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.pricing import AddonWanted
from db.models import Booking, Hall
from tests.support import Running, msk


def asked(start: datetime, hours: float, hall_id: int = 1, **extra: Any) -> HoldRequest:
    return HoldRequest(
        hall_id=hall_id,
        start=start,
        end=start + timedelta(hours=hours),
        payment_mode=PaymentMode.FULL,
        client=ClientInfo(name="Анна", phone="+79990001122"),
        source=Source.WEB,
        **extra,
    )


def lines_of(lines: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(line["kind"], int(line["amount"])) for line in lines]


async def priced_at(
    running: Running, booking_id: int, hall_id: int, start: datetime, hours: float
) -> tuple[int, list[tuple[str, int]]]:
    async with running.sessionmaker() as session:
        booking = await session.get(Booking, booking_id)
        hall = await session.get(Hall, hall_id)
        assert booking is not None and hall is not None
        end = start + timedelta(hours=hours)
        found = await reprice(session, booking, hall, start, end, running.deps.rules.tz)
    return found.total, lines_of(found.lines)


async def test_every_line_is_priced_as_a_new_booking_of_that_span(running: Running) -> None:
    async with running.sessionmaker() as session:
        await promo.create_code(session, promo.NewCode("TEN", percent=10))
        start = msk(3, 12)
        request = asked(start, 2, guests=6, addons=(AddonWanted("makeup", 2),), promo_code="TEN")
        booking, _ = await hold_booking(session, running.deps, request)
        # 5000, two makeup places 2 h × 600, two over four 2 h × 2 × 500, 10 % off 8200.
        assert lines_of(booking.price_lines or []) == [
            ("hall", 500_000), ("addon", 120_000), ("guests", 200_000), ("discount", -82_000),
        ]  # fmt: skip
        await promo.disable_code(session, "TEN")  # what the booking took stays its own
    total, lines = await priced_at(running, booking.id, 1, start, 3)
    assert lines == [
        ("hall", 750_000), ("addon", 180_000), ("guests", 300_000), ("discount", -123_000),
    ]  # fmt: skip
    assert total == 1_107_000
    # The same choices in a new booking of the longer span cost the same.
    async with running.sessionmaker() as session:
        await session.execute(update(Booking).values(status="cancelled"))
        await session.commit()
        again = asked(start, 3, guests=6, addons=(AddonWanted("makeup", 2),))
        fresh, _ = await hold_booking(session, running.deps, again)
    assert lines_of(fresh.price_lines or [])[:3] == lines[:3]


async def test_a_fixed_amount_stays_what_it_took_off(running: Running) -> None:
    async with running.sessionmaker() as session:
        await promo.create_code(session, promo.NewCode("MINUS", amount=100_000))
        booking, _ = await hold_booking(
            session, running.deps, asked(msk(3, 12), 1, promo_code="MINUS")
        )
    assert await priced_at(running, booking.id, 1, msk(3, 12), 2) == (
        400_000, [("hall", 500_000), ("discount", -100_000)],
    )  # fmt: skip
    assert await priced_at(running, booking.id, 3, msk(3, 12), 2) == (  # dark: 3000
        200_000, [("hall", 300_000), ("discount", -100_000)],
    )  # fmt: skip


async def test_a_code_for_one_hall_takes_off_what_it_took_in_another(running: Running) -> None:
    """Half off in the dark hall only: moved to the white hall, dearer, the booking keeps the
    1500 it had off, not half of the new price; in its own hall the half applies again."""
    async with running.sessionmaker() as session:
        await promo.create_code(session, promo.NewCode("DARKHALF", percent=50, hall_ids=[3]))
        request = asked(msk(3, 12), 2, hall_id=3, promo_code="DARKHALF")
        booking, _ = await hold_booking(session, running.deps, request)
    assert lines_of(booking.price_lines or []) == [("hall", 300_000), ("discount", -150_000)]
    assert await priced_at(running, booking.id, 1, msk(3, 12), 2) == (
        350_000, [("hall", 500_000), ("discount", -150_000)],
    )  # fmt: skip
    assert await priced_at(running, booking.id, 3, msk(3, 12), 3) == (
        225_000, [("hall", 450_000), ("discount", -225_000)],
    )  # fmt: skip


async def test_a_code_for_some_days_and_lengths_follows_them(running: Running) -> None:
    """A fifth off on Thursdays, two hours or more: a Thursday booking made longer keeps the
    fifth; moved to a Friday it keeps the 1000 it had off, not a fifth of the new price;
    made shorter than the code's two hours, a fifth of the shorter time at most."""
    async with running.sessionmaker() as session:
        code = promo.NewCode("THURSDAY", percent=20, weekdays=[3], min_minutes=120)
        await promo.create_code(session, code)
        request = asked(msk(3, 12), 2, promo_code="THURSDAY")
        booking, _ = await hold_booking(session, running.deps, request)
    assert lines_of(booking.price_lines or []) == [("hall", 500_000), ("discount", -100_000)]
    assert await priced_at(running, booking.id, 1, msk(3, 12), 3) == (
        600_000, [("hall", 750_000), ("discount", -150_000)],
    )  # fmt: skip
    assert await priced_at(running, booking.id, 1, msk(4, 12), 3) == (
        650_000, [("hall", 750_000), ("discount", -100_000)],
    )  # fmt: skip
    assert await priced_at(running, booking.id, 1, msk(3, 12), 1) == (
        200_000, [("hall", 250_000), ("discount", -50_000)],
    )  # fmt: skip


async def test_a_booking_made_before_price_lines_gets_them(running: Running) -> None:
    async with running.sessionmaker() as session:
        booking, _ = await hold_booking(session, running.deps, asked(msk(3, 12), 2))
        await session.execute(
            update(Booking).where(Booking.id == booking.id).values(price_lines=None, guests=None)
        )
        await session.commit()
        stored = await session.scalar(select(Booking.price_lines).where(Booking.id == booking.id))
        assert stored is None
    assert await priced_at(running, booking.id, 1, msk(3, 12), 3) == (
        750_000, [("hall", 750_000)],
    )  # fmt: skip
