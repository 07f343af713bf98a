"""An admin books for a client who called, end to end in the bot (/new on the clients' own
picker, then the people coming, name, phone, e-mail and how it is settled); the client
later shares that phone and the booking comes to their chat; non-admins cannot; the money
audit holds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from booking.audit import audit_ledger
from db.models import Client, Hall
from db.outbox import Event
from tests.bot.flows import Studio, book, button, choose_time
from tests.fakes.telegram_api import FakeUser
from tests.support import FakeClock, make_booking, msk

ADMIN = 900

pytestmark = pytest.mark.parametrize("bot_env", [{"admin_ids": [ADMIN]}])


@pytest.fixture
def telegram_options() -> dict[str, Any]:
    # An admin's typed answers follow each other fast; the checkout link is on 127.0.0.1.
    return {"chat_burst": 100, "strict_urls": False}


async def to_people(
    studio: Studio, admin: FakeUser, hall: str = "Белый зал", day: str = "3"
) -> None:
    """/new through the picker: `hall`, `day`, 12:00, 2 h."""
    intro = await studio.send(admin, "/new")
    assert intro.params["text"].startswith("📞 Бронь за клиента")
    await studio.press(admin, button(admin, hall))
    await studio.press(admin, day)
    await choose_time(studio, admin, "12:00")
    await studio.press(admin, "2 ч")


async def to_client_steps(studio: Studio, admin: FakeUser, guests: str = "• 4 •") -> None:
    """/new through the picker: White hall, the 3rd, 12:00, 2 h, `guests` people."""
    await to_people(studio, admin)
    text = admin.last_message()["text"]  # type: ignore[index]
    assert "12:00–14:00 (2 ч)" in text and text.endswith("Нажмите число или введите его:")
    assert "👥 До 15 человек" in text  # the hall's capacity and what more people cost
    await studio.press(admin, guests)
    text = admin.last_message()["text"]  # type: ignore[index]
    assert "12:00–14:00 (2 ч)" in text and text.endswith("Введите имя клиента:")


async def type_client(studio: Studio, admin: FakeUser, email: str | None) -> None:
    reply = await studio.send(admin, "Ирина Петрова")
    assert reply.params["text"].startswith("Клиент: Ирина Петрова. Введите его телефон")
    reply = await studio.send(admin, "12345")
    assert reply.params["text"].startswith("Не удалось разобрать номер")
    reply = await studio.send(admin, "8 (916) 555-44-33")
    assert reply.params["text"].startswith("Телефон +79165554433.")
    if email is None:
        await studio.press(admin, "Пропустить")
    else:
        await studio.send(admin, email)
    assert admin.buttons()[:3] == [
        ["💵 Оплачено наличными"],
        ["🤝 Подтвердить без оплаты"],
        ["🔗 Ссылка на оплату"],
    ]


def spaced(call: Any) -> str:
    """The text (of a call, or as it is) with the no-break spaces of amounts as plain ones."""
    text = call if isinstance(call, str) else call.params["text"]
    return str(text).replace("\u00a0", " ").replace("\u202f", " ")


async def audit_ok(studio: Studio) -> None:
    async with studio.sessionmaker() as session:
        report = await audit_ledger(session, studio.clock.now)
    assert report.ok, report.render()


async def test_cash_booking_by_phone_reaches_the_client_who_shares_that_phone(
    studio: Studio,
) -> None:
    admin = studio.user(ADMIN, "Ольга")
    await to_client_steps(studio, admin)
    await type_client(studio, admin, email=None)
    await studio.press(admin, "💵 Оплачено наличными")
    done = admin.last_message()["text"]  # type: ignore[index]
    [booking] = await studio.bookings()
    assert done.startswith(
        f"✅ Бронь {booking.code} для клиента Ирина Петрова, +79165554433 подтверждена. "
        "Оплачено 5\u00a0000\u00a0₽."
    ), done
    assert (booking.status, booking.source, booking.paid, booking.booked_by) == (
        "confirmed",
        "admin",
        booking.total,
        ADMIN,
    )
    [payment] = await studio.payments()
    assert (payment.gateway, payment.status, payment.amount) == ("cash", "succeeded", 500_000)
    async with studio.sessionmaker() as session:
        events = (await session.scalars(select(Event).order_by(Event.id))).all()
    by_admin = {e.type: e.payload.get("admin_id") for e in events if e.payload.get("by")}
    assert by_admin == {"booking.created": ADMIN, "payment.succeeded": ADMIN}
    await audit_ok(studio)
    stats = await studio.send(admin, "/stats 2026-12")
    assert "Оплачено: 5 000 ₽" in spaced(stats)
    assert "Наличными: 5 000 ₽; долг по подтверждённым броням: 0 ₽" in spaced(stats)
    card = await studio.send(admin, f"/booking {booking.code}")
    assert "источник: админ" in card.params["text"]
    assert f"Оформлена за клиента админом {ADMIN}" in card.params["text"]

    # The client opens the bot later and shares that phone: the booking joins the chat.
    irina = studio.user(1501, "Ирина")
    asked = await studio.send(irina, "/phone")
    assert asked.params["text"].startswith("Бронировали по телефону через студию?")
    assert studio.tg.reply_keyboard(irina.id) == [["📱 Поделиться номером"]]
    await irina.send_contact("+7 916 555 44 33")
    found = await studio.tg.wait_for("sendMessage", chat_id=irina.id)
    assert found.params["text"].startswith("📋 Нашлась 1 бронь")
    await studio.settle()
    await studio.deliver()
    told = await studio.tg.wait_until(
        lambda: [m for m in irina.messages() if booking.code in (m.get("caption") or "")]
    )
    assert "подтверждена ✅" in told[0]["caption"]  # with its calendar file
    assert len([m for m in irina.messages() if booking.code in str(m)]) == 1  # told once
    my = await studio.send(irina, "/my")
    assert not my.params["text"].startswith("📋 Предстоящих броней нет"), my.params["text"]
    async with studio.sessionmaker() as session:
        owner = await session.scalar(select(Client).where(Client.telegram_id == irina.id))
    assert owner is not None and owner.phone == "+79165554433"


async def test_unpaid_and_link_bookings_by_phone(studio: Studio) -> None:
    admin = studio.user(ADMIN, "Ольга")
    await to_client_steps(studio, admin)
    await type_client(studio, admin, email="irina@example.com")
    await studio.press(admin, "🤝 Подтвердить без оплаты")
    text = admin.last_message()["text"]  # type: ignore[index]
    assert "подтверждена без оплаты: 5\u00a0000\u00a0₽ к оплате в студии" in text
    assert "Клиент получит подтверждение по e-mail." in text
    day = await studio.send(admin, "/day 2026-12-03")
    assert "⚠️ не оплачено" in day.params["text"]
    stats = await studio.send(admin, "/stats 2026-12")
    assert "Наличными: 0 ₽; долг по подтверждённым броням: 5 000 ₽" in spaced(stats)

    intro = await studio.send(admin, "/new")
    assert intro.ok
    await studio.press(admin, button(admin, "Белый зал"))
    await studio.press(admin, "3")
    await choose_time(studio, admin, "16:00")
    await studio.press(admin, "1 ч")
    await studio.press(admin, "• 4 •")
    await type_client(studio, admin, email=None)
    await studio.press(admin, "🔗 Ссылка на оплату")
    text = admin.last_message()["text"]  # type: ignore[index]
    assert "держится до 09:15" in text and "Перешлите клиенту эту ссылку на оплату:" in text
    link = text.split("оплату:\n", 1)[1].split("\n", 1)[0]
    result: Any = await studio.checkout(link)
    assert result["webhook_statuses"] == [200]
    bookings = await studio.bookings()
    assert [(b.status, b.source, b.paid) for b in bookings] == [
        ("confirmed", "admin", 0),
        ("confirmed", "admin", bookings[1].prepay_amount),  # the prepayment, as clients pay
    ]
    await audit_ok(studio)


async def test_the_slot_taken_meanwhile_and_cancel(studio: Studio) -> None:
    admin = studio.user(ADMIN, "Ольга")
    await to_client_steps(studio, admin)
    await studio.press(admin, "✖ Отмена")
    assert admin.last_message()["text"].startswith("Ничего не забронировано")  # type: ignore[index]
    assert await studio.bookings() == []
    await to_client_steps(studio, admin)
    await type_client(studio, admin, email=None)
    anna = studio.user(1001)  # a client books 12:00 meanwhile
    await book(studio, anna)
    await studio.press(admin, "💵 Оплачено наличными")
    text = admin.last_message()["text"]  # type: ignore[index]
    assert text.startswith("😔 Бронь не создана: это время уже занято."), text
    assert [b.source for b in await studio.bookings()] == ["telegram"]


async def test_non_admins_cannot_book_for_others(studio: Studio) -> None:
    anna = studio.user(1001)
    reply = await studio.send(anna, "/new")
    assert reply.params["text"].startswith("Неизвестная команда")
    assert await studio.bookings() == []


async def test_a_blocked_client_is_refused_by_phone_too(studio: Studio) -> None:
    """The admin learns it as soon as the phone is typed, with the command that lifts it."""
    admin = studio.user(ADMIN, "Ольга")
    blocked = await studio.send(admin, "/block +79165554433 долг")
    assert blocked.params["text"].startswith("⛔ Заблокирован")
    await to_client_steps(studio, admin)
    await studio.send(admin, "Ирина Петрова")
    told = await studio.send(admin, "8 (916) 555-44-33")
    assert told.params["text"] == (
        "⛔ Клиент +79165554433 заблокирован: бронь за него не оформить, по телефону тоже. "
        "Снять блокировку: /unblock +79165554433 — и начните заново: /new"
    )
    assert await studio.bookings() == []
    await studio.send(admin, "/unblock +79165554433")
    await to_client_steps(studio, admin)
    await type_client(studio, admin, email=None)
    await studio.press(admin, "💵 Оплачено наличными")
    assert [b.status for b in await studio.bookings()] == ["confirmed"]


async def test_a_client_past_the_no_show_limit_pays_in_full_by_phone(
    studio: Studio, clock: FakeClock
) -> None:
    """No "confirm unpaid" for them, and the link is for the whole price."""
    missed = [
        await make_booking(studio.sessionmaker, studio.deps, start=msk(1, 10), hall_id=hall)
        for hall in (1, 2)
    ]
    clock.now = msk(1, 10, 30)
    admin = studio.user(ADMIN, "Ольга")
    for booking in missed:
        await studio.send(admin, f"/noshow {booking.code}")
    await to_client_steps(studio, admin)
    await studio.send(admin, "Анна")
    await studio.send(admin, "+7 999 123-45-67")
    await studio.press(admin, "Пропустить")
    screen = admin.last_message()["text"]  # type: ignore[index]
    assert (
        "⚠️ У клиента неявок на брони: 2 или больше. Он платит полную стоимость — наличными "
        "или по ссылке на всю сумму; бронь без оплаты невозможна." in screen
    ), screen
    assert admin.buttons()[:2] == [["💵 Оплачено наличными"], ["🔗 Ссылка на оплату"]]
    await studio.press(admin, "🔗 Ссылка на оплату")
    assert "Перешлите клиенту эту ссылку на оплату:" in admin.last_message()["text"]  # type: ignore[index]
    [held] = [b for b in await studio.bookings() if b.status == "pending_payment"]
    assert (held.payment_mode, held.prepay_amount, held.total) == ("full", 500_000, 500_000)
    [payment] = [p for p in await studio.payments() if p.booking_id == held.id]
    assert payment.amount == 500_000


async def test_the_people_the_client_names_are_priced_and_kept(studio: Studio) -> None:
    """The guests over those the price covers cost as for clients; the number is kept on
    the booking (a move counts it against another hall), typed or pressed."""
    admin = studio.user(ADMIN, "Ольга")
    await to_people(studio, admin)
    refused = await studio.send(admin, "16")  # more than the hall takes
    assert refused.params["text"] == "Введите число от 1 до 15."
    named = await studio.send(admin, "6")
    text = spaced(named)
    assert "Стоимость: 7 000 ₽" in text, text  # 5 000 hall + 2 people over 4 × 2 h × 500
    assert "• Гости сверх 4: 2: 2 000 ₽" in text and text.endswith("Введите имя клиента:")
    await type_client(studio, admin, email=None)
    assert "Стоимость: 7 000 ₽" in spaced(admin.last_message()["text"])  # type: ignore[index]
    await studio.press(admin, "💵 Оплачено наличными")
    [booking] = await studio.bookings()
    assert (booking.guests, booking.guests_chosen) == (6, 6)
    assert (booking.total, booking.paid, booking.status) == (700000, 700000, "confirmed")
    await audit_ok(studio)

    # Back from the people to the lengths: the booking for the client goes on.
    await to_people(studio, admin, day="4")
    await studio.press(admin, "‹ Назад")
    await studio.press(admin, "1 ч")
    await studio.press(admin, "2")
    text = admin.last_message()["text"]  # type: ignore[index]
    assert "12:00–13:00 (1 ч)" in text and text.endswith("Введите имя клиента:"), text


async def test_a_hall_that_does_not_count_people_skips_the_step(studio: Studio) -> None:
    async with studio.sessionmaker() as session:
        hall = await session.get(Hall, 2)
        assert hall is not None and hall.name == "Лофт"
        hall.capacity, hall.guest_fee, hall.included_guests = None, None, None
        await session.commit()
    admin = studio.user(ADMIN, "Ольга")
    await to_people(studio, admin, "Лофт")
    assert admin.last_message()["text"].endswith("Введите имя клиента:")  # type: ignore[index]
    await type_client(studio, admin, email=None)
    await studio.press(admin, "🤝 Подтвердить без оплаты")
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.guests_chosen, booking.status) == (2, None, "confirmed")
