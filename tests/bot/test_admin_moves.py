"""`/move CODE DATE TIME [hall]` end to end through the local Bot API server: an admin moves
any booking, with no cutoff or limit; a stranger's /move is an unknown command."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db.models import Booking
from db.outbox import Event
from tests.bot import test_admin_commands as base
from tests.bot.admin_polling import UNKNOWN, ask
from tests.bot.test_admin_commands import ADMIN
from tests.fakes.telegram_api import FakeTelegram, FakeUser
from tests.support import fetch, make_booking, msk

# The admin commands' fixtures: the fake Bot API's options, an admin, a stranger, the
# polling bot.
telegram_options, admin, stranger = base.telegram_options, base.admin, base.stranger
polling = base.polling
pytestmark = pytest.mark.usefixtures("polling")


async def test_an_admin_moves_a_booking_and_the_event_names_them(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))  # prepayment in cash
    text = await ask(tg, admin, f"/move {booking.code} 2026-12-04 15:00")
    moved_to = f"🔁 Бронь {booking.code} перенесена: Белый зал, 04.12.2026 15:00"
    assert text.startswith(moved_to), text
    assert "Оплачено 2\u00a0500\u00a0₽ из 5\u00a0000\u00a0₽. К оплате: 2 500 ₽." in text
    moved = await fetch(sessionmaker, Booking, booking.id)
    assert moved.start_at == msk(4, 15) and moved.end_at == msk(4, 17)
    async with sessionmaker() as session:
        events = (await session.scalars(select(Event).where(Event.type == "booking.moved"))).all()
    assert [e.payload["by"] for e in events] == [f"admin:{ADMIN}"]

    # Again, to another hall, within the client's cutoff: no limits for an admin.
    text = await ask(tg, admin, f"/move {booking.code} 03.12.2026 10:00 loft")
    assert "Лофт" in text or "loft" in text.lower(), text
    moved = await fetch(sessionmaker, Booking, booking.id)
    assert (moved.hall_id, moved.start_at) == (2, msk(3, 10))


async def test_refusals_say_why_and_change_nothing(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))
    await make_booking(sessionmaker, deps, start=msk(4, 15), name="Борис")
    assert await ask(tg, admin, f"/move {booking.code} 2026-12-04 15:00") == (
        "Нельзя перенести: время занято другой бронью."
    )
    assert await ask(tg, admin, f"/move {booking.code} 2026-12-04 23:00") == (
        "Нельзя перенести: это время вне часов работы."
    )
    assert await ask(tg, admin, f"/move {booking.code} soon") == (
        "Формат: /move КОД 2026-12-05 15:00 [зал]"
    )
    assert await ask(tg, admin, "/move NOSUCH 2026-12-04 10:00") == "Бронь NOSUCH не найдена."
    after = await fetch(sessionmaker, Booking, booking.id)
    assert after.start_at == msk(3, 12) and after.hall_id == 1


async def test_a_stranger_cannot_move(
    tg: FakeTelegram,
    stranger: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))
    assert await ask(tg, stranger, f"/move {booking.code} 2026-12-04 15:00") == UNKNOWN
    assert (await fetch(sessionmaker, Booking, booking.id)).start_at == msk(3, 12)


async def test_a_move_to_a_hall_too_small_is_refused(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    loft = await make_booking(sessionmaker, deps, start=msk(3, 12), hall_id=2, guests=10)
    assert await ask(tg, admin, f"/move {loft.code} 2026-12-04 12:00 dark") == (
        "Нельзя перенести: этот зал вмещает меньше гостей, чем указано в брони."
    )  # the dark hall takes six
    after = await fetch(sessionmaker, Booking, loft.id)
    assert (after.hall_id, after.start_at) == (2, msk(3, 12))


async def test_a_move_by_half_an_hour_or_to_another_hall_by_its_name(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))  # white, 12:00-14:00
    await make_booking(sessionmaker, deps, start=msk(3, 15), name="Борис")
    text = await ask(tg, admin, f"/move {booking.code} 2026-12-03 12:30")  # over its own time
    assert text.startswith(f"🔁 Бронь {booking.code} перенесена: Белый зал, 03.12.2026 12:30")
    assert await ask(tg, admin, f"/move {booking.code} 2026-12-03 13:30") == (
        "Нельзя перенести: время занято другой бронью."
    )  # Boris's 15:00 is still in the way of 13:30-15:30
    assert await ask(tg, admin, f"/move {booking.code} 2026-12-03 12:30 attic") == (
        "Зал attic не найден. Залы: /admin"
    )
    text = await ask(tg, admin, f"/move {booking.code} 2026-12-03 13:00 2")  # the loft by id
    assert text.startswith(f"🔁 Бронь {booking.code} перенесена: Лофт, 03.12.2026 13:00"), text
    moved = await fetch(sessionmaker, Booking, booking.id)
    assert (moved.hall_id, moved.start_at, moved.end_at) == (2, msk(3, 13), msk(3, 15))
