"""Roles end to end through the local Bot API server: an owner changes prices, closures, codes
and feed addresses and refunds any amount; a plain admin is refused with a clear word (and
nothing changes); a client gets the usual "unknown command"; /whoami tells anyone their id
and role; every admin action's event carries the admin's Telegram id."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from booking.holds import PaymentMode
from db.certificates import CertificateOrder, GiftCertificate
from db.models import Booking, Closure, Hall
from db.outbox import Event
from db.sales import PromoCode
from handlers.admin import ADMIN_COMMANDS, OWNER_ONLY
from tests.bot.flows import Studio
from tests.support import count, fetch, make_booking, msk, rows

OWNER = 710_001
ADMIN = 710_002
CLIENT = 1001
OWNER_NEEDED = "🔒 Это может только владелец студии (OWNER_IDS); попросите владельца."


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {"admin_ids": [ADMIN], "owner_ids": [OWNER], "admin_refund_limit": 1000}


async def text_of(studio: Studio, user_id: int, command: str) -> str:
    return str((await studio.send(studio.user(user_id), command)).result["text"])


async def events(studio: Studio, kind: str) -> list[dict[str, Any]]:
    async with studio.sessionmaker() as session:
        found = await session.scalars(select(Event).where(Event.type == kind).order_by(Event.id))
        return [e.payload for e in found]


async def test_owner_commands_refused_to_a_plain_admin(studio: Studio) -> None:
    for command in (
        "/price white 2800",
        "/close all 2026-12-05 ремонт",
        "/reopen 1",
        "/promo WINTER 10%",
        "/promo_off WINTER",
        "/certificate 5000",
        "/calendar new",
    ):
        assert await text_of(studio, ADMIN, command) == OWNER_NEEDED, command
    assert (await fetch(studio.sessionmaker, Hall, 1)).hourly_price == 250_000
    assert await count(studio.sessionmaker, Closure) == 1  # the studio file's New Year
    assert await count(studio.sessionmaker, PromoCode) == 0
    # What any admin may do still works for them.
    assert (await text_of(studio, ADMIN, "/calendar")).startswith("📆")
    assert await text_of(studio, ADMIN, "/closures") != OWNER_NEEDED
    assert "🔒 Только владельцы" in await text_of(studio, ADMIN, "/admin")


async def test_owner_can_and_the_events_name_the_admin(studio: Studio) -> None:
    text = await text_of(studio, OWNER, "/price white 2800")
    assert text == "💰 Белый зал: 2 500 → 2 800 ₽/ч. Прежние брони сохраняют свою сумму."
    assert (await text_of(studio, OWNER, "/close loft 2026-12-05 ремонт")).startswith(
        "🚫 Закрыто: Лофт"
    )
    [closure] = await rows(studio.sessionmaker, Closure, Closure.hall_id == 2)
    assert (await text_of(studio, OWNER, f"/reopen {closure.id}")).startswith("✅ Закрытие")
    assert (await text_of(studio, OWNER, "/promo WINTER 10%")).startswith("🏷")
    assert (await text_of(studio, OWNER, "/certificate 5000")).startswith("🎁")
    assert (await text_of(studio, OWNER, "/calendar new")).startswith("🔄")
    for kind in (
        "hall.price_changed",
        "closure.created",
        "closure.removed",
        "promo.created",
        "certificate.issued",
        "calendar_feeds.renewed",
    ):
        [payload] = await events(studio, kind)
        assert payload["admin_id"] == OWNER, kind
    [price] = await events(studio, "hall.price_changed")
    assert (price["old"], price["new"]) == (250_000, 280_000)


async def test_refunds_above_the_limit_need_an_owner(studio: Studio) -> None:
    # Paid 2 500 ₽ in cash; ADMIN_REFUND_LIMIT is 1 000 ₽ here.
    booking = await make_booking(studio.sessionmaker, studio.deps, start=msk(3, 12))
    refused = "🔒 Возврат больше 1 000 ₽ может сделать только владелец студии (OWNER_IDS)."
    assert await text_of(studio, ADMIN, f"/refund {booking.code} 1500") == refused
    assert await text_of(studio, ADMIN, f"/refund {booking.code} all") == refused
    assert await text_of(studio, ADMIN, f"/cancel {booking.code} болезнь") == refused
    after = await fetch(studio.sessionmaker, Booking, booking.id)
    assert (after.status, after.refunded) == ("confirmed", 0)
    text = await text_of(studio, ADMIN, f"/refund {booking.code} 500 свет")
    assert text.endswith("Возврат 500 ₽: выполнен")
    # The rest (2 000 ₽) is above the limit: the owner cancels with a full refund.
    text = await text_of(studio, OWNER, f"/cancel {booking.code} болезнь")
    assert text.startswith(f"❌ Бронь {booking.code} отменена. Возврат 2 000 ₽.")
    refunds = await events(studio, "refund.created")
    assert [(p["refund_amount"], p["admin_id"]) for p in refunds] == [
        (50_000, ADMIN),
        (200_000, OWNER),
    ]
    [cancelled] = await events(studio, "booking.cancelled")
    assert cancelled["admin_id"] == OWNER


async def test_a_client_gets_unknown_command(studio: Studio) -> None:
    booking = await make_booking(studio.sessionmaker, studio.deps, start=msk(3, 12))
    for command in ("/price white 1", f"/noshow {booking.code}", f"/block {booking.code}"):
        assert (await text_of(studio, CLIENT, command)).startswith("Неизвестная команда")
    assert (await fetch(studio.sessionmaker, Hall, 1)).hourly_price == 250_000
    assert (await fetch(studio.sessionmaker, Booking, booking.id)).status == "confirmed"


async def test_every_admin_command_is_refused_to_a_client_and_every_owners_to_an_admin(
    studio: Studio,
) -> None:
    """The whole command menu, so a command added later is covered too: a client is told
    the command is unknown, a plain admin that an owner is needed; nothing changes."""
    booking = await make_booking(studio.sessionmaker, studio.deps, start=msk(3, 12))
    events_before = await count(studio.sessionmaker, Event)
    for name, _text in ADMIN_COMMANDS:
        command = f"/{name} {booking.code}"
        assert (await text_of(studio, CLIENT, command)).startswith("Неизвестная команда"), name
    for name in sorted(OWNER_ONLY):
        assert await text_of(studio, ADMIN, f"/{name} 1 2") == OWNER_NEEDED, name
    after = await fetch(studio.sessionmaker, Booking, booking.id)
    assert (after.status, after.paid, after.refunded) == ("confirmed", 250_000, 0)
    assert await count(studio.sessionmaker, Event) == events_before


async def test_whoami_for_everyone(studio: Studio) -> None:
    text = await text_of(studio, CLIENT, "/whoami")
    assert text.startswith(f"🪪 Ваш Telegram id: {CLIENT}\nРоль: клиент")
    assert "ADMIN_IDS" in text
    assert (await text_of(studio, ADMIN, "/whoami")).endswith("Роль: администратор")
    assert "Роль: владелец" in await text_of(studio, OWNER, "/whoami")
    english = studio.user(1002, "Ann", lang="en")
    text = str((await studio.send(english, "/whoami")).result["text"])
    assert text.startswith("🪪 Your Telegram id: 1002\nRole: client")
    menu = [c["command"] for c in studio.tg.commands()]
    assert "whoami" in menu
    admin_menu = [c["command"] for c in studio.tg.commands({"type": "chat", "chat_id": ADMIN})]
    assert {"noshow", "block", "unblock", "new", "move"} <= set(admin_menu)
    assert not {"price", "close", "hours", "hall", "rules"} & set(admin_menu)
    owner_menu = [c["command"] for c in studio.tg.commands({"type": "chat", "chat_id": OWNER})]
    assert {"noshow", "price", "close", "hours", "hall", "rules"} <= set(owner_menu)


async def test_a_plain_admin_settles_a_stuck_certificate_order_once(studio: Studio) -> None:
    """The stuck notice's recipe works for any admin: the order's one certificate is issued
    through it (recorded with the admin's id), and asking again changes nothing."""
    now = studio.deps.now()
    async with studio.sessionmaker() as session:
        order = CertificateOrder(
            amount=150_000, gateway="mock", gateway_payment_id="mock-stuck-1",
            idempotency_key="cert-stuck-1", status="pending", buyer_name="Анна",
            buyer_email="anna@example.com", created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(order)
        await session.commit()
        order_id = order.id
    text = await text_of(studio, ADMIN, f"/certorder {order_id} да")
    [made] = await rows(studio.sessionmaker, GiftCertificate)
    assert text == (
        f"☑️ Заказ № {order_id}: 1 500 ₽ отмечены как полученные. Подарочный сертификат "
        f"{made.code} выпущен и отправлен покупателю."
    )
    settled = await fetch(studio.sessionmaker, CertificateOrder, order_id)
    assert settled.status == "succeeded" and settled.certificate_id == made.id
    assert settled.raw is not None and settled.raw["admin_id"] == ADMIN
    assert [e["admin_id"] for e in await events(studio, "certificate.order_settled")] == [ADMIN]
    assert await text_of(studio, ADMIN, f"/certorder {order_id} нет") == (
        f"Заказ № {order_id} уже решён: ответом платёжной системы или администратором."
    )
    assert await count(studio.sessionmaker, GiftCertificate) == 1
    assert await text_of(studio, ADMIN, "/certorder 999 да") == (
        "Заказ сертификата № 999 не найден."
    )
    assert await text_of(studio, ADMIN, f"/certorder {order_id}") == (
        "Формат: /certorder НОМЕР_ЗАКАЗА да|нет"
    )


async def test_a_move_refunding_above_the_limit_needs_an_owner(studio: Studio) -> None:
    # Paid 5 000 ₽ online; the loft costs 3 600 ₽: moving there refunds 1 400 ₽.
    booking = await make_booking(
        studio.sessionmaker, studio.deps, start=msk(3, 12), paid="mock", mode=PaymentMode.FULL
    )
    refused = "🔒 Возврат больше 1 000 ₽ может сделать только владелец студии (OWNER_IDS)."
    assert await text_of(studio, ADMIN, f"/move {booking.code} 2026-12-03 12:00 loft") == refused
    after = await fetch(studio.sessionmaker, Booking, booking.id)
    assert (after.hall_id, after.total, after.refunded) == (1, 500_000, 0)
    text = await text_of(studio, OWNER, f"/move {booking.code} 2026-12-03 12:00 loft")
    assert text.startswith(f"🔁 Бронь {booking.code} перенесена: Лофт"), text
    after = await fetch(studio.sessionmaker, Booking, booking.id)
    assert (after.hall_id, after.total, after.refunded) == (2, 360_000, 140_000)
