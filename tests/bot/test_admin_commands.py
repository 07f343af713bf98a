"""Admin commands end to end: the real aiogram Bot and Dispatcher polling the fake Bot API
over HTTP, the admin router, and the booking use cases on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiogram.types import BotCommandScopeChat
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking import money_by_hand as ops
from booking.deps import BookingDeps
from booking.domain.calendar import Interval
from booking.errors import BookingRuleError, SlotTakenError
from booking.holds import PaymentMode
from booking.refunds import create_refund
from booking.stats import open_minutes_outside, period_stats
from bot.runner import admin_commands
from db.models import Booking, Closure, Hall, Payment, Refund
from handlers.admin import ADMIN_COMMANDS
from handlers.admin_args import (
    BadArguments,
    parse_date,
    parse_money,
    parse_period,
    parse_stats_range,
)
from settings import Settings
from tests.bot.admin_polling import UNKNOWN, admin_router_polled, ask
from tests.bot.flows import Studio
from tests.fakes.telegram_api import FakeTelegram, FakeUser
from tests.support import MSK, count, fetch, make_booking, msk, pay_online, rows

ADMIN = 700_001
STRANGER = 700_002
ADMIN_EN = 700_003


@pytest.fixture
def telegram_options() -> dict[str, Any]:
    # Replies to one admin follow each other fast, like answers to typed commands.
    return {"chat_burst": 100}


@pytest.fixture
def admin(tg: FakeTelegram) -> FakeUser:
    return tg.user(ADMIN, first_name="Ольга")


@pytest.fixture
def stranger(tg: FakeTelegram) -> FakeUser:
    return tg.user(STRANGER, first_name="Пётр")


@pytest.fixture
async def polling(
    tg: FakeTelegram,
    settings: Settings,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[None]:
    settings.bot.admin_ids = [ADMIN, ADMIN_EN]
    async with admin_router_polled(tg, settings, deps, sessionmaker):
        yield


# ------------------------------------------------------------------------------ parsing


def test_parse_helpers() -> None:
    today = date(2026, 12, 1)
    assert parse_date("2026-12-05", today) == date(2026, 12, 5)
    assert parse_date("05.12.2026", today) == date(2026, 12, 5)
    assert parse_date("завтра", today) == date(2026, 12, 2)
    assert parse_date("2026-13-05", today) is None
    assert parse_date("tomorrowish", today) is None
    assert parse_date("9999-12-31", today) is None and parse_date("31.12.0001", today) is None
    assert parse_money("2500") == 250_000
    assert parse_money("2500,5") == 250_050
    assert parse_money("2500.05₽") == 250_005
    assert parse_money("-5") is None and parse_money("1.234") is None
    assert parse_stats_range([], today) == (date(2026, 12, 1), date(2026, 12, 31))
    assert parse_stats_range(["2027-02"], today) == (date(2027, 2, 1), date(2027, 2, 28))
    assert parse_stats_range(["2026-12-05"], today) == (date(2026, 12, 5), date(2026, 12, 5))
    for bad in (["2026-12-05", "soon"], ["2026-13"], ["a", "b", "c"], ["9999-12"], ["0001-01"]):
        with pytest.raises(BadArguments):
            parse_stats_range(bad, today)


@pytest.mark.parametrize(
    ("tokens", "start", "end", "rest"),
    [
        ("2026-12-05 10:00 18:00 ремонт", msk(5, 10), msk(5, 18), ["ремонт"]),
        ("2026-12-05", msk(5, 0), msk(6, 0), []),
        ("2026-12-05 2026-12-07 force", msk(5, 0), msk(8, 0), ["force"]),
        ("2026-12-05 10:00 2026-12-06 12:00", msk(5, 10), msk(6, 12), []),
        ("05.12.2026 10:00 24:00", msk(5, 10), msk(6, 0), []),
    ],
)
def test_parse_period(tokens: str, start: object, end: object, rest: list[str]) -> None:
    assert parse_period(tokens.split(), date(2026, 12, 1), MSK) == (start, end, rest)


@pytest.mark.parametrize("tokens", ["", "soon", "2026-12-05 10:00", "10:00 18:00"])
def test_parse_period_refuses(tokens: str) -> None:
    with pytest.raises(BadArguments):
        parse_period(tokens.split(), date(2026, 12, 1), MSK)


async def test_admin_commands_fit_the_command_menu(tg: FakeTelegram, admin: FakeUser) -> None:
    bot = tg.make_bot()
    try:
        for lang in ("ru", "en"):
            commands = admin_commands(lang)
            assert [c.command for c in commands] == [name for name, _ in ADMIN_COMMANDS]
            scope = BotCommandScopeChat(chat_id=admin.id)
            await bot.set_my_commands(commands, scope=scope, language_code=lang)
        names = [c["command"] for c in tg.commands({"type": "chat", "chat_id": admin.id}, "en")]
        assert names[:2] == ["today", "day"] and "stats" in names
    finally:
        await bot.session.close()


# ------------------------------------------------------------------------------ access


@pytest.mark.usefixtures("polling")
async def test_non_admin_gets_unknown_command_and_nothing_changes(
    tg: FakeTelegram,
    stranger: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))
    for command in (
        "/today",
        "/admin",
        f"/cancel {booking.code} просто так",
        f"/refund {booking.code} 100",
        "/price white 1",
        "/close all 2026-12-05",
        f"/confirm {booking.code}",
    ):
        assert await ask(tg, stranger, command) == UNKNOWN
    after = await fetch(sessionmaker, Booking, booking.id)
    assert (after.status, after.paid, after.refunded) == ("confirmed", 250_000, 0)
    assert (await fetch(sessionmaker, Hall, 1)).hourly_price == 250_000
    assert await count(sessionmaker, Closure) == 1  # only the studio file's New Year


@pytest.mark.usefixtures("polling")
async def test_admin_in_a_group_is_not_served(tg: FakeTelegram, admin: FakeUser) -> None:
    group = tg.group(-100_500)
    await admin.send_text("/today", chat_id=group)
    call = await tg.wait_for("sendMessage", chat_id=group)
    assert call.result["text"] == UNKNOWN


# ------------------------------------------------------------------------------ reading


@pytest.mark.usefixtures("polling")
async def test_help_lists_commands_and_halls(tg: FakeTelegram, admin: FakeUser) -> None:
    text = await ask(tg, admin, "/admin")
    assert "/today" in text and "/stats" in text and "/close" in text
    assert "white" in text and "Белый зал" in text and "2 500 ₽/ч" in text
    english = tg.user(ADMIN_EN, first_name="Ann", language_code="en")
    text = await ask(tg, english, "/admin")
    assert text.startswith("Admin commands\n/today — today's bookings")
    assert "White hall · 2,500 ₽/h" in text
    assert await ask(tg, english, "/day soon") == "Usage: /day 2026-12-05"


@pytest.mark.usefixtures("polling")
async def test_today_and_day(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    confirmed = await make_booking(sessionmaker, deps, start=msk(1, 12), name="Анна <b>")
    held = await make_booking(sessionmaker, deps, start=msk(1, 15), hall_id=2, paid=None)
    later = await make_booking(sessionmaker, deps, start=msk(3, 10), hall_id=3)
    text = await ask(tg, admin, "/today")
    assert text.startswith("Брони на 01.12.2026 (2)")
    assert confirmed.code in text and held.code in text and later.code not in text
    assert "12:00–14:00 · Белый зал" in text and "Анна <b>" in text  # escaped, shown as typed
    assert "ждёт оплаты до 09:15" in text
    assert "Оплачено 2\u00a0500\u00a0₽ из 5\u00a0000\u00a0₽" in text
    text = await ask(tg, admin, "/day 2026-12-03")
    assert later.code in text and confirmed.code not in text
    assert await ask(tg, admin, "/day 04.12.2026") == "На 04.12.2026 броней нет."
    assert await ask(tg, admin, "/day someday") == "Формат: /day 2026-12-05"


@pytest.mark.usefixtures("polling")
async def test_booking_card(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), paid="mock")
    text = await ask(tg, admin, f"/booking {booking.code.lower()}")
    assert text.startswith(f"Бронь {booking.code} — ✅ подтверждена")
    assert "Белый зал, 03.12.2026 12:00–14:00" in text
    assert "Сумма 5 000 ₽, оплачено 2 500 ₽, возвращено 0 ₽, к оплате 2 500 ₽" in text
    assert "тестовая оплата · предоплата · 2 500 ₽ · оплачен" in text
    assert await ask(tg, admin, "/booking NOPE42") == "Бронь NOPE42 не найдена."
    assert await ask(tg, admin, "/booking") == "Формат: /booking КОД"


# ------------------------------------------------------------------------------ money


@pytest.mark.usefixtures("polling")
async def test_confirm_by_hand(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    held = await make_booking(sessionmaker, deps, start=msk(3, 12), paid=None)
    full = await make_booking(sessionmaker, deps, start=msk(3, 12), hall_id=2, paid=None)
    assert await ask(tg, admin, f"/confirm {held.code} lots") == "Формат: /confirm КОД [сумма]"
    assert (await fetch(sessionmaker, Booking, held.id)).status == "pending_payment"
    text = await ask(tg, admin, f"/confirm {held.code}")
    paid = "Оплачено 2\u00a0500\u00a0₽ из 5\u00a0000\u00a0₽."
    assert text == f"✅ Бронь {held.code} подтверждена. {paid}"
    text = await ask(tg, admin, f"/confirm {full.code} 3600")
    assert text.endswith("Оплачено 3\u00a0600\u00a0₽ из 3\u00a0600\u00a0₽.")
    text = await ask(tg, admin, f"/confirm {held.code} 6000")
    assert text == "Неверная сумма: можно от 0 до 2 500 ₽."
    text = await ask(tg, admin, f"/confirm {held.code}")  # the balance, paid at the studio
    assert text.endswith("Оплачено 5\u00a0000\u00a0₽ из 5\u00a0000\u00a0₽.")
    payments = await rows(sessionmaker, Payment, Payment.booking_id == held.id)
    assert [(p.gateway, p.kind, p.amount) for p in payments] == [
        ("cash", "prepayment", 250_000),
        ("cash", "balance", 250_000),
    ]
    for code in (held.code, full.code):
        text = await ask(tg, admin, f"/confirm {code}")
        assert text == "Нечего подтверждать: бронь уже подтверждена и оплачена полностью."


async def test_confirm_of_a_lost_slot_is_refused_and_rolled_back(
    deps: BookingDeps, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    held = await make_booking(sessionmaker, deps, start=msk(3, 12), paid=None)
    deps.clock.advance(minutes=16)  # type: ignore[attr-defined]
    taken = await make_booking(sessionmaker, deps, start=msk(3, 12))
    async with sessionmaker() as session:
        with pytest.raises(SlotTakenError):
            await ops.confirm_paid_by_hand(session, deps, held.code, None, "cash")
        assert not session.in_transaction() or not session.new
    assert await count(sessionmaker, Payment, Payment.booking_id == held.id) == 0
    assert (await fetch(sessionmaker, Booking, taken.id)).status == "confirmed"


@pytest.mark.usefixtures("polling")
async def test_cancel_with_reason_refunds_everything(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # 1 hour before the start a client would get nothing back; an admin refunds it all.
    deps.clock.now = msk(3, 11)  # type: ignore[attr-defined]
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12, 15), paid="mock")
    assert await ask(tg, admin, f"/cancel {booking.code}") == "Формат: /cancel КОД причина"
    assert (await fetch(sessionmaker, Booking, booking.id)).status == "confirmed"
    text = await ask(tg, admin, f"/cancel {booking.code} протечка в зале")
    assert text == f"❌ Бронь {booking.code} отменена. Возврат 2 500 ₽.\nВозврат 2 500 ₽: выполнен"
    after = await fetch(sessionmaker, Booking, booking.id)
    assert (after.status, after.refunded, after.cancel_reason) == (
        "cancelled",
        250_000,
        "протечка в зале",
    )
    text = await ask(tg, admin, f"/cancel {booking.code} ещё раз")
    assert text == "Нельзя: бронь уже отменена."


@pytest.mark.usefixtures("polling")
async def test_refund_an_amount(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))  # 2500 in cash
    async with sessionmaker() as session:  # the balance at the gateway: two payments
        await pay_online(session, deps, booking.id)
    for bad in (f"/refund {booking.code}", f"/refund {booking.code} много", "/refund"):
        assert await ask(tg, admin, bad) == "Формат: /refund КОД сумма|all [причина]"
    text = await ask(tg, admin, f"/refund {booking.code} 6000")
    assert text == "Слишком большая сумма: вернуть можно не больше 5 000 ₽."
    # 3000 ₽: 2500 from the newest (the gateway's) payment, 500 from the cash one.
    text = await ask(tg, admin, f"/refund {booking.code} 3000 не работал свет")
    assert text == (f"↩️ Бронь {booking.code}:\nВозврат 2 500 ₽: выполнен\nВозврат 500 ₽: выполнен")
    refunds = await rows(sessionmaker, Refund, Refund.booking_id == booking.id)
    assert sorted(r.amount for r in refunds) == [50_000, 250_000]
    assert {r.reason for r in refunds} == {"не работал свет"}
    after = await fetch(sessionmaker, Booking, booking.id)
    assert (after.status, after.paid, after.refunded) == ("confirmed", 500_000, 300_000)
    text = await ask(tg, admin, f"/refund {booking.code} all")
    assert text.endswith("Возврат 2 000 ₽: выполнен")
    assert await ask(tg, admin, f"/refund {booking.code} all") == (
        "По этой брони нечего возвращать."
    )


@pytest.mark.usefixtures("polling")
async def test_settle_a_refund_in_doubt(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A refund the service cannot tell was made, settled from the cabinet by command."""
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), paid=None)
    async with sessionmaker() as session:
        await pay_online(session, deps, booking.id)
    [payment] = await rows(sessionmaker, Payment, Payment.booking_id == booking.id)
    async with sessionmaker() as session:
        held = await session.get(Booking, booking.id)
        paid = await session.get(Payment, payment.id)
        assert held is not None and paid is not None
        first = await create_refund(session, deps, held, paid, 100_000, "in doubt")
        second = await create_refund(session, deps, held, paid, 50_000, "in doubt too")
        for refund in (first, second):  # as an attempt stamps it, on the service's clock
            refund.updated_at = deps.now()
        await session.commit()
    for bad in ("/settle", "/settle x да", f"/settle {first.id} может"):
        assert await ask(tg, admin, bad) == "Формат: /settle ID да|нет [примечание]"
    assert await ask(tg, admin, f"/settle {first.id} да") == (
        f"По возврату #{first.id} ещё может идти запрос; повторите через минуту."
    )
    deps.clock.advance(minutes=2)  # type: ignore[attr-defined]
    assert await ask(tg, admin, "/settle 999999 да") == "Возврата #999999 нет."
    assert await ask(tg, admin, f"/settle {first.id} да в кабинете") == (
        f"☑️ Возврат #{first.id} на 1 000 ₽ отмечен как сделанный."
    )
    assert await ask(tg, admin, f"/settle {second.id} нет") == (
        f"☑️ Возврат #{second.id} на 500 ₽ отменён: сумму можно вернуть снова."
    )
    assert await ask(tg, admin, f"/settle {first.id} нет") == (
        f"Возврат #{first.id} уже завершён."
    )
    after = await fetch(sessionmaker, Booking, booking.id)
    assert after.refunded == 100_000
    settled = await fetch(sessionmaker, Refund, first.id)
    assert (settled.status, (settled.raw or {}).get("note")) == ("succeeded", "в кабинете")
    freed = await fetch(sessionmaker, Payment, payment.id)
    assert freed.refunded == 100_000  # the cancelled one's 500 ₽ is free again


