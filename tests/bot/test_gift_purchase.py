"""A client buys a gift certificate from the bot (the menu's button or /gift): an amount, a
gateway, the Pay link; the code comes to the chat only once the payment is verified, once
however often the gateway repeats itself, and then pays for a booking."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from db.certificates import CertificateOrder, GiftCertificate
from tests.bot.flows import Studio, picker, url_of
from tests.bot.test_booking_extras import rub, text_of
from tests.bot.test_certificate_booking import to_summary_with
from tests.fakes.telegram_api import FakeUser

CODE = re.compile(r"Код: ([346789A-Z]{4}-[346789A-Z]{4}-[346789A-Z]{4})")


async def codes(studio: Studio) -> list[str]:
    async with studio.sessionmaker() as session:
        return list(await session.scalars(select(GiftCertificate.code)))


def code_messages(user: FakeUser) -> list[dict[str, Any]]:
    return [m for m in user.messages() if CODE.search(m.get("text") or "")]


async def test_a_certificate_bought_in_the_chat_arrives_once_and_pays_a_booking(
    studio: Studio,
) -> None:
    anna = studio.user()
    await studio.send(anna, "/start")
    await studio.press(anna, "🎁 Подарочный сертификат")
    assert "Выберите сумму" in text_of(anna)
    await studio.press(anna, rub(500000))
    assert "Подарочный сертификат на 5" in text_of(anna)
    await studio.press(anna, "ЮKassa")
    offer = picker(anna)
    assert "код придёт сюда, в этот чат" in offer["text"]
    assert anna.buttons(offer)[0] == [f"💳 Оплатить {rub(500000)}"]
    async with studio.sessionmaker() as session:
        [order] = await session.scalars(select(CertificateOrder))
        assert (order.buyer_telegram_id, order.amount, order.status) == (
            anna.id,
            500000,
            "pending",
        )
    assert await codes(studio) == []

    url = url_of(offer)
    await studio.checkout(url)
    await studio.checkout(url)  # the gateway says it again: nothing more
    await studio.deliver()
    [message] = await studio.tg.wait_until(lambda: code_messages(anna))
    match = CODE.search(message["text"])
    assert match is not None
    assert await codes(studio) == [match.group(1)]
    assert "сертификат на 5 000 ₽ оплачен" in message["text"]
    await studio.deliver()
    assert len(code_messages(anna)) == 1

    await to_summary_with(studio, anna, match.group(1))  # spent on a booking
    assert f"• Подарочный сертификат {match.group(1)}: −{rub(500000)}" in text_of(anna)
    assert "Оплачивать нечего." in text_of(anna)


async def test_gift_command_and_a_declined_payment_sends_no_code(studio: Studio) -> None:
    boris = studio.user(1002, "Борис")
    reply = await studio.send(boris, "/gift")
    assert "Выберите сумму" in reply.params["text"]
    await studio.settle()
    await studio.press(boris, rub(300000))
    await studio.press(boris, "Т-Банк")
    await studio.checkout(url_of(picker(boris)), "canceled")
    await studio.deliver()
    await studio.settle()
    assert code_messages(boris) == []
    assert await codes(studio) == []
