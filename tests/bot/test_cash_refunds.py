"""Cash a client's own cancellation gives back, end to end through the local Bot API server:
nobody has handed it over yet, so it waits, pending; the admins are told and settle it once
the money is given back at the studio."""

from __future__ import annotations

import pytest

from db.models import Booking, Refund
from tests.bot.flows import Studio
from tests.support import fetch, make_booking, msk, rows

ADMIN = 700_001


@pytest.fixture
def bot_env() -> dict[str, object]:
    return {"admin_ids": [ADMIN]}


async def test_a_client_cancelling_a_cash_booking_waits_for_the_admin(studio: Studio) -> None:
    admin, anna = studio.user(ADMIN), studio.user(1001)
    booking = await make_booking(  # 2 500 ₽ of 5 000 ₽ taken in cash by an admin
        studio.sessionmaker, studio.deps, start=msk(3, 12), telegram_id=anna.id
    )
    await studio.send(anna, "/my")
    await studio.press(anna, anna.buttons()[0][0])
    await studio.press(anna, "✖ Отменить бронь")
    await studio.press(anna, "Да, отменить")
    after = await fetch(studio.sessionmaker, Booking, booking.id)
    assert (after.status, after.refunded) == ("cancelled", 0)  # no cash has left the desk
    [refund] = await rows(studio.sessionmaker, Refund, Refund.booking_id == booking.id)
    assert (refund.status, refund.amount) == ("pending", 250_000)

    await studio.deliver()
    told = "\n".join(m.get("text", "") for m in studio.tg.messages(ADMIN))
    assert (
        f"💵 Клиенту брони {booking.code} нужно вернуть 2 500 ₽ наличными (возврат № "
        f"{refund.id}). Отдайте деньги в студии и закройте возврат: /settle {refund.id} yes "
        f"в боте или POST /api/refunds/{refund.id}/settle."
    ) in told, told
    reply = (await studio.send(admin, f"/settle {refund.id} да отдали")).result["text"]
    assert reply == f"☑️ Возврат #{refund.id} на 2 500 ₽ отмечен как сделанный."
    assert (await fetch(studio.sessionmaker, Booking, booking.id)).refunded == 250_000
