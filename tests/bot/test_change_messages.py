"""The chat messages after a move or more time state the money as the change left it (the one
sentence of i18n.paid): the new total, what was paid and is kept, the refund apart, a refund
still under way said as on its way back; even when they are written after the refund is made,
or after another change."""

from __future__ import annotations

from typing import Any

import pytest

from i18n.formats import amount, money
from payments.base import RefundResult, RefundStatus
from tests.bot.flows import Studio, book_and_pay, choose_time, url_of
from tests.bot.test_move_elsewhere import open_move, to_hall
from tests.fakes.telegram_api import FakeUser


def rub(kopecks: int) -> str:
    return money(kopecks, "ru")


def told(user: FakeUser, start: str) -> str:
    texts = [str(m.get("text") or m.get("caption") or "") for m in user.messages()]
    found = [text for text in texts if text.startswith(start)]
    assert len(found) == 1, texts
    return found[0]


async def move_to_the_loft(studio: Studio, anna: FakeUser) -> None:
    """Her white hall booking (5 000 paid in full) to the loft, 4 Dec 15:00-17:00: 3 600."""
    await open_move(studio, anna)
    await to_hall(studio, anna, "Лофт")
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    await studio.press(anna, "✅ Перенести")


async def test_the_moved_message_keeps_the_refund_apart_while_it_is_under_way(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow_refund(request: Any) -> RefundResult:  # the gateway answers later
        return RefundResult(f"slow_{request.refund_id}", RefundStatus.PENDING)

    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")
    for provider in studio.deps.providers.values():
        monkeypatch.setattr(provider, "refund", slow_refund)
    await move_to_the_loft(studio, anna)
    await studio.deliver()
    [booking] = await studio.bookings()
    assert booking.refunded == 0  # not made yet
    moved = told(anna, f"Бронь {booking.code} перенесена ✅")
    assert (
        f"Оплачено {rub(360000)} из {rub(360000)}.\nВозврат: {amount(140000, 'ru')} ₽." in moved
    ), moved
    # Her booking's card counts the same money, the refund said as on its way back.
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    card = str(anna.last_message()["text"])  # type: ignore[index]
    assert f"Оплачено {rub(360000)} из {rub(360000)}, возвращаем {rub(140000)}." in card, card
    # More time while that refund is still under way: it is not said to have gone back.
    await studio.press(anna, "⏱ Продлить")
    await studio.press(anna, "+1 час")  # 1 800 more, paid in full
    await studio.press(anna, "Т-Банк")
    ready = anna.last_message()
    assert ready is not None
    await studio.checkout(url_of(ready))
    await studio.deliver()
    longer = told(anna, f"Бронь {booking.code} продлена ✅")
    assert f"Оплачено {rub(540000)} из {rub(540000)}, возвращаем {rub(140000)}." in longer, longer


async def test_each_message_tells_the_money_as_its_change_left_it(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")
    await studio.deliver()
    await move_to_the_loft(studio, anna)  # 3 600, 1 400 refunded
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, "⏱ Продлить")
    await studio.press(anna, "+1 час")  # 1 800 more, paid in full
    await studio.press(anna, "Т-Банк")
    ready = anna.last_message()
    assert ready is not None
    await studio.checkout(url_of(ready))
    await studio.deliver()  # both messages written now, after both changes
    booking = next(b for b in await studio.bookings() if b.status == "confirmed")
    assert (booking.total, booking.paid, booking.refunded) == (540000, 680000, 140000)
    moved = told(anna, f"Бронь {booking.code} перенесена ✅")
    assert (
        f"Оплачено {rub(360000)} из {rub(360000)}.\nВозврат: {amount(140000, 'ru')} ₽." in moved
    ), moved
    longer = told(anna, f"Бронь {booking.code} продлена ✅")
    assert f"Оплачено {rub(540000)} из {rub(540000)}, возвращено {rub(140000)}." in longer, longer
