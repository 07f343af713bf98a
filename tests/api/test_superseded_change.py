"""A client's dearer change an admin's own change replaces: it ends with `change_lapsed`, and
its payment link paid afterwards counts toward the balance the admin's change left, only the
money above it refunded. Client and admins are told how the money was split."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from db.models import Client
from db.outbox import Event, Notification
from i18n.formats import amount
from notifications.channels import Channels
from tests.api.test_extend import extend
from tests.api.test_reschedule import audit_holds, events, paid_booking, rub
from tests.support import Running, moscow

ADMIN = "777"


@pytest.fixture
def channels() -> Channels:
    return Channels(telegram=True, email=True, admin_telegram_ids=(int(ADMIN),))


def kopecks(value: dict[str, str]) -> int:
    return round(float(value["value"]) * 100)


async def superseded_link(
    running: Running, booking: dict[str, Any]
) -> tuple[dict[str, Any], int, int]:
    """The client asks for more time and opens its checkout; an admin then moves the booking
    to 16:00-18:15. (The open link, what it asks, the balance the move leaves.)"""
    api = running.api
    status, asked = await extend(api, booking, 30)
    assert status == 200 and asked["change"] is not None, asked
    link = await api.start_payment(booking)  # the client's checkout, still open
    status, moved = await api.admin(
        "POST",
        f"/api/bookings/{booking['id']}/reschedule",
        json={"start": moscow(3, 16), "end": moscow(3, 18, 15), "hall_id": 1},
    )
    assert status == 200, moved
    assert moved["due_kind"] == "balance" and moved["change"] is None
    lapsed = [e for e in await events(api, booking) if e["type"] == "booking.change_lapsed"]
    assert [e["payload"]["superseded_by"] for e in lapsed] == ["admin"]
    return link, kopecks(asked["due_now"]), kopecks(moved["due_now"])


async def told(running: Running, booking: dict[str, Any]) -> dict[str, list[str]]:
    """What the late payment's event made the outbox write, by recipient."""
    await running.jobs.relay()
    async with running.sessionmaker() as session:
        stmt = (
            select(Notification)
            .join(Event, Event.id == Notification.event_id)
            .where(Event.booking_id == booking["id"])
            .where(Event.type.in_(("payment.late_applied", "payment.late_refunded")))
            .order_by(Notification.id)
        )
        out: dict[str, list[str]] = {}
        for item in await session.scalars(stmt):
            out.setdefault(item.recipient, []).append(item.text)
        return out


async def payment_news(running: Running, booking: dict[str, Any]) -> list[str]:
    """Every message about a payment received for the booking (its balance paid)."""
    async with running.sessionmaker() as session:
        texts = await session.scalars(
            select(Notification.text).where(Notification.booking_id == booking["id"])
        )
        return [t for t in texts if t.startswith(("Получено", "Received", "💳 Остаток"))]


async def test_a_change_paid_after_an_admins_move_pays_the_balance_first(
    running: Running,
) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # white 12:00-14:00, 5000 paid
    link, asked, owed = await superseded_link(running, booking)
    assert asked == 125000 and 0 < owed < asked
    await api.checkout(link, "succeeded")
    seen = await api.booking(booking)
    assert seen["start"] == moscow(3, 16) and seen["end"] == moscow(3, 18, 15)
    assert seen["due_now"] == rub("0.00")
    assert kopecks(seen["refunded"]) == asked - owed  # only what was above the balance
    assert kopecks(seen["paid"]) - kopecks(seen["refunded"]) == kopecks(seen["total"])
    code, paid, kept, back = booking["code"], amount(asked), amount(owed), amount(asked - owed)
    assert await told(running, booking) == {
        "client@example.com": [
            f"Оплата {paid} ₽ пришла после того, как изменение брони отменилось: в остаток "
            f"по брони {code} зачтено {kept} ₽, а {back} ₽ вернём тем же способом, которым "
            "вы платили."
        ],
        ADMIN: [
            f"⚠️ Оплата {paid} ₽ за изменение брони {code} пришла после отмены изменения: "
            f"в остаток зачтено {kept} ₽, возврат {back} ₽ оформлен."
        ],
    }
    assert await payment_news(running, booking) == []
    await audit_holds(running)


async def test_in_english_the_split_reads_in_english(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    link, asked, owed = await superseded_link(running, booking)
    async with running.sessionmaker() as session:
        await session.execute(update(Client).values(language="en"))
        await session.commit()
    await api.checkout(link, "succeeded")
    [text] = (await told(running, booking))["client@example.com"]
    assert text == (
        f"Your payment of {amount(asked, 'en')} ₽ arrived after the change of the booking had "
        f"been cancelled: {amount(owed, 'en')} ₽ counts toward the balance of booking "
        f"{booking['code']}, and {amount(asked - owed, 'en')} ₽ will be refunded the way you "
        "paid."
    )


async def test_a_change_paid_after_an_admins_move_all_toward_the_balance(
    running: Running,
) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, mode="prepay")  # its prepayment paid
    link, asked, owed = await superseded_link(running, booking)
    assert 0 < asked < owed
    await api.checkout(link, "succeeded")
    seen = await api.booking(booking)
    assert seen["refunded"] == rub("0.00")
    assert kopecks(seen["due_now"]) == owed - asked
    code, paid = booking["code"], amount(asked)
    sent = await told(running, booking)
    [to_client] = sent["client@example.com"]
    assert to_client.startswith(
        f"Оплата {paid} ₽ пришла после того, как изменение брони отменилось: она зачтена "
        f"в остаток по брони {code}."
    ), to_client
    assert "верн" not in to_client and "возврат" not in to_client
    assert sent[ADMIN] == [
        f"💳 Оплата {paid} ₽ за изменение брони {code} пришла после отмены изменения: "
        "она зачтена в остаток."
    ]
    assert await payment_news(running, booking) == []  # not told twice
    await audit_holds(running)