# ------------------------------------------------------------------------------ closures


@pytest.mark.usefixtures("polling")
async def test_close_refuses_over_bookings_then_forced_then_reopened(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(5, 12), name="Вера")
    text = await ask(tg, admin, "/close white 2026-12-05 10:00 18:00 ремонт <срочно> & покраска")
    assert text.startswith("Период пересекается с бронями:\n05.12 12:00–14:00 · Белый зал")
    assert booking.code in text and "Вера" in text
    # The typed reason comes back in the command to copy, as typed (escaped in the HTML).
    forced = "/close white 2026-12-05 10:00 2026-12-05 18:00 force ремонт <срочно> & покраска"
    assert text.endswith(forced)
    assert await count(sessionmaker, Closure) == 1
    # Another hall that day has no booking: closed at once.
    text = await ask(tg, admin, "/close loft 2026-12-05 ремонт")
    assert text.startswith("🚫 Закрыто: Лофт, 05.12.2026 00:00 – 06.12.2026 00:00.")
    text = await ask(tg, admin, forced)
    assert text.startswith("🚫 Закрыто: Белый зал, 05.12.2026 10:00–18:00. Номер закрытия: ")
    assert "остались" in text and booking.code in text
    closures = await rows(sessionmaker, Closure, Closure.hall_id == 1)
    assert [(c.start_at, c.end_at, c.reason) for c in closures] == [
        (msk(5, 10), msk(5, 18), "ремонт <срочно> & покраска")
    ]
    assert (await fetch(sessionmaker, Booking, booking.id)).status == "confirmed"
    listed = await ask(tg, admin, "/closures")
    line = f"{closures[0].id} · Белый зал · 05.12.2026 10:00–18:00 — ремонт <срочно> & покраска"
    assert line in listed
    assert "вся студия · 31.12.2026 18:00 – 02.01.2027 10:00" in listed
    text = await ask(tg, admin, f"/reopen {closures[0].id}")
    assert text == f"✅ Закрытие {closures[0].id} снято: Белый зал, 05.12.2026 10:00–18:00."
    assert await count(sessionmaker, Closure, Closure.hall_id == 1) == 0
    assert await ask(tg, admin, "/reopen 999") == "Закрытие 999 не найдено. Список: /closures"
    assert (await ask(tg, admin, "/close white 2026-12-05 10:00")).startswith("Формат: /close")
    assert await ask(tg, admin, "/close attic 2026-12-05") == "Зал attic не найден. Залы: /admin"
    for impossible in ("/reopen 2147483648", "/reopen ١٢", "/close all 9999-12-31"):
        assert (await ask(tg, admin, impossible)).startswith("Формат: /")
    assert await ask(tg, admin, "/close all 2026-11-20") == "Этот период уже прошёл."


