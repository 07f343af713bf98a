"""A gift certificate's code typed on the booking summary ("У меня есть промокод /
сертификат"): its line and what is left to pay are shown, the hold spends it, the gateway is
asked for the rest; a certificate that pays everything confirms the booking with no payment
at all; a spent or expired one is refused in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from booking import certificates
from db.certificates import CertificateMovement, GiftCertificate
from tests.bot.flows import Studio, button, share_phone, url_of
from tests.bot.test_booking_extras import rub, text_of, to_extras
from tests.fakes.telegram_api import FakeUser

ADMIN = 900
ASK = "🎟 У меня есть промокод / сертификат"


async def issued(studio: Studio, amount: int) -> str:
    async with studio.sessionmaker() as session:
        made = await certificates.issue(session, studio.deps, amount, issued_by="admin")
        return made.code


async def left_on(studio: Studio, code: str) -> int:
    async with studio.sessionmaker() as session:
        found = await certificates.find(session, code)
        return await certificates.balance(session, found.id, studio.clock.now)


async def to_summary_with(studio: Studio, user: FakeUser, typed: str) -> None:
    await to_extras(studio, user)
    await studio.press(user, "• 4 •")
    await studio.press(user, "Далее ›")
    await studio.press(user, ASK)
    await studio.send(user, typed)
    await studio.settle()


async def test_a_certificate_pays_part_and_the_gateway_the_rest(studio: Studio) -> None:
    code = await issued(studio, 300000)
    anna = studio.user()
    await to_summary_with(studio, anna, code.replace("-", " ").lower())  # typed as read
    summary = text_of(anna)
    assert f"• Подарочный сертификат {code}: −{rub(300000)}" in summary, summary
    assert f"Стоимость: {rub(500000)}" in summary
    assert f"Сертификатом оплачивается {rub(300000)}; осталось оплатить: {rub(200000)}" in summary
    assert anna.buttons()[-2] == ["✖ Без сертификата"]
    assert anna.buttons()[-3] == [ASK]  # a promo code can still be added

    await studio.press(anna, f"Полная оплата {rub(200000)}")
    await studio.press(anna, "ЮKassa")
    await studio.press(anna, "Пропустить")
    hold = (await share_phone(studio, anna)).result
    [booking] = await studio.bookings()
    assert (booking.status, booking.total) == ("pending_payment", 200000)
    [payment] = await studio.payments()
    assert payment.amount == 200000
    assert await left_on(studio, code) == 0  # taken by the hold
    assert (await studio.checkout(url_of(hold)))["webhook_statuses"] == [200]
    [booking] = await studio.bookings()
    assert (booking.status, booking.paid) == ("confirmed", 200000)


@pytest.mark.parametrize("bot_env", [{"admin_ids": [ADMIN]}])
async def test_a_certificate_covering_everything_confirms_with_no_payment(
    studio: Studio,
) -> None:
    code = await issued(studio, 1000000)
    anna = studio.user()
    await to_summary_with(studio, anna, code)
    summary = text_of(anna)
    assert f"осталось оплатить: {rub(0)}" in summary
    assert "Оплачивать нечего." in summary
    await studio.press(anna, "✅ Подтвердить бронь")
    await studio.press(anna, "Пропустить")
    await anna.send_contact("+79991234567")

    def covered() -> list[dict[str, Any]]:
        return [m for m in anna.messages() if (m.get("text") or "").startswith("✅ Бронь")]

    await studio.tg.wait_until(covered)
    [booking] = await studio.bookings()
    assert (booking.status, booking.total) == ("confirmed", 0)
    assert await studio.payments() == []
    assert await left_on(studio, code) == 500000
    # The confirmation says the certificate paid it, not "paid 0 ₽ of 0 ₽".
    await studio.settle()
    await studio.deliver()

    def told() -> list[str]:
        texts = [m.get("text") or m.get("caption") or "" for m in anna.messages()]
        return [t for t in texts if "подтверждена ✅" in t]

    [confirmation] = await studio.tg.wait_until(told)
    assert f"\nОплачено подарочным сертификатом: {rub(500000)}." in confirmation
    assert " из " not in confirmation, confirmation
    day = str((await studio.send(studio.user(ADMIN), "/day 2026-12-03")).params["text"])
    assert f"· Оплачено подарочным сертификатом: {rub(500000)}" in day, day


async def test_a_certificate_spent_meanwhile_asks_again_instead_of_a_zero_payment(
    studio: Studio,
) -> None:
    code = await issued(studio, 1000000)
    anna = studio.user()
    await to_summary_with(studio, anna, code)
    await studio.press(anna, "✅ Подтвердить бронь")
    await studio.press(anna, "Пропустить")
    async with studio.sessionmaker() as session:  # most of it went meanwhile
        found = await certificates.find(session, code)
        session.add(CertificateMovement(
            certificate_id=found.id, kind="refund", amount=-(1000000 - 100000),
            created_at=studio.clock.now))  # fmt: skip
        await session.commit()
    await anna.send_contact("+79991234567")

    def refused() -> list[dict[str, Any]]:
        return [m for m in anna.messages() if (m.get("text") or "").startswith("😔")]

    [message] = await studio.tg.wait_until(refused)
    assert "Стоимость только что изменилась" in message["text"]
    assert f"осталось оплатить: {rub(400000)}" in message["text"]
    assert await studio.bookings() == [] and await studio.payments() == []


async def test_a_spent_or_expired_certificate_is_refused_in_words(studio: Studio) -> None:
    empty = await issued(studio, 100000)
    async with studio.sessionmaker() as session:
        found = await certificates.find(session, empty)
        session.add(CertificateMovement(
            certificate_id=found.id, kind="refund", amount=-100000,
            created_at=studio.clock.now))  # fmt: skip
        await session.commit()
    old = await issued(studio, 100000)
    async with studio.sessionmaker() as session:
        await session.execute(
            update(GiftCertificate)
            .where(GiftCertificate.code == old)
            .values(expires_at=studio.clock.now - timedelta(days=1))
        )
        await session.commit()
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "• 4 •")
    await studio.press(anna, "Далее ›")
    await studio.press(anna, ASK)
    reply = await studio.send(anna, empty)
    assert "На этом подарочном сертификате ничего не осталось." in reply.params["text"]
    reply = await studio.send(anna, old)
    assert "Срок действия этого подарочного сертификата истёк." in reply.params["text"]
    await studio.press(anna, "‹ Без кода")
    assert f"Стоимость: {rub(500000)}" in text_of(anna)
    assert "сертификат" not in text_of(anna).lower()
    assert button(anna, "Полная оплата")
