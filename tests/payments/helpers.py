"""Small steps the payment tests share."""

from __future__ import annotations

from typing import Any

from tests.payments.conftest import Gate
from tests.support import Api


async def events(api: Api, booking: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    status, body = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    assert status == 200, body
    return [e for e in body["events"] if e["type"] == kind]


async def payment_of(api: Api, payment: dict[str, Any]) -> dict[str, Any]:
    status, body = await api.admin("GET", f"/api/payments/{payment['id']}")
    assert status == 200, body
    return dict(body)


async def refund(api: Api, payment: dict[str, Any], amount: str | None = None) -> tuple[int, Any]:
    body: dict[str, Any] = {"reason": "test refund"}
    if amount is not None:
        body["amount"] = amount
    return await api.admin("POST", f"/api/payments/{payment['id']}/refund", json=body)


async def confirmed_payment(
    api: Api, gate: Gate, **book: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Book, pay at the fake, deliver its webhook: (booking, payment), confirmed."""
    booking = await api.booked(**book)
    payment = await api.start_payment(booking, gate.name)
    await gate.pay(payment)
    status, text = await gate.notify(payment)
    assert status == 200, text
    assert (await api.booking(booking))["status"] == "confirmed"
    return booking, payment