@pytest.mark.usefixtures("polling")
async def test_closed_studio_cannot_be_booked(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    text = await ask(tg, admin, "/close all 2026-12-07 санитарный день")
    assert text.startswith("🚫 Закрыто: вся студия, 07.12.2026 00:00 – 08.12.2026 00:00.")
    with pytest.raises(BookingRuleError) as refused:
        await make_booking(sessionmaker, deps, start=msk(7, 12), hall_id=3)
    assert refused.value.code == "closed"


# ------------------------------------------------------------------------------ prices


@pytest.mark.usefixtures("polling")
async def test_price_change_keeps_recorded_totals(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = await make_booking(sessionmaker, deps, start=msk(3, 12), paid=None)
    text = await ask(tg, admin, "/price white 2800")
    assert text == "💰 Белый зал: 2 500 → 2 800 ₽/ч. Прежние брони сохраняют свою сумму."
    assert await ask(tg, admin, "/price 1 0") == "Формат: /price зал 2800"
    assert await ask(tg, admin, "/price 1") == "Формат: /price зал 2800"
    assert (await fetch(sessionmaker, Hall, 1)).hourly_price == 280_000
    assert (await fetch(sessionmaker, Booking, before.id)).total == 500_000
    after = await make_booking(sessionmaker, deps, start=msk(4, 10), paid=None)
    assert after.total == 560_000


# ------------------------------------------------------------------------------ stats


async def _stats_bookings(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    # White 2 h paid 2500 (prepay); loft 2 h paid 3600 in full then 1000 refunded;
    # dark 2 h paid 1500 then cancelled (all refunded); one hold that expires.
    await make_booking(sessionmaker, deps, start=msk(2, 12))
    loft = await make_booking(
        sessionmaker, deps, start=msk(2, 10), hall_id=2, mode=PaymentMode.FULL
    )
    dark = await make_booking(sessionmaker, deps, start=msk(2, 15), hall_id=3, paid="mock")
    await make_booking(sessionmaker, deps, start=msk(2, 18), hall_id=2, paid=None)
    async with sessionmaker() as session:
        await ops.refund_booking(session, deps, loft.code, 100_000, "свет")
        await ops.cancel_by_admin(session, deps, dark.code, "болезнь")
    deps.clock.advance(minutes=20)  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        from booking.lapsing import expire_holds

        await expire_holds(session, deps)


async def test_period_stats_numbers(
    deps: BookingDeps, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _stats_bookings(sessionmaker, deps)
    async with sessionmaker() as session:
        stats = await period_stats(session, deps, date(2026, 12, 2), date(2026, 12, 2))
    assert stats.by_status == {"confirmed": 2, "cancelled": 1, "expired": 1}
    assert (stats.paid, stats.refunded, stats.revenue) == (760_000, 250_000, 510_000)
    assert stats.refunds == 2 and stats.refunds_pending == 0
    occupancy = {h.hall.slug: (h.booked_minutes, h.open_minutes) for h in stats.halls}
    assert occupancy == {"white": (120, 780), "loft": (120, 780), "dark": (0, 780)}


def test_open_minutes_outside_overlapping_closures() -> None:
    day = Interval(msk(5, 9), msk(5, 22))
    blocks = [
        Interval(msk(5, 8), msk(5, 10)),
        Interval(msk(5, 12), msk(5, 14)),
        Interval(msk(5, 13), msk(5, 15)),
        Interval(msk(5, 21), msk(6, 1)),
    ]
    assert open_minutes_outside(day, blocks) == 13 * 60 - 60 - 180 - 60
    assert open_minutes_outside(day, []) == 780


@pytest.mark.usefixtures("polling")
async def test_stats_command(
    tg: FakeTelegram,
    admin: FakeUser,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _stats_bookings(sessionmaker, deps)
    text = await ask(tg, admin, "/stats 2026-12-02 2026-12-02")
    assert text.startswith("Статистика за 02.12.2026 — 02.12.2026 (по дате съёмки)")
    assert "Брони: 4 — подтверждено 2, отменено 1, ждут оплаты 0, истекли 1" in text
    assert "Оплачено: 7 600 ₽\nВозвраты: 2 на 2 500 ₽\nВыручка: 5 100 ₽" in text
    assert "Белый зал: 15% — 2 ч из 13 ч" in text and "Тёмный зал: 0% — 0 ч из 13 ч" in text
    month = await ask(tg, admin, "/stats")
    assert month.startswith("Статистика за 01.12.2026 — 31.12.2026")
    assert await ask(tg, admin, "/stats 2026-12-31 2026-12-01") == (
        "Неверный период: конец раньше начала."
    )
    assert await ask(tg, admin, "/stats soon") == "Формат: /stats 2026-12-01 2026-12-31"


# ------------------------------------------------------------------------------ the service


@pytest.fixture
def bot_env() -> dict[str, object]:
    return {"admin_ids": [ADMIN, ADMIN_EN]}


async def test_in_the_real_service(studio: Studio) -> None:
    """main.build_service wiring: the client routers, the admin router, the command menus
    and the notification jobs, with a non-admin refused by the real "unknown command"."""
    tg = studio.tg
    admin, stranger, anna = studio.user(ADMIN), studio.user(STRANGER), studio.user(1001)
    admin_menu = [c["command"] for c in tg.commands({"type": "chat", "chat_id": ADMIN})]
    assert {"start", "today", "cancel", "stats"} <= set(admin_menu)
    assert "today" not in [c["command"] for c in tg.commands()]
    # /help is the client menu's, for admins too; the admin's errors point to /admin.
    assert "/today" not in (await studio.send(admin, "/help")).result["text"]
    hint = (await studio.send(admin, "/price attic 2000")).result["text"]
    assert hint == "Зал attic не найден. Залы: /admin"
    assert "Белый зал" in (await studio.send(admin, "/admin")).result["text"]
    booking = await make_booking(
        studio.sessionmaker, studio.deps, start=msk(1, 12), telegram_id=anna.id
    )
    await studio.deliver()  # the confirmation to Anna, the admins' notices
    reply = (await studio.send(stranger, f"/cancel {booking.code} просто так")).result["text"]
    assert reply.startswith("Неизвестная команда")
    assert (await fetch(studio.sessionmaker, Booking, booking.id)).status == "confirmed"
    assert booking.code in (await studio.send(admin, "/today")).result["text"]
    reply = (await studio.send(admin, f"/cancel {booking.code} протечка")).result["text"]
    assert reply.startswith(f"❌ Бронь {booking.code} отменена. Возврат 2 500 ₽.")
    await studio.deliver()
    notices = ("💳 Оплачена бронь", "❌ Отменена бронь")  # a hold is not news
    told = [m["text"] for m in tg.messages(ADMIN) if m.get("text", "").startswith(notices)]
    assert [t.split(booking.code)[0] for t in told] == [f"{n} " for n in notices]
    cancelled = [m for m in tg.messages(anna.id) if "отменена" in m.get("caption", "")]
    assert tg.document(cancelled[0]).file_name == f"booking-{booking.code}.ics"
