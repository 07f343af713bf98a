"""A client books by button presses, over HTTP against the fake Bot API, through the mock
checkout to the confirmation; the picker, Back, the calendar's limits, English, expiry."""

from __future__ import annotations

import importlib.util
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from db.models import Client
from i18n.formats import money
from tests.bot.flows import (
    Studio,
    book,
    book_and_pay,
    button,
    is_hold,
    past_extras,
    share_phone,
    to_gateway,
    to_phone,
    url_of,
)
from tests.fakes.telegram_api import FakeUser
from tests.support import eventually, fetch, make_booking, msk

MSK = ZoneInfo("Europe/Moscow")
# The confirmation travels through part B's Telegram channel of the notification log.


async def test_full_booking_by_buttons(studio: Studio) -> None:
    tg, anna = studio.tg, studio.user()
    start = await studio.send(anna, "/start")
    assert "Анна" in start.result["text"]
    assert anna.buttons() == [
        ["📅 Забронировать"],
        ["📋 Мои брони"],
        ["💰 Залы и цены", "ℹ️ Контакты и помощь"],
        ["🎁 Подарочный сертификат"],
    ]
    picker_id = start.result["message_id"]

    await studio.press(anna, "📅 Забронировать")
    assert anna.buttons()[0] == [f"Белый зал · {money(250000, 'ru')}/ч"]
    await studio.press(anna, button(anna, "Белый зал"))
    calendar = anna.last_message()
    assert calendar is not None and calendar["message_id"] == picker_id
    assert anna.buttons()[0] == ["⠀", "Декабрь 2026", "›"]  # no way back before today
    await studio.press(anna, "3")
    assert anna.last_message()["text"].startswith("Белый зал, чт, 3 декабря")  # type: ignore[index]
    assert anna.buttons()[0] == ["• Утро (12) •", "День (20)", "Вечер (17)"]
    await studio.press(anna, "День (20)")
    await studio.press(anna, "12:00")
    lengths = [text for row in anna.buttons()[:-1] for text in row]
    assert lengths[0] == "1 ч" and lengths[-1] == "10 ч"  # until closing at 22:00
    await studio.press(anna, "2 ч")
    await past_extras(studio, anna)  # 4 people, no add-ons: the price of hall time alone
    summary = anna.last_message()["text"]  # type: ignore[index]
    assert "12:00–14:00 (2 ч)" in summary and f"Стоимость: {money(500000, 'ru')}" in summary
    assert f"Предоплата 50%: {money(250000, 'ru')}" in summary
    await studio.press(anna, f"Предоплата {money(250000, 'ru')}")
    assert anna.buttons() == [["ЮKassa"], ["Т-Банк"], ["SberPay"], ["‹ Назад"]]
    await studio.press(anna, "ЮKassa")
    assert "E-mail для чека" in anna.last_message()["text"]  # type: ignore[index]
    await studio.press(anna, "Пропустить")
    assert tg.reply_keyboard(anna.id) == [["📱 Поделиться номером"]]
    assert [m["message_id"] for m in anna.messages()][0] == picker_id

    hold_call = await share_phone(studio, anna)
    hold = hold_call.result
    assert tg.reply_keyboard(anna.id) is None  # the contact keyboard is gone
    bookings = await studio.bookings()
    assert len(bookings) == 1
    booking = bookings[0]
    assert booking.status == "pending_payment" and booking.prepay_amount == 250000
    assert hold["text"].startswith(f"⏳ Бронь {booking.code} создана")
    assert "в течение 15 минут (до 09:15), иначе бронь будет отменена" in hold["text"]
    assert anna.buttons(hold)[0] == [f"💳 Оплатить {money(250000, 'ru')}"]
    picker = tg.message(anna.id, picker_id)
    assert picker is not None and "reply_markup" not in picker  # old buttons are gone
    assert picker["text"].startswith("✓ Белый зал")

    payments = await studio.payments()
    assert [(p.gateway, p.amount, p.kind) for p in payments] == [
        ("yookassa", 250000, "prepayment")
    ]
    assert (await studio.checkout(url_of(hold)))["webhook_statuses"] == [200]
    booking = (await studio.bookings())[0]
    assert booking.status == "confirmed" and booking.paid == 250000
    assert [c for c in tg.calls() if not c.ok] == []  # nothing the Bot API refused
    await confirmation_reaches_the_chat(studio, anna, hold)
    # The .ics goes as an upload (a multipart form).
    sent_as = {(call.method, call.content_type) for call in tg.calls()}
    assert ("sendDocument", "multipart/form-data") in sent_as
    assert {"getUpdates", "sendMessage", "editMessageText", "answerCallbackQuery"} <= {
        method for method, _ in sent_as
    }


