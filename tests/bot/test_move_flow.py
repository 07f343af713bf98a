"""A client moves a booking and adds time to it from "my bookings", through the local Bot
API server: the same day, start and duration pickers; a dearer change asks for the
difference first."""

from __future__ import annotations

from i18n.formats import money
from tests.bot.flows import Studio, book_and_pay, button, choose_time, url_of
from tests.support import msk


async def test_move_through_the_pickers(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)  # Thursday 3 Dec 12:00-14:00, the prepayment paid
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, "🔁 Перенести")
    assert anna.last_message()["text"].startswith("🔁 Перенос брони")  # type: ignore[index]
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    await studio.press(anna, "✅ Перенести")
    shown = anna.last_message()["text"]  # type: ignore[index]
    assert shown.startswith("✅ Бронь перенесена."), shown
    booking = (await studio.bookings())[0]
    assert booking.start_at == msk(4, 15) and booking.status == "confirmed"
    assert booking.paid == 250000 and booking.moves_made == 1
    assert len(await studio.bookings()) == 1
    assert "🔁 Перенести" not in [row[0] for row in anna.buttons()]  # moved once: the limit


async def test_more_time_asks_for_the_difference_then_adds_it(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, "⏱ Продлить")
    await studio.press(anna, "+30 мин")
    asked = anna.last_message()["text"]  # type: ignore[index]
    assert f"оплатите разницу {money(62500, 'ru')}" in asked, asked
    await studio.press(anna, "Т-Банк")
    ready = anna.last_message()
    assert ready is not None
    await studio.checkout(url_of(ready))
    booking = next(b for b in await studio.bookings() if b.status == "confirmed")
    assert booking.end_at == msk(3, 14, 30) and booking.paid == 312500


async def test_a_move_into_taken_time_is_refused_and_the_booking_stays(studio: Studio) -> None:
    anna, boris = studio.user(), studio.user(1002, "Борис")
    await book_and_pay(studio, anna)
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, "🔁 Перенести")
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await book_and_pay(studio, boris, day="4", time="15:00")  # Boris is quicker
    answer = await studio.press(anna, button(anna, "2 ч"))
    assert answer.params["text"] == "Это время только что заняли — выберите другое."
    mine = next(b for b in await studio.bookings() if b.start_at == msk(3, 12))
    assert mine.status == "confirmed" and mine.moves_made == 0
