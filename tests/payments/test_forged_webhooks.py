"""Webhooks that fail verification are refused and change nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from payments.signing import tinkoff_token
from tests.payments.helpers import (
    SECRET_KEY,
    SHOP_ID,
    TB_PASSWORD,
    TERMINAL,
    Fakes,
    Gate,
    events,
    payment_of,
)
from tests.support import Api, Running


async def _pending_paid_at_fake(api: Api, gate: Gate) -> tuple[dict[str, Any], dict[str, Any]]:
    booking = await api.booked()
    payment = await api.start_payment(booking, gate.name)
    await gate.pay(payment)
    return booking, payment


async def _unchanged(api: Api, booking: dict[str, Any], payment: dict[str, Any]) -> None:
    assert (await api.booking(booking))["status"] == "pending_payment"
    assert (await payment_of(api, payment))["status"] == "pending"
    assert await events(api, booking, "booking.confirmed") == []


@pytest.fixture
def tb_gate(fakes: Fakes, running: Running) -> Gate:
    return Gate("tinkoff", fakes, running)


@pytest.fixture
def sb_gate(fakes: Fakes, running: Running) -> Gate:
    return Gate("sberpay", fakes, running)


@pytest.fixture
def yk_gate(fakes: Fakes, running: Running) -> Gate:
    return Gate("yookassa", fakes, running)


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"Token": "0" * 64}, 403),  # not signed with our password
        ({"Token": "\ud800"}, 403),  # a lone surrogate, valid JSON but not UTF-8
        ({"TerminalKey": "OtherTerminalDEMO"}, 403),  # signed, but another terminal
        ({"Amount": 100}, 400),  # signed, but not what we asked
        ({"OrderId": "pay-1-SOMEONE"}, 400),  # signed, but another order
    ],
)
async def test_tinkoff_forged(
    api: Api, tb_gate: Gate, overrides: dict[str, Any], status: int
) -> None:
    booking, payment = await _pending_paid_at_fake(api, tb_gate)
    answer, _ = await tb_gate.notify(payment, **overrides)
    assert answer == status
    await _unchanged(api, booking, payment)
    assert (await tb_gate.notify(payment))[0] == 200  # the genuine one still works


async def test_tinkoff_signed_payload_with_a_lone_surrogate_is_applied(
    api: Api, tb_gate: Gate
) -> None:
    """Valid JSON that is not valid UTF-8 in a field we only store: applied, not a 500."""
    booking, payment = await _pending_paid_at_fake(api, tb_gate)
    assert (await tb_gate.notify(payment, Pan="\ud800"))[0] == 200
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_tinkoff_token_from_another_password(api: Api, tb_gate: Gate, fakes: Fakes) -> None:
    booking, payment = await _pending_paid_at_fake(api, tb_gate)
    body = fakes.tb.notification(await tb_gate.gateway_id(payment))
    body["Token"] = tinkoff_token(body, TB_PASSWORD + "x")
    async with api.http.post(tb_gate.webhook_url, json=body) as response:
        assert response.status == 403
    await _unchanged(api, booking, payment)
    assert body["TerminalKey"] == TERMINAL


async def test_tinkoff_unknown_payment(api: Api, tb_gate: Gate, fakes: Fakes) -> None:
    body: dict[str, Any] = {
        "TerminalKey": TERMINAL,
        "OrderId": "pay-999-NOBODY",
        "Success": True,
        "Status": "CONFIRMED",
        "PaymentId": 123456789,
        "ErrorCode": "0",
        "Amount": 250000,
    }
    body["Token"] = tinkoff_token(body, TB_PASSWORD)
    async with api.http.post(tb_gate.webhook_url, json=body) as response:
        assert response.status == 404


async def test_tinkoff_unexpected_status_acknowledged_and_ignored(api: Api, tb_gate: Gate) -> None:
    booking = await api.booked()
    payment = await api.start_payment(booking, "tinkoff")
    status, text = await tb_gate.notify(payment, Status="SOMETHING_NEW")
    assert (status, text) == (200, "OK")  # no endless redelivery for what we cannot use
    await _unchanged(api, booking, payment)


@pytest.mark.parametrize(
    "overrides",
    [
        {"checksum": "DBBE9E54" * 8},  # wrong checksum
        {"checksum": None},  # unsigned
        {"amount": "1"},  # a changed parameter breaks the checksum
    ],
)
async def test_sber_bad_checksum(
    api: Api, sb_gate: Gate, fakes: Fakes, overrides: dict[str, Any]
) -> None:
    booking, payment = await _pending_paid_at_fake(api, sb_gate)
    gid = await sb_gate.gateway_id(payment)
    params = fakes.sb.callback_params(gid)
    params.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        params.pop(key)
    async with api.http.get(sb_gate.webhook_url, params=params) as response:
        assert response.status == 403
    await _unchanged(api, booking, payment)


async def test_sber_signed_callback_the_api_does_not_confirm(
    api: Api, sb_gate: Gate, fakes: Fakes
) -> None:
    booking = await api.booked()
    payment = await api.start_payment(booking, "sberpay")
    gid = await sb_gate.gateway_id(payment)  # unpaid at the gateway
    status, _ = await fakes.sb.send_callback(sb_gate.webhook_url, gid, "deposited", 1)
    assert status == 200  # genuine, but the gateway says "not paid": nothing changes
    await _unchanged(api, booking, payment)


async def test_sber_callback_naming_another_order(api: Api, sb_gate: Gate, fakes: Fakes) -> None:
    booking, payment = await _pending_paid_at_fake(api, sb_gate)
    gid = await sb_gate.gateway_id(payment)
    status, _ = await fakes.sb.send_callback(sb_gate.webhook_url, gid, orderNumber="pay-1-SOMEONE")
    assert status == 403
    await _unchanged(api, booking, payment)


async def test_sber_currency_differs(api: Api, sb_gate: Gate, fakes: Fakes) -> None:
    booking, payment = await _pending_paid_at_fake(api, sb_gate)
    gid = await sb_gate.gateway_id(payment)
    fakes.sb._orders[gid].currency = "840"
    status, _ = await sb_gate.notify(payment)
    assert status == 400
    await _unchanged(api, booking, payment)


async def test_sber_post_form_callback_accepted(api: Api, sb_gate: Gate, fakes: Fakes) -> None:
    booking, payment = await _pending_paid_at_fake(api, sb_gate)
    params = fakes.sb.callback_params(await sb_gate.gateway_id(payment))
    async with api.http.post(sb_gate.webhook_url, data=params) as response:
        assert response.status == 200
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_yookassa_sender_outside_its_networks(api: Api, yk_gate: Gate, fakes: Fakes) -> None:
    booking, payment = await _pending_paid_at_fake(api, yk_gate)
    body = fakes.yk.notification(await yk_gate.gateway_id(payment))
    async with api.http.post(
        yk_gate.webhook_url, json=body, headers={"X-Forwarded-For": "203.0.113.7"}
    ) as response:
        assert response.status == 403
    await _unchanged(api, booking, payment)
    fetches = fakes.yk.requests_for("payments.get")
    assert fetches == []  # refused before anything was asked
    async with api.http.post(
        yk_gate.webhook_url, json=body, headers={"X-Forwarded-For": "185.71.76.5"}
    ) as response:
        assert response.status == 403  # a real ЮKassa address is not in this test's list


async def test_yookassa_success_the_api_does_not_confirm(
    api: Api, yk_gate: Gate, fakes: Fakes
) -> None:
    booking = await api.booked()
    payment = await api.start_payment(booking, "yookassa")
    gid = await yk_gate.gateway_id(payment)
    claimed = {**fakes.yk.payment(gid), "status": "succeeded", "paid": True}
    forged = {"type": "notification", "event": "payment.succeeded", "object": claimed}
    async with api.http.post(yk_gate.webhook_url, json=forged) as response:
        assert response.status == 403
    await _unchanged(api, booking, payment)


@pytest.mark.parametrize("field", ["amount", "currency"])
async def test_yookassa_amount_or_currency_differs(
    api: Api, yk_gate: Gate, fakes: Fakes, field: str
) -> None:
    booking, payment = await _pending_paid_at_fake(api, yk_gate)
    stored = fakes.yk._payments[await yk_gate.gateway_id(payment)]
    if field == "amount":
        stored.amount -= 100
    else:
        stored.currency = "USD"
    status, _ = await yk_gate.notify(payment)
    assert status == 400
    await _unchanged(api, booking, payment)


async def test_yookassa_unknown_payment_and_garbage(api: Api, yk_gate: Gate, fakes: Fakes) -> None:
    # A payment made at the shop by someone else: genuine at the API, unknown here.

    auth = base64.b64encode(f"{SHOP_ID}:{SECRET_KEY}".encode()).decode()
    async with api.http.post(
        f"{fakes.yk.base_url}/payments",
        json={"amount": {"value": "10.00", "currency": "RUB"}, "capture": True},
        headers={"Authorization": f"Basic {auth}", "Idempotence-Key": "outsider"},
    ) as response:
        outsider = await response.json()
    fakes.yk.pay(outsider["id"])
    status, _ = await fakes.yk.send_webhook(yk_gate.webhook_url, outsider["id"])
    assert status == 404
    for body in (b"not json", b'{"type": "notification"}', b'{"event": "payout.succeeded"}'):
        async with api.http.post(yk_gate.webhook_url, data=body) as response:
            assert response.status == 403
    for object_id in ("../x", "2f1e9c3a-000f-5000-8000-000000000000"):  # bad; unknown to ЮKassa
        missing = {
            "type": "notification",
            "event": "payment.succeeded",
            "object": {"id": object_id},
        }
        async with api.http.post(yk_gate.webhook_url, json=missing) as response:
            assert response.status == 403
