"""The waitlist in the bot: a full day (✖) offers "tell me when time frees up"; when the
booking that filled it is cancelled the client gets one message with a button to that day,
and the same slot freed again tells nobody twice. A day the studio closed is a plain · and,
reached by an older button, says it is closed instead of offering a wait it would refuse."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from booking import closures
from booking.cancel import cancel_booking
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.waitlist import WaitlistEntry
from keyboards.callbacks import DayCallback
from tests.bot.flows import Studio, button
from tests.fakes.telegram_api import FakeUser
from tests.support import msk

DAY = date(2026, 12, 3)
CLOSED = date(2026, 12, 5)
FREED = "🔔 Освободилось время: Белый зал, 03.12.2026."
WAIT = "🔔 Сообщить, когда освободится"


async def fill_the_day(studio: Studio) -> int:
    """A hold of the White hall from opening to closing on the 3rd."""
    request = HoldRequest(
        hall_id=1,
        start=msk(3, 9),
        end=msk(3, 22),
        payment_mode=PaymentMode.PREPAY,
        client=ClientInfo(name="Пётр", phone="+79990001122"),
        source=Source.WEB,
    )
    async with studio.sessionmaker() as session:
        booking, _token = await hold_booking(session, studio.deps, request)
        return booking.id


async def close_the_day(studio: Studio, day: int, hall: str | None = "white") -> None:
    """The White hall (None: the whole studio) closed for the whole day (bookings stay)."""
    async with studio.sessionmaker() as session:
        await closures.close_period(
            session, studio.deps, hall, msk(day, 0), msk(day + 1, 0), "ремонт", force=True
        )


async def waits(studio: Studio) -> list[tuple[int, date, int | None]]:
    async with studio.sessionmaker() as session:
        rows = await session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id))
        return [(row.hall_id, row.day, row.telegram_id) for row in rows]


def day_button(user: FakeUser, day: date) -> str | None:
    """The text of the newest message's button opening `day`; None when no button does."""
    data = DayCallback(hall_id=1, day=day.toordinal()).pack()
    message: Any = user.last_message()
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    found = [b["text"] for row in rows for b in row if b.get("callback_data") == data]
    return found[0] if found else None


async def cancel(studio: Studio, booking_id: int) -> None:
    async with studio.sessionmaker() as session:
        await cancel_booking(session, studio.deps, booking_id, by_admin=True, reason="test")


async def test_a_full_day_waitlist_and_the_message_when_time_frees(studio: Studio) -> None:
    filled = await fill_the_day(studio)
    anna = studio.user()
    await studio.send(anna, "/book")
    await studio.press(anna, button(anna, "Белый зал"))
    calendar = anna.last_message()
    assert calendar is not None and "✖" in str(anna.buttons())
    day = DayCallback(hall_id=1, day=DAY.toordinal()).pack()
    answer = await studio.answered((await anna.press_data(day, calendar["message_id"]))["id"])
    assert answer.params.get("text") == "На этот день свободного времени больше нет"
    assert anna.last_message()["text"].startswith(  # type: ignore[index]
        "Белый зал, чт, 3 декабря: свободного времени нет."
    )
    answer = await studio.press(anna, "🔔 Сообщить, когда освободится")
    assert answer.params.get("text") == "Готово: напишу, если время освободится"
    assert anna.last_message()["text"].startswith("🔔 Я напишу вам здесь")  # type: ignore[index]

    await cancel(studio, filled)
    await studio.deliver()
    notices = await studio.tg.wait_until(
        lambda: [m for m in anna.messages() if (m.get("text") or "").startswith(FREED)]
    )
    assert anna.buttons(notices[0]) == [["📅 Забронировать"]]
    await studio.press(anna, "📅 Забронировать", notices[0]["message_id"])
    slots = anna.last_message()
    assert slots is not None and slots["text"].startswith("Белый зал, чт, 3 декабря")
    assert slots["message_id"] != notices[0]["message_id"]  # the notice stays readable

    # The same slot taken and freed again: nobody hears of it twice.
    await cancel(studio, await fill_the_day(studio))
    await studio.deliver()
    await studio.settle()
    freed = [m for m in anna.messages() if (m.get("text") or "").startswith(FREED)]
    assert len(freed) == 1


async def test_a_day_with_free_time_again_shows_its_starts(studio: Studio) -> None:
    filled = await fill_the_day(studio)
    anna = studio.user()
    await studio.send(anna, "/book")
    await studio.press(anna, button(anna, "Белый зал"))
    calendar = anna.last_message()
    assert calendar is not None
    day = DayCallback(hall_id=1, day=DAY.toordinal()).pack()
    await studio.answered((await anna.press_data(day, calendar["message_id"]))["id"])
    await cancel(studio, filled)  # freed before the client asked to wait
    answer = await studio.press(anna, "🔔 Сообщить, когда освободится")
    assert answer.params.get("text") == "В этот день только что освободилось время"
    assert "Выберите время начала" in anna.last_message()["text"]  # type: ignore[index]


async def test_a_closed_day_offers_no_waitlist_and_a_full_one_does(studio: Studio) -> None:
    await fill_the_day(studio)
    anna = studio.user()
    await studio.send(anna, "/book")
    await studio.press(anna, button(anna, "Белый зал"))
    calendar = anna.last_message()
    assert calendar is not None and day_button(anna, CLOSED) == "5"
    await close_the_day(studio, CLOSED.day)

    # The day's button on the calendar shown before the closure says why, with no waitlist.
    closed = DayCallback(hall_id=1, day=CLOSED.toordinal()).pack()
    answer = await studio.answered((await anna.press_data(closed, calendar["message_id"]))["id"])
    assert answer.params.get("text") == "Этот день недоступен для брони"
    assert anna.last_message()["text"].startswith(  # type: ignore[index]
        "Белый зал, сб, 5 декабря: этот зал в этот день закрыт.\n\nБелый зал · "
    )
    assert WAIT not in str(anna.buttons())
    # The month below it: the closed day is a plain ·, the full day a ✖ that offers the wait.
    assert day_button(anna, CLOSED) is None and day_button(anna, DAY) == "✖"
    assert "·" in str(anna.buttons())
    answer = await studio.press(anna, "✖")
    assert answer.params.get("text") == "На этот день свободного времени больше нет"
    answer = await studio.press(anna, WAIT)
    assert answer.params.get("text") == "Готово: напишу, если время освободится"
    assert await waits(studio) == [(1, DAY, anna.id)]


async def test_a_day_closed_after_the_offer_says_so_and_nobody_waits(studio: Studio) -> None:
    await fill_the_day(studio)
    anna = studio.user()
    await studio.send(anna, "/book")
    await studio.press(anna, button(anna, "Белый зал"))
    await studio.press(anna, "✖")
    assert WAIT in str(anna.buttons())
    await close_the_day(studio, DAY.day, hall=None)

    answer = await studio.press(anna, WAIT)
    assert answer.params.get("text") == "Этот день недоступен для брони"
    assert anna.last_message()["text"].startswith(  # type: ignore[index]
        "Белый зал, чт, 3 декабря: в этот день студия закрыта."
    )
    assert day_button(anna, DAY) is None and WAIT not in str(anna.buttons())
    assert await waits(studio) == []
