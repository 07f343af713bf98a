"""The owners' studio commands end to end: the real aiogram Bot and Dispatcher polling the
fake Bot API over HTTP, the admin router, and the studio's use cases on a real database.
Admins who are not owners are refused; a change bookings stand in the way of names them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.availability import hall_availability
from booking.deps import BookingDeps
from db.models import Hall, StudioHours
from db.outbox import Event
from db.sales import Addon, StudioRules
from settings import Settings
from tests.bot.admin_polling import UNKNOWN, admin_router_polled, ask
from tests.fakes.telegram_api import FakeTelegram
from tests.support import fetch, make_booking, msk, rows

OWNER = 710_001
ADMIN = 710_002
STRANGER = 710_003


@pytest.fixture
def telegram_options() -> dict[str, Any]:
    # Replies to one admin follow each other fast, like answers to typed commands.
    return {"chat_burst": 100}


@pytest.fixture
async def polling(
    tg: FakeTelegram,
    settings: Settings,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[None]:
    settings.bot.admin_ids = [ADMIN]
    settings.bot.owner_ids = [OWNER]
    async with admin_router_polled(tg, settings, deps, sessionmaker):
        yield


async def studio_events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Event]:
    return await rows(sessionmaker, Event, Event.type == "studio.changed")


async def starts(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, hall_id: int, day: date
) -> list[str]:
    async with sessionmaker() as session:
        _, days = await hall_availability(session, deps, hall_id, day, day)
    return [f"{s.astimezone(deps.rules.tz):%H:%M}" for s in days[0].starts]


@pytest.mark.usefixtures("polling")
async def test_owner_changes_the_hours_of_a_weekday_and_of_dates(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    owner = tg.user(OWNER, first_name="Ирина")
    shown = await ask(tg, owner, "/hours")
    assert "Часы работы" in shown and "Чт 09:00–22:00" in shown
    reply = await ask(tg, owner, "/hours чт 11:00-20:00")
    assert "Часы работы изменены" in reply and "Чт 11:00–20:00" in reply
    thursday = await starts(sessionmaker, deps, 1, date(2026, 12, 3))
    assert thursday[0] == "11:00" and thursday[-1] == "19:00"
    reply = await ask(tg, owner, "/hours 2026-12-04 10:00-16:00")
    assert "2026-12-04 10:00–16:00" in reply
    assert (await starts(sessionmaker, deps, 1, date(2026, 12, 4)))[-1] == "15:00"
    reply = await ask(tg, owner, "/hours 05.12.2026 закрыто")
    assert "2026-12-05 выходной" in reply
    assert await starts(sessionmaker, deps, 1, date(2026, 12, 5)) == []
    reply = await ask(tg, owner, "/hours 2026-12-05 обычно")
    assert "2026-12-05" not in reply
    assert (await starts(sessionmaker, deps, 1, date(2026, 12, 5)))[0] == "10:00"
    reply = await ask(tg, owner, "/hours sun closed")
    assert "Вс выходной" in reply
    events = await studio_events(sessionmaker)
    assert len(events) == 5 and {e.payload["by"] for e in events} == {OWNER}
    assert "Как пользоваться" in await ask(tg, owner, "/hours thu 20:00")
    assert "Не принято" in await ask(tg, owner, "/hours thu 20:00-10:00")
    assert len(await studio_events(sessionmaker)) == 5


@pytest.mark.usefixtures("polling")
async def test_hours_that_would_strand_a_booking_are_refused_with_its_code(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))
    owner = tg.user(OWNER)
    reply = await ask(tg, owner, "/hours thu 13:00-22:00")
    assert "Не изменено" in reply and booking.code in reply
    reply = await ask(tg, owner, "/hours 2026-12-03 closed")
    assert booking.code in reply
    assert await studio_events(sessionmaker) == []
    assert "Чт 09:00–22:00" in await ask(tg, owner, "/hours")


@pytest.mark.usefixtures("polling")
async def test_owner_changes_a_hall(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    owner = tg.user(OWNER)
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), hall_id=2)
    reply = await ask(tg, owner, "/hall 3 price 2000")
    assert "цена часа 2 000 ₽" in reply and "сохраняют свою цену" in reply
    assert (await fetch(sessionmaker, Hall, 3)).hourly_price == 200_000
    assert "минимальная бронь 90 мин" in await ask(tg, owner, "/hall white min 90")
    assert "перерыв после брони 30 мин" in await ask(tg, owner, "/hall white buffer 30")
    assert "вместимость 10" in await ask(tg, owner, "/hall white capacity 10")
    white = await fetch(sessionmaker, Hall, 1)
    assert (white.min_minutes, white.buffer_minutes, white.capacity) == (90, 30, 10)
    assert "вместимость не указана" in await ask(tg, owner, "/hall white capacity none")
    reply = await ask(tg, owner, "/hall 2 hide")
    assert "Не скрыт" in reply and booking.code in reply and "/hall 2 hide force" in reply
    assert (await fetch(sessionmaker, Hall, 2)).active
    assert "скрыт от клиентов" in await ask(tg, owner, "/hall 2 hide force")
    assert not (await fetch(sessionmaker, Hall, 2)).active
    assert (await fetch(sessionmaker, type(booking), booking.id)).status == "confirmed"
    assert "снова виден" in await ask(tg, owner, "/hall 2 show")
    assert "Не принято" in await ask(tg, owner, "/hall 1 min 50")
    assert "Зала 9 нет" in await ask(tg, owner, "/hall 9 price 100")
    assert "Как пользоваться" in await ask(tg, owner, "/hall 1 colour red")
    assert "Как пользоваться" in await ask(tg, owner, "/hall 1 price abc")
    events = await studio_events(sessionmaker)
    assert len(events) == 7 and all(e.payload["by"] == OWNER for e in events)


@pytest.mark.usefixtures("polling")
async def test_owner_changes_an_addon(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    owner = tg.user(OWNER)
    assert "в наличии 3" in await ask(tg, owner, "/addon light-kit stock 3")
    assert "цена 900 ₽" in await ask(tg, owner, "/addon light-kit price 900")
    [kit] = await rows(sessionmaker, Addon, Addon.slug == "light-kit")
    assert (kit.stock, kit.price) == (3, 90_000)
    assert "больше не предлагается" in await ask(tg, owner, "/addon smoke hide")
    assert "количество не ограничено" in await ask(tg, owner, "/addon smoke stock none")
    [smoke] = await rows(sessionmaker, Addon, Addon.slug == "smoke")
    assert not smoke.active and smoke.stock is None
    assert "Допуслуги nothing нет" in await ask(tg, owner, "/addon nothing price 5")


@pytest.mark.usefixtures("polling")
async def test_owner_sets_new_rules(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    owner = tg.user(OWNER)
    reply = await ask(tg, owner, "/rules Без уличной обуви.\n---\nNo street shoes.")
    assert "версия 2026-12-01" in reply
    reply = await ask(tg, owner, "/rules https://studio.example/rules")
    assert "версия 2026-12-01.2" in reply
    versions = await rows(sessionmaker, StudioRules)
    first = next(r for r in versions if r.version == "2026-12-01")
    assert (first.text, first.text_en) == ("Без уличной обуви.", "No street shoes.")
    assert "Как пользоваться" in await ask(tg, owner, "/rules")


@pytest.mark.usefixtures("polling")
async def test_admins_who_are_not_owners_and_strangers_are_refused(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, stranger = tg.user(ADMIN), tg.user(STRANGER)
    for command in ("/hours mon 10:00-12:00", "/hall 1 price 1", "/addon smoke hide",
                    "/rules Новые", "/hours"):  # fmt: skip
        assert "🔒 Это может только владелец студии" in await ask(tg, admin, command), command
        assert await ask(tg, stranger, command) == UNKNOWN
    assert await studio_events(sessionmaker) == []
    assert (await fetch(sessionmaker, Hall, 1)).hourly_price == 250_000


@pytest.mark.usefixtures("polling")
async def test_hours_off_the_grid_or_for_a_past_date_are_refused_in_words(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    owner = tg.user(OWNER)
    reply = await ask(tg, owner, "/hours mon 10:10-22:00")
    assert "по сетке 15 минут" in reply and "код" not in reply
    reply = await ask(tg, owner, "/hours 2026-11-01 10:00-16:00")
    assert "эта дата уже прошла" in reply and "код" not in reply
    assert await studio_events(sessionmaker) == []


@pytest.mark.usefixtures("polling")
async def test_a_studio_file_off_the_grid_still_lets_the_owner_edit_other_days(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    """A studio file may open at 09:50; the owner changes Tuesday and Monday stays as it is.
    Changing Monday itself to a time off the grid is still refused."""
    async with sessionmaker() as session:
        monday = await session.get(StudioHours, 0)
        assert monday is not None
        monday.open_minute = 9 * 60 + 50
        await session.commit()
    owner = tg.user(OWNER)
    reply = await ask(tg, owner, "/hours вт 11:00-20:00")
    assert "Часы работы изменены" in reply, reply
    assert "Пн 09:50" in reply and "Вт 11:00–20:00" in reply
    assert (await starts(sessionmaker, deps, 1, date(2026, 12, 1)))[0] == "11:00"
    reply = await ask(tg, owner, "/hours пн 09:55-22:00")
    assert "по сетке 15 минут" in reply
    assert len(await studio_events(sessionmaker)) == 1


@pytest.mark.usefixtures("polling")
async def test_hours_for_several_weekdays_at_once(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    owner = tg.user(OWNER)
    reply = await ask(tg, owner, "/hours пн-пт 10:00-20:00")
    for day in ("Пн", "Вт", "Ср", "Чт", "Пт"):
        assert f"{day} 10:00–20:00" in reply, reply
    assert "Сб 10:00–20:00" not in reply
    reply = await ask(tg, owner, "/hours сб,вс закрыто")
    assert "Сб выходной" in reply and "Вс выходной" in reply and "Пт 10:00–20:00" in reply
    assert "Как пользоваться" in await ask(tg, owner, "/hours будни 10:00-20:00")
    assert len(await studio_events(sessionmaker)) == 2