async def confirmation_reaches_the_chat(
    studio: Studio, anna: FakeUser, hold: dict[str, Any]
) -> None:
    """The payment's confirmation, with the .ics, comes to the same chat via delivery."""
    code = (await studio.bookings())[0].code
    await studio.deliver()

    def confirmed() -> list[dict[str, Any]]:
        return [
            m
            for m in anna.messages()
            if "подтверждена" in (m.get("text") or m.get("caption") or "")
        ]

    messages = await studio.tg.wait_until(confirmed)
    text = messages[0].get("text") or messages[0].get("caption")
    assert code in text and "Белый зал" in text and "Примерная" in text
    assert "Оплачено 2 500 ₽ из 5 000 ₽." in text.replace("\u00a0", " ")

    def ics() -> list[dict[str, Any]]:
        return [
            m
            for m in anna.messages()
            if m.get("document", {}).get("file_name", "").endswith(".ics")
        ]

    document = studio.tg.document((await studio.tg.wait_until(ics))[0])
    assert document.data is not None and b"BEGIN:VCALENDAR" in document.data
    assert code.encode() in document.data
    stamp = studio.deps.now().astimezone(UTC)  # made on the service's clock
    assert f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}".encode() in document.data
    assert hold["message_id"] < messages[0]["message_id"]


async def test_english_typed_email_and_phone_full_payment(studio: Studio) -> None:
    bob = studio.user(1002, "Bob", lang="en")
    await to_gateway(studio, bob, hall="Loft", day="4", time="10:00", length="3 h", mode="full")
    await studio.press(bob, "YooKassa")
    assert "E-mail for the receipt" in bob.last_message()["text"]  # type: ignore[index]
    reply = await studio.send(bob, "not an e-mail")
    assert reply.params["text"].startswith("That does not look like an e-mail")
    reply = await studio.send(bob, "bob@example.com")
    assert reply.params["text"].endswith("or type it, e.g. +7 999 123-45-67.")
    assert studio.tg.reply_keyboard(bob.id) == [["📱 Share my phone"]]
    reply = await studio.send(bob, "12345")
    assert reply.params["text"].startswith("I could not read that number")
    await bob.send_text("8 (999) 765-43-21")
    hold = (
        await studio.tg.wait_for(lambda c: str(c.params.get("text", "")).startswith("⏳"))
    ).result
    assert "is awaiting payment" in hold["text"] and "(full price)" in hold["text"]
    assert "Loft, Fri, 4 December, 10:00–13:00" in hold["text"]
    assert (
        "Please pay within 15 minutes (by 09:15), or the booking will be cancelled" in hold["text"]
    )
    booking = (await studio.bookings())[0]
    assert booking.payment_mode == "full" and booking.prepay_amount == booking.total == 540000
    async with studio.sessionmaker() as session:
        from booking.clients import known_contacts

        assert await known_contacts(session, bob.id) == ("+79997654321", "bob@example.com")
    await studio.settle()


async def test_an_english_speaker_reads_the_studio_in_english(studio: Studio) -> None:
    """Help and the confirmation name the studio and its address as the studio file gives
    them in English; weekdays and the refund policy read as English does."""
    bob = studio.user(1002, "Bob", lang="en")
    text = (await studio.send(bob, "/help")).params["text"]
    assert text.startswith("Svet photo studio\n📍 1 Primernaya St, 3rd floor, Moscow")
    assert "\nMon 09:00–22:00\n" in text and "Sat 10:00–23:00" in text
    assert (
        "If you cancel, we refund: 48 h or more before the start, 100% of what you paid; "
        "24 h or more before the start, 50% of what you paid; later, nothing." in text
    )
    assert "An unpaid booking is kept for 15 minutes." in text
    await book_and_pay(studio, bob)
    await studio.deliver()

    def confirmed() -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in bob.messages()]

    messages = await studio.tg.wait_until(lambda: [t for t in confirmed() if "is confirmed" in t])
    assert "White hall, Thu, 3 December 2026, 12:00–14:00." in messages[0]
    assert "1 Primernaya St, 3rd floor, Moscow" in messages[0]
    assert "Paid 2,500\u00a0₽ of 5,000\u00a0₽." in messages[0]


