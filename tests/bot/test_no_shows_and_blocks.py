"""No-shows and blocked clients end to end through the local Bot API server: /noshow after the
start only, the day list and /stats show it, a client past NO_SHOW_LIMIT is offered full
payment only; /block keeps a client from booking in the bot (told to call the studio, their
bookings untouched) until /unblock."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import Booking, Payment
from tests.bot.flows import RU, Studio, button, choose_time, past_extras, picker, to_phone
from tests.support import FakeClock, fetch, make_booking, msk, rows

ADMIN = 720_001
CLIENT = 1001
CALL = "⛔ Онлайн-бронирование для вас недоступно. Позвоните, пожалуйста, в студию: "


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {"admin_ids": [ADMIN]}


async def text_of(studio: Studio, user_id: int, command: str) -> str:
    return str((await studio.send(studio.user(user_id), command)).result["text"])


async def test_no_show_after_the_start_only(studio: Studio, clock: FakeClock) -> None:
    booking = await make_booking(
        studio.sessionmaker, studio.deps, start=msk(1, 12), telegram_id=CLIENT
    )
    text = await text_of(studio, ADMIN, f"/noshow {booking.code}")
    assert text == "Рано: неявку можно отметить только после начала брони."
    assert await text_of(studio, ADMIN, "/noshow") == "Формат: /noshow КОД"
    assert await text_of(studio, ADMIN, "/noshow NOPE42") == "Бронь NOPE42 не найдена."
    clock.now = msk(1, 12, 20)
    text = await text_of(studio, ADMIN, f"/noshow {booking.code.lower()}")
    assert text == (
        f"🚷 Бронь {booking.code} отмечена как неявка; деньги не возвращаются.\n"
        "Неявок у клиента: 1 (предел 2)."
    )
    after = await fetch(studio.sessionmaker, Booking, booking.id)
    assert (after.status, after.paid, after.refunded) == ("no_show", 250_000, 0)
    text = await text_of(studio, ADMIN, f"/noshow {booking.code}")
    assert text == "Нельзя: бронь уже отмечена как неявка."
    assert await text_of(studio, ADMIN, f"/cancel {booking.code} поздно") == (
        "Нельзя: бронь уже отмечена как неявка."
    )
    day = await text_of(studio, ADMIN, "/today")
    assert booking.code in day and "🚷 неявка" in day
    stats = await text_of(studio, ADMIN, "/stats 2026-12-01 2026-12-01")
    assert "Неявки: 1" in stats
    [event] = [e for e in await studio_events(studio) if e[0] == "booking.no_show"]
    assert event[1]["admin_id"] == ADMIN


async def studio_events(studio: Studio) -> list[tuple[str, dict[str, Any]]]:
    from db.outbox import Event

    return [(e.type, e.payload) for e in await rows(studio.sessionmaker, Event)]


async def test_past_the_limit_only_full_payment_is_offered(
    studio: Studio, clock: FakeClock
) -> None:
    missed = [
        await make_booking(
            studio.sessionmaker, studio.deps, start=msk(1, 10), hall_id=hall_id,
            telegram_id=CLIENT,
        )
        for hall_id in (1, 2)
    ]  # fmt: skip
    clock.now = msk(1, 10, 30)
    await text_of(studio, ADMIN, f"/noshow {missed[0].code}")
    text = await text_of(studio, ADMIN, f"/noshow {missed[1].code}")
    assert text.endswith(
        "Неявок у клиента: 2 (предел 2).\nТеперь этот клиент оплачивает онлайн всю сумму."
    )
    anna = studio.user(CLIENT)
    await studio.send(anna, "/start")
    await studio.press(anna, RU["book"])
    await studio.press(anna, button(anna, RU["hall"]))
    await studio.press(anna, "3")
    await choose_time(studio, anna, "12:00")
    await studio.press(anna, "2 ч")
    await past_extras(studio, anna)
    summary = picker(anna)
    assert summary["text"].endswith("Стоимость: 5\xa0000\xa0₽\n\nКак будете оплачивать?")
    assert "Предоплата" not in str(anna.buttons(summary))
    assert "Предоплата" not in summary["text"]
    await studio.press(anna, button(anna, RU["full"]))
    await studio.press(anna, "ЮKassa")
    await studio.press(anna, RU["skip"])
    await anna.send_contact("+79991234567")
    await studio.tg.wait_for(
        lambda call: str(call.params.get("text", "")).startswith("⏳"), ok=True
    )
    held = [b for b in await studio.bookings() if b.status == "pending_payment"]
    assert [(b.payment_mode, b.prepay_amount, b.total) for b in held] == [
        ("full", 500_000, 500_000)
    ]
    [payment] = await rows(studio.sessionmaker, Payment, Payment.booking_id == held[0].id)
    assert payment.amount == 500_000


async def test_blocked_client_cannot_book_until_unblocked(studio: Studio) -> None:
    booking = await make_booking(
        studio.sessionmaker, studio.deps, start=msk(3, 12), telegram_id=CLIENT
    )
    anna = studio.user(CLIENT)
    text = await text_of(studio, ADMIN, f"/block {CLIENT} хамство")
    assert text.startswith("⛔ Заблокирован: +79991234567, Telegram 1001.")
    assert text.endswith(f"Отменить: /unblock {CLIENT}")
    assert (await text_of(studio, CLIENT, "/book")) == CALL + "+7 495 000-00-00"
    await studio.send(anna, "/start")
    await studio.press(anna, RU["book"])
    assert picker(anna)["text"] == CALL + "+7 495 000-00-00"
    assert (await fetch(studio.sessionmaker, Booking, booking.id)).status == "confirmed"
    text = await text_of(studio, ADMIN, f"/unblock {booking.code}")
    assert text == "✅ Разблокирован: +79991234567, Telegram 1001. Снова может бронировать."
    assert await text_of(studio, ADMIN, f"/unblock {CLIENT}") == "Этот клиент не заблокирован."
    assert (await text_of(studio, CLIENT, "/book")) != CALL + "+7 495 000-00-00"


async def test_blocked_while_booking_is_told_at_the_hold(studio: Studio) -> None:
    anna = studio.user(CLIENT)
    await to_phone(studio, anna)
    assert (await text_of(studio, ADMIN, "/block +79991234567")).startswith("⛔ Заблокирован")
    await anna.send_contact("+79991234567")
    call = await studio.tg.wait_for(
        lambda call: str(call.params.get("text", "")).startswith("⛔"), ok=True
    )
    assert call.params["text"] == CALL + "+7 495 000-00-00"
    assert await studio.bookings() == []
    assert button(anna, "‹")
