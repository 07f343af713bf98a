"""A move that costs no more is shown before it is made, through the local Bot API server:
the booking as it is and as it will be, the new price and what becomes of the money paid;
only "✅ Move" moves it, once however often it is tapped, and not into time taken since."""

from __future__ import annotations

from sqlalchemy import update

from db.models import Hall
from i18n.formats import money
from tests.bot.flows import Studio, book_and_pay, choose_time
from tests.bot.test_move_elsewhere import open_move, to_hall
from tests.fakes.telegram_api import FakeUser
from tests.support import msk

CONFIRM = "✅ Перенести"


def text_of(user: FakeUser) -> str:
    message = user.last_message()
    assert message is not None
    return str(message["text"])


def confirm_data(user: FakeUser) -> tuple[str, int]:
    """The callback data of the confirmation's "✅ Move" and its message."""
    message = user.last_message()
    assert message is not None
    for row in message["reply_markup"]["inline_keyboard"]:
        for item in row:
            if item["text"] == CONFIRM:
                return str(item["callback_data"]), int(message["message_id"])
    raise AssertionError(user.buttons(message))


async def test_a_cheaper_move_shows_its_price_first_and_a_double_tap_moves_once(
    studio: Studio,
) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")  # white, Thu 3 Dec 12:00-14:00, 5 000 paid
    await open_move(studio, anna)
    await to_hall(studio, anna, "Лофт")  # 1 800 ₽/h
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    shown = text_of(anna)
    assert shown.startswith("🔁 Перенос брони"), shown
    assert f"Было: Белый зал, чт, 3 декабря, 12:00–14:00, {money(500000, 'ru')}" in shown, shown
    assert f"Станет: Лофт, пт, 4 декабря, 15:00–17:00, {money(360000, 'ru')}" in shown, shown
    assert (
        f"Оплачено {money(500000, 'ru')}: {money(140000, 'ru')} сверх новой цены вернём тем же "
        "способом, которым вы платили." in shown
    ), shown
    [booking] = await studio.bookings()  # nothing is moved or refunded yet
    assert (booking.hall_id, booking.start_at, booking.total) == (1, msk(3, 12), 500000)
    assert (booking.refunded, booking.moves_made) == (0, 0)
    assert [p.refunded for p in await studio.payments()] == [0]
    data, message_id = confirm_data(anna)
    first = await anna.press_data(data, message_id)  # tapped twice before the answer
    second = await anna.press_data(data, message_id)
    answers = [(await studio.answered(q["id"])).params.get("text") for q in (first, second)]
    assert "Бронь уже перенесена." in answers, answers
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.start_at, booking.end_at) == (2, msk(4, 15), msk(4, 17))
    assert (booking.total, booking.paid, booking.refunded) == (360000, 500000, 140000)
    assert booking.moves_made == 1
    assert [p.refunded for p in await studio.payments()] == [140000]  # refunded once


async def test_keep_it_as_it_is_leaves_the_booking_and_another_time_goes_on(
    studio: Studio,
) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)  # white, Thu 3 Dec 12:00-14:00, 2 500 of 5 000 paid
    await open_move(studio, anna)
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    shown = text_of(anna)
    assert f"Станет: Белый зал, пт, 4 декабря, 15:00–17:00, {money(500000, 'ru')}" in shown
    assert (
        f"Оплачено {money(250000, 'ru')}: сейчас доплачивать не нужно, остаток "
        f"{money(250000, 'ru')} можно оплатить в боте или в студии." in shown
    ), shown
    await studio.press(anna, "‹ Другое время")  # the day's starts, the move going on
    await choose_time(studio, anna, "16:00")
    await studio.press(anna, "2 ч")
    assert "Станет: Белый зал, пт, 4 декабря, 16:00–18:00" in text_of(anna)
    await studio.press(anna, "✖ Оставить как есть")
    assert text_of(anna).startswith("Бронь "), text_of(anna)
    [booking] = await studio.bookings()
    assert (booking.start_at, booking.end_at, booking.moves_made) == (msk(3, 12), msk(3, 14), 0)
    assert (booking.total, booking.paid, booking.status) == (500000, 250000, "confirmed")


async def test_a_confirmation_after_the_time_was_taken_says_so(studio: Studio) -> None:
    anna, boris = studio.user(), studio.user(1002, "Борис")
    await book_and_pay(studio, anna)
    await open_move(studio, anna)
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    data, message_id = confirm_data(anna)
    await book_and_pay(studio, boris, day="4", time="15:00")  # Boris is quicker
    answer = await studio.answered((await anna.press_data(data, message_id))["id"])
    assert answer.params["text"] == "Это время только что заняли — выберите другое."
    mine = next(b for b in await studio.bookings() if b.client_id == 1)
    assert (mine.start_at, mine.moves_made, mine.status) == (msk(3, 12), 0, "confirmed")


async def test_a_price_changed_meanwhile_is_shown_again_before_moving(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")  # white, 5 000 paid
    await open_move(studio, anna)
    await to_hall(studio, anna, "Лофт")
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    async with studio.sessionmaker() as session:  # the studio raises the loft's price
        await session.execute(update(Hall).where(Hall.id == 2).values(hourly_price=200000))
        await session.commit()
    answer = await studio.press(anna, CONFIRM)
    assert answer.params["text"] == "Цена переноса изменилась — проверьте ещё раз."
    assert f"Станет: Лофт, пт, 4 декабря, 15:00–17:00, {money(400000, 'ru')}" in text_of(anna)
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.refunded, booking.moves_made) == (1, 0, 0)
    await studio.press(anna, CONFIRM)
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.total, booking.refunded) == (2, 400000, 100000)
