"""RESCHEDULE_CHEAPER=keep in the bot: the confirmation of a cheaper move says the money paid
above the new price stays on the booking, and the move keeps it there."""

from __future__ import annotations

from typing import Any

import pytest

from i18n.formats import money
from tests.bot.flows import Studio, book_and_pay, choose_time
from tests.bot.test_move_confirm import CONFIRM, text_of
from tests.bot.test_move_elsewhere import open_move, to_hall


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {"reschedule_cheaper": "keep"}


async def test_a_cheaper_move_says_the_surplus_stays_on_the_booking(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")  # white, 5 000 paid
    await open_move(studio, anna)
    await to_hall(studio, anna, "Лофт")  # 3 600
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    shown = text_of(anna)
    assert (
        f"Оплачено {money(500000, 'ru')}: {money(140000, 'ru')} сверх новой цены остаются на "
        "брони и пойдут в оплату следующего изменения." in shown
    ), shown
    await studio.press(anna, CONFIRM)
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.total, booking.paid, booking.refunded) == (
        2,
        360000,
        500000,
        0,
    )
