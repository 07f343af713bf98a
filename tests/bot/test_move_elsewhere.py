"""A client's move in the bot to another hall (through the halls the move's calendar leads
back to, only those that take the booking's people and extras) and by half an hour (over
the booking's own old time), through the local Bot API server; another client's booking is
still in the way."""

from __future__ import annotations

from i18n.formats import money
from tests.bot.flows import (
    Studio,
    book_and_pay,
    button,
    choose_time,
    picker,
    share_phone,
    url_of,
)
from tests.fakes.telegram_api import FakeUser
from tests.support import msk


async def open_move(studio: Studio, user: FakeUser) -> None:
    """From /my to the calendar of the move of the user's first booking."""
    await studio.send(user, "/my")
    await studio.press(user, user.buttons()[0][0])
    await studio.press(user, "🔁 Перенести")


async def to_hall(studio: Studio, user: FakeUser, hall: str) -> None:
    """From the move's calendar back to the halls, the move going on, then `hall`'s month."""
    await studio.press(user, "‹ Назад")
    halls = user.last_message()["text"]  # type: ignore[index]
    assert halls.startswith("🔁 Перенос брони") and "Выберите зал" in halls, halls
    await studio.press(user, button(user, hall))
    month = user.last_message()["text"]  # type: ignore[index]
    assert month.startswith("🔁 Перенос брони") and hall in month, month


async def afternoon(studio: Studio, user: FakeUser) -> list[str]:
    """The starts of the day's afternoon (12:00-17:00) tab, when the day is split."""
    tabs = [text for text in user.buttons(picker(user))[0] if text.startswith("День")]
    if tabs:
        await studio.press(user, tabs[0])
    return [text for row in user.buttons(picker(user)) for text in row if ":" in text]


async def test_a_move_to_a_cheaper_hall_refunds_the_difference(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")  # white, Thu 3 Dec 12:00-14:00, 5 000 paid
    await open_move(studio, anna)
    await to_hall(studio, anna, "Лофт")  # 1 800 ₽/h, takes her four people
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    await studio.press(anna, "✅ Перенести")
    shown = anna.last_message()["text"]  # type: ignore[index]
    assert shown.startswith("✅ Бронь перенесена.") and "Лофт" in shown, shown
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.start_at, booking.end_at) == (2, msk(4, 15), msk(4, 17))
    assert (booking.total, booking.paid, booking.refunded) == (360000, 500000, 140000)
    assert booking.status == "confirmed" and booking.moves_made == 1


async def test_a_move_to_a_dearer_hall_waits_for_the_difference(studio: Studio) -> None:
    anna, boris = studio.user(), studio.user(1002, "Борис")
    await book_and_pay(studio, anna, hall="Тёмный зал")  # 2 h × 1 500, 1 500 prepaid
    await open_move(studio, anna)
    await to_hall(studio, anna, "Белый зал")
    await studio.press(anna, "4")
    await choose_time(studio, anna, "12:00")
    await studio.press(anna, "2 ч")
    asked = anna.last_message()["text"]  # type: ignore[index]
    assert f"оплатите разницу {money(100000, 'ru')}" in asked, asked  # prepayment 2 500
    assert f"Станет: Белый зал, пт, 4 декабря, 12:00–14:00, {money(500000, 'ru')}" in asked
    mine = (await studio.bookings())[0]
    assert (mine.hall_id, mine.start_at) == (3, msk(3, 12))  # not moved until paid
    await studio.press(anna, "Т-Банк")
    ready = anna.last_message()
    assert ready is not None
    await studio.checkout(url_of(ready))
    moved = next(b for b in await studio.bookings() if b.id == mine.id)
    assert (moved.hall_id, moved.start_at, moved.status) == (1, msk(4, 12), "confirmed")
    assert (moved.total, moved.paid) == (500000, 250000)
    # The dark hall's old time is free again: Boris books it.
    await book_and_pay(studio, boris, hall="Тёмный зал")
    assert {b.hall_id for b in await studio.bookings() if b.status == "confirmed"} == {1, 3}


async def test_a_shift_by_half_an_hour_overlaps_the_old_time(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)  # white, Thu 3 Dec 12:00-14:00
    await open_move(studio, anna)
    await studio.press(anna, "3")
    await choose_time(studio, anna, "12:30")  # within her own time: offered all the same
    await studio.press(anna, "2 ч")
    await studio.press(anna, "✅ Перенести")
    shown = anna.last_message()["text"]  # type: ignore[index]
    assert shown.startswith("✅ Бронь перенесена."), shown
    [booking] = await studio.bookings()
    assert (booking.start_at, booking.end_at) == (msk(3, 12, 30), msk(3, 14, 30))
    assert (booking.total, booking.paid, booking.moves_made) == (500000, 250000, 1)


async def test_another_clients_booking_stays_in_the_way(studio: Studio) -> None:
    anna, boris = studio.user(), studio.user(1002, "Борис")
    await book_and_pay(studio, boris, time="15:00")  # white, Thu 3 Dec 15:00-17:00
    await book_and_pay(studio, anna)  # 12:00-14:00
    await open_move(studio, anna)
    await studio.press(anna, "3")
    offered = await afternoon(studio, anna)
    assert "12:30" in offered and "13:00" in offered  # her own time is free to her
    assert "15:00" not in offered and "16:00" not in offered  # Boris's is not
    await choose_time(studio, anna, "13:00")
    lengths = [text for row in anna.buttons(picker(anna)) for text in row]
    assert "1 ч" in lengths and "2 ч" not in lengths, lengths  # 15:00 + cleaning is Boris's
    await studio.press(anna, "1 ч")
    await studio.press(anna, "✅ Перенести")
    boris_booking, mine = await studio.bookings()
    assert (mine.start_at, mine.end_at) == (msk(3, 13), msk(3, 14))
    assert (boris_booking.start_at, boris_booking.status) == (msk(3, 15), "confirmed")


