"""My bookings in the chat: the lists, details, cancel with the refund shown first, paying
the balance; another client's booking stays out of reach."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.changes import Actor, reschedule
from booking.deps import BookingDeps
from booking.holds import PaymentMode
from booking.own_bookings import client_bookings
from db.models import Booking, Refund
from i18n.formats import money
from keyboards.callbacks import BookingCallback, CancelCallback
from tests.bot.flows import Studio, book, book_and_pay, button, url_of
from tests.support import make_booking, msk


async def test_details_and_cancel_with_the_refund_shown_first(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)  # Thursday 12:00, 51 h ahead: a full refund
    await studio.send(anna, "/my")
    assert anna.last_message()["text"] == "📋 Ваши предстоящие брони:"  # type: ignore[index]
    item = anna.buttons()[0][0]
    assert item == "03.12 12:00 · Белый зал · ✅ подтверждена"
    await studio.press(anna, item)
    details = anna.last_message()["text"]  # type: ignore[index]
    assert f"Оплачено {money(250000, 'ru')} из {money(500000, 'ru')}." in details
    assert f"К оплате: {money(250000, 'ru')} (остаток)" in details
    assert anna.buttons()[:2] == [
        [f"💳 Оплатить остаток {money(250000, 'ru')}"],
        ["✖ Отменить бронь"],
    ]
    await studio.press(anna, "✖ Отменить бронь")
    assert f"Вернём всю оплату: {money(250000, 'ru')}." in anna.last_message()["text"]  # type: ignore[index]

    studio.clock.advance(hours=4)  # now 47 h ahead: the policy gives half
    answer = await studio.press(anna, "Да, отменить")
    assert answer.params["text"] == "Сумма возврата изменилась — проверьте ещё раз"
    asked = anna.last_message()["text"]  # type: ignore[index]
    assert f"вернём {money(125000, 'ru')} из оплаченных {money(250000, 'ru')}" in asked
    assert (await studio.bookings())[0].status == "confirmed"  # nothing changed yet

    await studio.press(anna, "Да, отменить")
    code = (await studio.bookings())[0].code
    assert anna.last_message()["text"] == (  # type: ignore[index]
        f"Бронь {code} отменена. Возврат {money(125000, 'ru')} оформлен."
    )
    booking = (await studio.bookings())[0]
    assert booking.status == "cancelled" and booking.refunded == 125000
    async with studio.sessionmaker() as session:
        refunds = (await session.scalars(select(Refund))).all()
    assert [r.amount for r in refunds] == [125000]

    await studio.press(anna, "📋 Мои брони")
    assert anna.last_message()["text"] == "📋 Предстоящих броней нет. Забронировать: /book"  # type: ignore[index]
    await studio.press(anna, "🕘 Прошедшие")
    assert anna.buttons()[0] == ["03.12 12:00 · Белый зал · ✖ отменена"]


async def test_pay_the_balance_twice_tapped_one_payment(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, button(anna, "💳 Оплатить остаток"))
    choose = anna.last_message()
    assert choose is not None and "к оплате 2\u00a0500\u00a0₽ (остаток)" in choose["text"]
    # Two quick taps on the same gateway: one payment, the same link.
    first = await anna.press("Т-Банк")
    second = await anna.press("Т-Банк", choose["message_id"])
    await studio.answered(first["id"])
    await studio.answered(second["id"])
    await studio.settle()
    balance = [p for p in await studio.payments() if p.kind == "balance"]
    assert len(balance) == 1 and balance[0].gateway == "tinkoff" and balance[0].amount == 250000
    ready = anna.last_message()
    assert ready is not None and ready["text"].startswith("Бронь")
    assert url_of(ready) == balance[0].confirmation_url
    await studio.checkout(url_of(ready))
    booking = (await studio.bookings())[0]
    assert booking.paid == booking.total == 500000

    await studio.press(anna, "📋 Мои брони")
    await studio.press(anna, anna.buttons()[0][0])
    assert [row[0] for row in anna.buttons()] == [  # paid up
        "✖ Отменить бронь",
        "🔁 Перенести",
        "⏱ Продлить",
        "‹ Назад",
    ]


async def test_another_clients_booking_is_out_of_reach(studio: Studio) -> None:
    anna, boris = studio.user(), studio.user(1002, "Борис")
    hold = await book(studio, anna)
    booking = (await studio.bookings())[0]
    menu = await studio.send(boris, "/my")
    message_id = menu.result["message_id"]
    for data in (
        BookingCallback(action="show", booking_id=booking.id),
        BookingCallback(action="pay", booking_id=booking.id),
        CancelCallback(booking_id=booking.id, refund=0),
    ):
        query = await boris.press_data(data.pack(), message_id)
        answer = await studio.answered(query["id"])
        assert answer.params["text"] == "Бронь изменилась"
        assert boris.last_message()["text"].startswith("📋 Предстоящих броней нет")  # type: ignore[index]
    assert (await studio.bookings())[0].status == "pending_payment"
    assert len(await studio.payments()) == 1

    # The owner cancels her unpaid hold from the hold message.
    await studio.press(anna, "✖ Отменить бронь", hold["message_id"])
    assert "Оплаты не было — возвращать нечего." in anna.last_message()["text"]  # type: ignore[index]
    await studio.press(anna, "Да, отменить")
    assert (await studio.bookings())[0].status == "cancelled"


async def past_sessions(
    sessionmaker: async_sessionmaker[AsyncSession], like: Booking, count: int
) -> None:
    """`count` completed sessions of the same client and hall, a day apart before `like`."""
    async with sessionmaker() as session:
        for n in range(count):
            start = like.start_at - timedelta(days=3 + n)
            session.add(
                Booking(
                    **{
                        column: getattr(like, column)
                        for column in (
                            *("hall_id", "client_id", "payment_mode", "total"),
                            *("prepay_amount", "source", "refund_tiers", "access_token_hash"),
                        )
                    },
                    code=f"PAST{n:04d}",
                    start_at=start,
                    end_at=start + timedelta(hours=2),
                    blocked_until=start + timedelta(hours=2),
                    status="completed",
                )
            )
        await session.commit()


async def test_a_long_history_is_shown_a_page_at_a_time(studio: Studio) -> None:
    anna = studio.user()
    upcoming = await make_booking(
        studio.sessionmaker, studio.deps, start=msk(3, 12), telegram_id=1001
    )
    await past_sessions(studio.sessionmaker, upcoming, 12)
    await studio.send(anna, "/my")
    await studio.press(anna, "🕘 Прошедшие")
    first = anna.buttons()
    assert len(first) == 12  # ten sessions, the page row, the switch and menu row
    assert first[0] == ["30.11 12:00 · Белый зал · ☑️ состоялась"]  # the newest first
    assert first[10] == ["Следующие ➡️"]
    await studio.press(anna, "Следующие ➡️")
    second = anna.buttons()
    assert [row[0] for row in second[:2]] == [
        "20.11 12:00 · Белый зал · ☑️ состоялась",
        "19.11 12:00 · Белый зал · ☑️ состоялась",
    ]
    assert second[2] == ["⬅️ Предыдущие"] and len(second) == 4
    await studio.press(anna, "⬅️ Предыдущие")
    assert anna.buttons() == first


async def test_a_long_history_does_not_hide_an_upcoming_booking(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    upcoming = await make_booking(sessionmaker, deps, start=msk(3, 12), telegram_id=1234)
    await past_sessions(sessionmaker, upcoming, 250)  # years of sessions, all before it
    async with sessionmaker() as session:
        shown = await client_bookings(session, deps, 1234, past=False)
        history = await client_bookings(session, deps, 1234, past=True)
    assert [view.booking.code for view in shown] == [upcoming.code]
    assert [view.booking.code for view in history][:2] == ["PAST0000", "PAST0001"]


async def test_the_card_says_cash_still_owed_is_coming_back(studio: Studio) -> None:
    """Paid 5 000 ₽ in cash, moved to the 3 600 ₽ loft: until an admin hands the 1 400 ₽
    over, the card says it in the words the booking page and the messages use, and the
    cancel screen offers only what is still the client's."""
    anna = studio.user()
    made = await make_booking(
        studio.sessionmaker, studio.deps, start=msk(3, 12), telegram_id=1001,
        mode=PaymentMode.FULL,
    )  # fmt: skip
    async with studio.sessionmaker() as session:
        await reschedule(
            session, studio.deps, made.id, 2, msk(3, 12), msk(3, 14), Actor(admin=False)
        )
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    details = anna.last_message()["text"]  # type: ignore[index]
    assert f"Оплачено {money(360000, 'ru')} из {money(360000, 'ru')}, " in details
    assert f"возвращаем {money(140000, 'ru')}." in details
    assert "5 000" not in details.replace("\xa0", " ")
    await studio.press(anna, "✖ Отменить бронь")
    assert f"Вернём всю оплату: {money(360000, 'ru')}." in anna.last_message()["text"]  # type: ignore[index]
