"""Admins and selling in the bot: promo codes made, listed and disabled by commands; a
booking's guests, add-ons and discount in /booking and the day list; /stats adds add-on
revenue and discounts given."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.cash import confirm_by_hand
from booking.deps import BookingDeps
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.pricing import AddonWanted
from settings import Settings
from tests.bot.admin_polling import ask

# The admin commands' fixtures: the fake Bot API's options, an admin, the admin router polling.
from tests.bot.test_admin_commands import admin, polling, telegram_options  # noqa: F401
from tests.fakes.telegram_api import FakeTelegram, FakeUser
from tests.support import msk


async def sold_booking(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, promo: str | None
) -> str:
    request = HoldRequest(
        hall_id=1,
        start=msk(3, 12),
        end=msk(3, 12) + timedelta(hours=2),
        payment_mode=PaymentMode.PREPAY,
        client=ClientInfo(name="Анна", phone="+79991234567"),
        source=Source.WEB,
        guests=6,
        addons=(AddonWanted("makeup", 2),),
        promo_code=promo,
    )
    async with sessionmaker() as session:
        booking, _ = await hold_booking(session, deps, request)
        await confirm_by_hand(session, deps, booking.id, None, "test")
        return booking.code


async def test_promo_commands_and_what_a_booking_sold(
    tg: FakeTelegram,  # noqa: F811
    admin: FakeUser,  # noqa: F811
    polling: None,  # noqa: F811
    settings: Settings,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    made = await ask(tg, admin, "/promo bday20 20% 5 2026-12-01 2026-12-31")
    assert made == "🏷 Промокод создан: BDAY20 −20% · использован 0/5 · 2026-12-01 — 2026-12-31"
    assert (await ask(tg, admin, "/promo BDAY20 10%")) == "Такой промокод уже есть: /promos"
    assert (await ask(tg, admin, "/promo SALE 120%")).startswith("Формат: /promo")

    code = await sold_booking(sessionmaker, deps, "BDAY20")
    card = await ask(tg, admin, f"/booking {code}")
    assert (
        "👥 6 · Гримёрное место × 2: 1 200 ₽ · Гости сверх 4: 2: 2 000 ₽ · "
        "Промокод BDAY20: −1 640 ₽" in card
    ), card
    day = await ask(tg, admin, "/day 2026-12-03")
    assert "Промокод BDAY20: −1 640 ₽" in day
    stats = await ask(tg, admin, "/stats 2026-12")
    assert "Доп. услуги: 1 200 ₽; скидки: 1 640 ₽" in stats, stats

    listed = await ask(tg, admin, "/promos")
    assert "BDAY20 −20% · использован 1/5" in listed
    off = await ask(tg, admin, "/promo_off bday20")
    assert off.startswith("🚫 Промокод отключён: BDAY20") and off.endswith("(отключён)")
    assert (await ask(tg, admin, "/promo_off NOPE")) == "Промокода NOPE нет: /promos"


async def test_certificate_command_issues_one_and_reads_its_balance(
    tg: FakeTelegram,  # noqa: F811
    admin: FakeUser,  # noqa: F811
    polling: None,  # noqa: F811
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    made = await ask(tg, admin, "/certificate 3000")
    first, second = made.splitlines()
    assert first.startswith("🎁 Подарочный сертификат выпущен: ")
    assert second == "Остаток: 3 000 ₽ · действует до 01.12.2027"
    code = first.rsplit(" ", 1)[1]
    request = HoldRequest(
        hall_id=1,
        start=msk(3, 12),
        end=msk(3, 13),
        payment_mode=PaymentMode.PREPAY,
        client=ClientInfo(name="Анна", phone="+79991234567"),
        source=Source.WEB,
        certificate_code=code,
    )
    async with sessionmaker() as session:
        booking, _ = await hold_booking(session, deps, request)
        assert booking.status == "confirmed"
    card = await ask(tg, admin, f"/booking {booking.code}")
    assert f"Подарочный сертификат {code}: −2 500 ₽" in card, card
    read = await ask(tg, admin, f"/certificate {code.lower().replace('-', ' ')}")
    assert read.splitlines()[1].startswith("Остаток: 500 ₽")
    nope = await ask(tg, admin, "/certificate AAAA-BBBB-CCCC")
    assert nope == "Подарочного сертификата с таким кодом нет."
    assert (await ask(tg, admin, "/certificate")).startswith("Формат: /certificate")
    assert (await ask(tg, admin, "/certificate 0")) == "Неверная сумма: можно от 0 до 1 000 000 ₽."