async def test_the_same_time_again_is_said_so_and_changes_nothing(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)
    await open_move(studio, anna)
    await studio.press(anna, "3")
    await choose_time(studio, anna, "12:00")
    answer = await studio.press(anna, "2 ч")
    assert answer.params["text"] == "Бронь уже стоит на это время."
    [booking] = await studio.bookings()
    assert (booking.start_at, booking.moves_made) == (msk(3, 12), 0)


async def test_back_from_the_moves_halls_is_the_booking_and_a_new_booking_is_new(
    studio: Studio,
) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)  # white, Thu 3 Dec 12:00-14:00
    [booking] = await studio.bookings()
    await open_move(studio, anna)
    await studio.press(anna, "‹ Назад")  # the move's halls
    await studio.press(anna, "‹ Назад")  # the booking, the move left
    shown = anna.last_message()["text"]  # type: ignore[index]
    assert shown.startswith(f"Бронь {booking.code}"), shown
    await book_and_pay(studio, anna, day="4", time="15:00")  # booked anew, not moved
    first, second = await studio.bookings()
    assert (first.start_at, first.moves_made) == (msk(3, 12), 0)
    assert (second.start_at, second.status) == (msk(4, 15), "confirmed")


async def test_a_time_gone_by_meanwhile_is_refused_in_russian(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)  # white, Thu 3 Dec 12:00-14:00; now Tue 1 Dec 09:00
    await open_move(studio, anna)
    await studio.press(anna, "1")
    await choose_time(studio, anna, "20:00")
    studio.clock.advance(hours=12)  # 21:00: the chosen start has passed
    answer = await studio.press(anna, "1 ч")
    assert answer.params["text"] == "Это время сейчас выбрать нельзя — выберите другое."
    [booking] = await studio.bookings()
    assert (booking.start_at, booking.moves_made) == (msk(3, 12), 0)
    # The move goes on: the day has no start left, so its month shows; another day.
    assert anna.last_message()["text"].startswith("🔁 Перенос брони")  # type: ignore[index]
    await studio.press(anna, "4")
    await choose_time(studio, anna, "10:00")
    await studio.press(anna, "2 ч")
    await studio.press(anna, "✅ Перенести")
    [booking] = await studio.bookings()
    assert (booking.start_at, booking.moves_made) == (msk(4, 10), 1)


async def book_with(studio: Studio, user: FakeUser, guests: str, addon: str | None) -> None:
    """A paid booking in the white hall (Thu 3 Dec 12:00-14:00) for `guests` people, with
    `addon` (a label's start) if given."""
    await studio.send(user, "/start")
    await studio.press(user, "📅 Забронировать")
    await studio.press(user, button(user, "Белый зал"))
    await studio.press(user, "3")
    await choose_time(studio, user, "12:00")
    await studio.press(user, "2 ч")
    await studio.press(user, guests)
    if addon is not None:
        await studio.press(user, button(user, addon))
    await studio.press(user, "Далее ›")
    await studio.press(user, button(user, "Предоплата"))
    await studio.press(user, "ЮKassa")
    await studio.press(user, "Пропустить")
    hold = (await share_phone(studio, user)).result
    await studio.checkout(url_of(hold))


def hall_buttons(user: FakeUser) -> list[str]:
    return [row[0] for row in user.buttons(picker(user)) if "/ч" in row[0]]


async def test_halls_too_small_for_the_people_are_not_offered_for_a_move(studio: Studio) -> None:
    anna = studio.user()
    await book_with(studio, anna, "8", None)
    [booking] = await studio.bookings()
    assert booking.guests_chosen == 8
    await open_move(studio, anna)
    await studio.press(anna, "‹ Назад")
    halls = anna.last_message()["text"]  # type: ignore[index]
    assert [text.split(" · ")[0] for text in hall_buttons(anna)] == ["Белый зал", "Лофт"]
    assert "Не подходят для этой брони:\n• Тёмный зал: вмещает до 6 человек, а в брони 8" in halls
    await studio.press(anna, button(anna, "Лофт"))  # takes 20: the move goes on there
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")
    await studio.press(anna, "✅ Перенести")
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.start_at, booking.guests) == (2, msk(4, 15), 8)


async def test_halls_without_the_bookings_extra_are_not_offered_for_a_move(
    studio: Studio,
) -> None:
    anna = studio.user()
    await book_with(studio, anna, "• 4 •", "Покраска и уборка циклорамы")  # the white hall's
    await open_move(studio, anna)
    await studio.press(anna, "‹ Назад")
    halls = anna.last_message()["text"]  # type: ignore[index]
    assert [text.split(" · ")[0] for text in hall_buttons(anna)] == ["Белый зал"]
    assert (
        "• Лофт: там нет дополнительной услуги из брони\n"
        "• Тёмный зал: там нет дополнительной услуги из брони" in halls
    ), halls