async def test_back_works_at_every_step_in_one_message(studio: Studio) -> None:
    anna = studio.user()
    await to_phone(studio, anna)
    picker_id = anna.messages()[0]["message_id"]
    texts_back = []
    # phone -> e-mail -> gateways -> summary -> add-ons -> people -> lengths -> starts -> month
    # -> halls -> menu
    for _ in range(10):
        await studio.press(anna, "‹ Назад", picker_id)
        texts_back.append(anna.messages()[0]["text"].split("\n")[-1])
    assert texts_back == [
        "✉️ E-mail для чека (необязательно): напишите его сообщением или нажмите «Пропустить».",
        "Выберите способ оплаты:",
        "Как будете оплачивать?",
        "➕ Выберите дополнительные услуги и нажмите «Далее»:",
        "Сколько человек придёт?",
        "Выберите длительность:",
        "Выберите время начала:",
        "Выберите день. ✖ — всё занято, · — недоступно.",
        "Выберите зал:",
        "Что вы хотите сделать?",
    ]
    assert anna.messages()[0]["message_id"] == picker_id  # one message edited in place
    assert len(anna.messages()) == 2  # and the message with the contact-sharing keyboard
    await to_phone(studio, anna, start=False)
    await share_phone(studio, anna)
    assert len(await studio.bookings()) == 1


async def test_calendar_months_horizon_and_closures(studio: Studio) -> None:
    anna = studio.user()
    await studio.send(anna, "/start")
    await studio.press(anna, "📅 Забронировать")
    await studio.press(anna, button(anna, "Тёмный зал"))
    await studio.press(anna, "›")
    january = anna.buttons()
    assert january[0] == ["‹", "Январь 2027", "›"]
    assert january[2][4] == "·" and january[2][5] == "2"  # closed on Friday 1 January
    answer = await studio.press(anna, "·")  # closed: no waitlist, no booking letting go opens it
    assert answer.params["text"] == "Этот день недоступен для брони"
    assert anna.buttons() == january
    await studio.press(anna, "›")
    await studio.press(anna, "›")
    march = anna.buttons()
    assert march[0] == ["‹", "Март 2027", "⠀"]  # the horizon: 90 days from 1 December
    assert march[2][0] == "1" and march[2][1] == "·"  # 1 March bookable, 2 March not
    await studio.press(anna, "‹")
    assert anna.buttons()[0][1] == "Февраль 2027"


async def test_halls_and_prices_help_and_deep_link(studio: Studio) -> None:
    anna = studio.user()
    await studio.send(anna, "/start")
    await studio.press(anna, "💰 Залы и цены")
    prices = anna.last_message()["text"]  # type: ignore[index]
    assert "Белый зал — от 2\u00a0500\u00a0₽/ч, минимум 1 ч" in prices
    assert "Тёмный зал — от 1\u00a0500\u00a0₽/ч, минимум 2 ч" in prices
    assert "Сб, Вс 00:00–24:00 — 3\u00a0200\u00a0₽/ч" in prices
    await studio.press(anna, button(anna, "📅 Забронировать · Лофт"))
    assert anna.last_message()["text"].startswith("Лофт")  # type: ignore[index]
    reply = await studio.send(anna, "/help")
    assert "Примерная" in reply.params["text"] and "Пн 09:00–22:00" in reply.params["text"]
    assert (
        "Если вы отмените бронь, мы вернём: за 48 ч до начала и раньше — 100% оплаченного; "
        "за 24 ч до начала и раньше — 50% оплаченного; позже — ничего." in reply.params["text"]
    )
    reply = await studio.send(anna, "/start loft")
    assert reply.params["text"].startswith("Лофт · 1\u00a0800\u00a0₽/ч")
    reply = await studio.send(anna, "/start hall-999")
    assert reply.params["text"].startswith("Здравствуйте")


