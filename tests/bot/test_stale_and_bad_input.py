"""Stale buttons, races and bad input: a short answer and a fresh view, never an error or a
wrong booking; double taps make one booking; free text and bad numbers change nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from db.models import Client
from keyboards.callbacks import MonthCallback
from tests.bot.flows import Studio, book, book_and_pay, is_hold, share_phone, to_gateway, to_phone


async def test_two_users_race_for_one_slot_in_the_chat(studio: Studio) -> None:
    anna, boris = studio.user(), studio.user(1002, "Борис")
    await to_phone(studio, anna)
    await to_phone(studio, boris)
    # Both share their phone at the same moment: one hold, the other a fresh day view.
    await asyncio.gather(anna.send_contact("+79991111111"), boris.send_contact("+79992222222"))
    await studio.tg.wait_for(is_hold)
    await studio.settle()
    bookings = await studio.bookings()
    assert len(bookings) == 1
    winner, loser = (anna, boris) if bookings[0].client_id == 1 else (boris, anna)
    assert winner.last_message()["text"].startswith("⏳")  # type: ignore[index]
    lost = loser.last_message()
    assert lost is not None and lost["text"].startswith("😔 Пока вы оформляли")
    # 12:00-14:00 is taken, and its 15 min of cleaning: the fresh view shows that part.
    assert loser.buttons(lost)[0] == ["Утро (8)", "• День (11) •", "Вечер (17)"]
    assert loser.buttons(lost)[1] == ["14:15", "14:30", "14:45", "15:00"]
    assert not any(m["text"].startswith("⏳") for m in loser.messages())


async def test_buttons_of_a_slot_taken_meanwhile_get_a_fresh_day(studio: Studio) -> None:
    anna, boris = studio.user(), studio.user(1002, "Борис")
    await to_gateway(studio, anna, time="11:00", length="4 ч")  # 11:00-15:00, at the gateways
    gateways_id = anna.messages()[0]["message_id"]
    await studio.send(anna, "/book")  # a second picker, at the starts of the same day
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, "3")
    await studio.press(anna, "День (20)")
    await book(studio, boris)  # takes 12:00-14:00 on the 3rd

    answer = await studio.press(anna, "12:00")
    assert answer.params["text"] == "Это время уже заняли"
    assert anna.buttons()[0] == ["Утро (8)", "• День (11) •", "Вечер (17)"]
    assert anna.buttons()[1][0] == "14:15"  # 12-14 and its 15 min of cleaning are gone
    answer = await studio.press(anna, "ЮKassa", gateways_id)
    assert answer.params["text"] == "Это время уже заняли"
    assert "Выберите время начала" in studio.tg.message(anna.id, gateways_id)["text"]  # type: ignore[index]
    assert len(await studio.bookings()) == 1


async def test_double_tap_on_create_makes_one_booking(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna, day="3")
    await studio.send(anna, "/start")
    await to_phone(studio, anna, day="4", start=False)  # a returning client: the saved phone
    saved = "Использовать +79991234567"
    assert [saved] in anna.buttons()
    picker = anna.last_message()
    assert picker is not None
    first = await anna.press(saved)
    second = await anna.press(saved, picker["message_id"])
    assert (await studio.answered(first["id"])).params.get("text") is None
    assert (await studio.answered(second["id"])).params["text"] == "Бронь уже оформлена"
    await studio.settle()
    assert [b.start_at.day for b in await studio.bookings()] == [3, 4]
    assert anna.last_message()["text"].startswith("⏳")  # type: ignore[index]


async def test_buttons_after_a_restart(studio: Studio) -> None:
    anna = studio.user()
    await to_gateway(studio, anna)
    await studio.press(anna, "ЮKassa")
    picker = anna.last_message()
    assert picker is not None
    await studio.restart_bot()  # the e-mail step lived in memory
    reply = await studio.send(anna, "anna@example.com")
    assert reply.params["text"].startswith("Не понял сообщение")
    await studio.press(anna, "Пропустить", picker["message_id"])  # stateless: still works
    assert "Телефон для связи" in anna.messages()[0]["text"]
    await share_phone(studio, anna)
    assert len(await studio.bookings()) == 1


async def test_old_hold_message_after_payment_and_cancel(studio: Studio) -> None:
    anna = studio.user()
    hold = await book_and_pay(studio, anna)
    await studio.press(anna, "✖ Отменить бронь", hold["message_id"])
    assert "Вернём всю оплату" in anna.last_message()["text"]  # type: ignore[index]
    confirm = anna.last_message()
    assert confirm is not None
    await studio.press(anna, "Да, отменить")
    old = studio.tg.button(confirm, "Да, отменить")["callback_data"]  # e.g. a second device
    query = await anna.press_data(old, confirm["message_id"])
    answer = await studio.answered(query["id"])
    assert answer.params["text"] == "Бронь изменилась"
    assert "Статус: ✖ отменена" in anna.last_message()["text"]  # type: ignore[index]
    assert len([r for r in await studio.bookings() if r.refunded]) == 1


@pytest.mark.parametrize("telegram_options", [{"chat_burst": 30, "strict_urls": False}])
async def test_free_text_unknown_command_bad_email_and_phone(studio: Studio) -> None:
    anna = studio.user()
    reply = await studio.send(anna, "привет, хочу зал на завтра")
    assert reply.params["text"].startswith("Не понял сообщение")
    reply = await studio.send(anna, "/foo")
    assert reply.params["text"].startswith("Неизвестная команда")
    await to_gateway(studio, anna)
    await studio.press(anna, "ЮKassa")
    reply = await studio.send(anna, "anna at example")
    assert reply.params["text"].startswith("Это не похоже на e-mail")
    reply = await studio.send(anna, "/bar")
    assert reply.params["text"].startswith("Неизвестная команда")
    reply = await studio.send(anna, "anna@example.com")
    assert "Телефон для связи" in reply.params["text"]
    for bad in ("12345", "+7 999 ABC", "телефон"):
        reply = await studio.send(anna, bad)
        assert reply.params["text"].startswith("Не получилось разобрать номер")
    sticker: dict[str, Any] = {"sticker": {"file_id": "x", "file_unique_id": "y", "width": 1,
                                           "height": 1, "is_animated": False, "is_video": False,
                                           "type": "regular"}}  # fmt: skip
    await anna.send_message(sticker)
    reply = await studio.tg.wait_for("sendMessage", chat_id=anna.id)
    assert reply.params["text"].startswith("Не понял сообщение")
    assert await studio.bookings() == []
    await share_phone(studio, anna)  # the step is still there
    assert (await studio.bookings())[0].status == "pending_payment"
    await anna.send_contact("+79990000000")  # a phone nobody asked for
    reply = await studio.tg.wait_for("sendMessage", chat_id=anna.id)
    assert reply.params["text"].startswith("Номер сейчас не нужен")
    assert studio.tg.reply_keyboard(anna.id) is None
    assert len(await studio.bookings()) == 1


async def test_unknown_forged_and_inaccessible_buttons(studio: Studio) -> None:
    anna = studio.user()
    menu = await studio.send(anna, "/start")
    message_id = menu.result["message_id"]
    query = await anna.press_data("zz:1:2", message_id)
    assert (await studio.answered(query["id"])).params["text"] == "Кнопка устарела"
    query = await anna.press_data(MonthCallback(hall_id=999, month=24323).pack(), message_id)
    assert (await studio.answered(query["id"])).params["text"] == "Этот зал сейчас недоступен"
    assert anna.last_message()["text"] == "Выберите зал:"  # type: ignore[index]
    far = MonthCallback(hall_id=1, month=2027 * 12 + 11).pack()  # December 2027: too far
    query = await anna.press_data(far, message_id)
    await studio.answered(query["id"])
    assert anna.buttons()[0][1] == "Март 2027"  # moved into the booking window
    before = len(anna.messages())
    query = await anna.press_data("m:home", 9999)  # a message the bot can no longer edit
    await studio.answered(query["id"])
    await studio.settle()
    assert len(anna.messages()) == before + 1  # shown as a new message instead


@pytest.mark.parametrize("telegram_options", [{"chat_burst": 10, "strict_urls": True}])
async def test_refused_url_button_becomes_a_link_in_the_text(studio: Studio) -> None:
    anna = studio.user()
    hold = await book(studio, anna)
    assert "Ссылка на оплату: http://127.0.0.1:" in hold["text"]
    assert anna.buttons(hold) == [["✖ Отменить бронь", "📋 Мои брони"]]
    url = hold["text"].rsplit(" ", 1)[-1]
    await studio.checkout(url)
    assert (await studio.bookings())[0].status == "confirmed"


async def test_hold_expired_before_paying_from_my_bookings(studio: Studio) -> None:
    anna = studio.user()
    hold = await book(studio, anna)
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, "💳 Оплатить 2\u00a0500\u00a0₽")
    studio.clock.advance(minutes=16)  # the hold runs out while the client chooses
    answer = await studio.press(anna, "SberPay")
    assert answer.params["text"] == "Бронь изменилась"
    assert "⌛ не оплачена вовремя" in anna.last_message()["text"]  # type: ignore[index]
    assert (await studio.bookings())[0].status == "expired"
    assert hold["message_id"] != anna.last_message()["message_id"]  # type: ignore[index]


async def test_a_contact_shared_at_the_email_step_skips_the_email(studio: Studio) -> None:
    """The phone step's "share" keyboard can still be up at the e-mail step (after Back):
    sharing the contact there books with that phone and no e-mail, not a dead end."""
    anna = studio.user()
    await to_gateway(studio, anna)
    await studio.press(anna, "ЮKassa")  # the e-mail step
    call = await share_phone(studio, anna)
    assert call.ok
    [booking] = await studio.bookings()
    assert booking.status == "pending_payment"
    async with studio.sessionmaker() as session:
        client = await session.get(Client, booking.client_id)
    assert client is not None and client.phone == "+79991234567" and client.email is None
