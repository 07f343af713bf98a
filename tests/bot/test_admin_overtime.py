"""`/overtime CODE MINUTES` in the real service through the local Bot API server: the admin
records it after the session, the client gets the payment link in the chat, the booking card
shows it unpaid until the client pays; a stranger's /overtime is an unknown command."""

from __future__ import annotations

import re

import pytest

from booking.change_making import Actor
from booking.changes import extend
from tests.bot.flows import Studio, book_and_pay

ADMIN, STRANGER = 700_001, 700_002


@pytest.fixture
def bot_env() -> dict[str, object]:
    return {"admin_ids": [ADMIN]}


async def test_overtime_goes_to_the_client_as_a_link(studio: Studio) -> None:
    admin, stranger, anna = studio.user(ADMIN), studio.user(STRANGER), studio.user(1001)
    await book_and_pay(studio, anna)  # Thursday 3 Dec 12:00-14:00 in the white hall
    code = (await studio.bookings())[0].code
    studio.clock.advance(days=2, hours=6)  # 15:00 that day, an hour after its end
    reply = (await studio.send(stranger, f"/overtime {code} 40")).result["text"]
    assert reply.startswith("Неизвестная команда")
    assert (await studio.send(admin, f"/overtime {code} 3")).result["text"] == (
        "Переработки нет: это в пределах льготных минут."
    )
    assert (await studio.send(admin, f"/overtime {code} soon")).result["text"] == (
        "Формат: /overtime КОД 30"
    )
    reply = (await studio.send(admin, f"/overtime {code} 40")).result["text"]
    assert reply.startswith(f"⏱ Переработка 40 мин по брони {code}: 2 500 ₽."), reply
    card = (await studio.send(admin, f"/booking {code}")).result["text"]
    assert "⏱ Не оплачены изменение или переработка: 2 500 ₽" in card

    await studio.deliver()
    told = [m["text"] for m in studio.tg.messages(anna.id) if "дольше" in m.get("text", "")]
    assert told and "продлился дольше на 40 мин." in told[-1], told
    url = re.search(r"Оплатить: (\S+)", told[-1])
    assert url is not None
    await studio.checkout(url.group(1))
    booking = (await studio.bookings())[0]
    # The prepayment of 2 500 ₽ and the overtime paid; the balance is still the studio's.
    assert (booking.total, booking.paid, booking.change_due) == (750000, 500000, 0)
    card = (await studio.send(admin, f"/booking {code}")).result["text"]
    assert "Не оплачены" not in card


async def test_overtime_taken_in_cash_with_confirm(studio: Studio) -> None:
    admin, anna = studio.user(ADMIN), studio.user(1001)
    await book_and_pay(studio, anna)  # 5 000 ₽, 2 500 ₽ of it paid
    code = (await studio.bookings())[0].code
    studio.clock.advance(days=2, hours=6)
    reply = (await studio.send(admin, f"/overtime {code} 40")).result["text"]
    assert reply.startswith(f"⏱ Переработка 40 мин по брони {code}: 2 500 ₽."), reply
    reply = (await studio.send(admin, f"/confirm {code} 2500")).result["text"]
    assert reply.startswith("✅"), reply
    booking = (await studio.bookings())[0]
    assert (booking.total, booking.paid, booking.change_due) == (750000, 500000, 0)
    card = (await studio.send(admin, f"/booking {code}")).result["text"]
    assert "Не оплачены" not in card


async def test_overtime_waits_for_the_clients_extra_time(studio: Studio) -> None:
    admin, anna = studio.user(ADMIN), studio.user(1001)
    await book_and_pay(studio, anna)
    booking = (await studio.bookings())[0]
    studio.clock.advance(days=2, hours=4)  # 13:00, during the session
    async with studio.sessionmaker() as session:
        await extend(session, studio.deps, booking.id, 30, Actor(admin=False))
    reply = (await studio.send(admin, f"/overtime {booking.code} 40")).result["text"]
    assert reply == (
        "Сейчас нельзя выставить переработку: клиент ещё не оплатил перенос или продление."
    )
    assert (await studio.bookings())[0].change_due == 62500  # the client's extra time stays