@pytest.mark.parametrize("bot_env", [{"admin_ids": [900]}])
async def test_command_menu_in_both_languages(studio: Studio) -> None:
    names = [c["command"] for c in studio.tg.commands()]
    assert names == ["start", "book", "my", "gift", "help", "whoami"]
    assert studio.tg.commands(language_code="ru")[1]["description"] == "Забронировать зал"
    assert studio.tg.commands(language_code="en")[2]["description"] == "My bookings"
    bob = studio.user(1002, "Bob", lang="en")
    reply = await studio.send(bob, "/my")
    assert reply.params["text"] == "📋 No upcoming bookings. To book: /book"
    admin = studio.tg.commands({"type": "chat", "chat_id": 900})
    assert [c["command"] for c in admin][: len(names)] == names
    if importlib.util.find_spec("handlers.admin") is not None:
        assert len(admin) > len(names)  # and the admin commands after them


async def test_expired_hold(studio: Studio) -> None:
    anna = studio.user()
    hold = await book(studio, anna)
    studio.clock.advance(minutes=16)
    await studio.expire()
    assert (await studio.bookings())[0].status == "expired"
    await studio.press(anna, "📋 Мои брони", hold["message_id"])
    assert anna.last_message()["text"] == "📋 Предстоящих броней нет. Забронировать: /book"  # type: ignore[index]
    await studio.press(anna, "🕘 Прошедшие")
    assert "⌛ не оплачена вовремя" in anna.buttons()[0][0]
    await studio.deliver()
    expired = await studio.tg.wait_until(
        lambda: [m for m in anna.messages() if "истекло" in (m.get("text") or "")]
    )
    assert "забронировать снова" in expired[0]["text"]
    await studio.press(anna, "📅 Забронировать снова", expired[0]["message_id"])
    assert anna.last_message()["text"] == "Выберите зал:"  # type: ignore[index]


async def test_returning_client_types_an_email_then_a_new_phone(studio: Studio) -> None:
    """After the typed e-mail the phone screen (saved phone offered) comes as a new message;
    a phone typed instead makes the hold as another message and closes that screen."""
    anna = studio.user()
    await book_and_pay(studio, anna, day="3")  # the phone is saved; no e-mail yet
    await to_gateway(studio, anna, day="4")
    await studio.press(anna, "ЮKassa")
    phone_screen = (await studio.send(anna, "anna@example.com")).result
    assert ["Использовать +79991234567"] in anna.buttons(phone_screen)
    await anna.send_text("8 999 000-11-22")
    hold = (await studio.tg.wait_for(is_hold, ok=True)).result
    await studio.settle()
    assert hold["message_id"] > phone_screen["message_id"]
    closed = studio.tg.message(anna.id, phone_screen["message_id"])
    assert closed is not None and "reply_markup" not in closed  # its buttons are gone
    second = (await studio.bookings())[1]
    assert second.start_at.astimezone(MSK).day == 4 and second.status == "pending_payment"
    async with studio.sessionmaker() as session:
        from booking.clients import known_contacts

        assert await known_contacts(session, anna.id) == ("+79990001122", "anna@example.com")
    assert [c for c in studio.tg.calls() if not c.ok] == []


async def test_blocking_and_unblocking_the_bot_is_remembered(studio: Studio) -> None:
    """A client who blocked the bot gets nothing queued in the chat; once they unblock it
    (or press Start), reminders for their booking reach them again."""
    anna = studio.user(1001)
    booking = await make_booking(
        studio.sessionmaker, studio.deps, start=msk(3, 12), telegram_id=anna.id
    )

    async def blocked() -> bool:
        return (await fetch(studio.sessionmaker, Client, booking.client_id)).bot_blocked

    async def reachable() -> bool:
        return not await blocked()

    await anna.block()
    await eventually(blocked)
    await anna.unblock()
    await eventually(reachable)
    await anna.block()
    await eventually(blocked)
    await studio.send(anna, "/start")  # a client whose unblock we missed presses Start
    assert not await blocked()
    studio.clock.now = msk(2, 12)
    await studio.service.jobs.run_all_once()
    reminders = [m for m in anna.messages() if m.get("text", "").startswith("Напоминаем")]
    assert len(reminders) == 1
