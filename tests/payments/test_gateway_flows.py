"""Each gateway end to end through the real app and its webhook route, against its fake."""

from __future__ import annotations

import asyncio
import json

from jobs.reconcile import PAYMENT_AGE, reconcile_payments, retry_refunds
from tests.payments.helpers import Fakes, Gate, confirmed_payment, events, payment_of, refund
from tests.support import Api, Running


async def test_pay_webhook_confirms(api: Api, gate: Gate, fakes: Fakes) -> None:
    booking = await api.booked(day=3, hour=12, hours=2)
    payment = await api.start_payment(booking, gate.name)
    assert payment["status"] == "pending" and payment["amount"]["value"] == "2500.00"
    assert payment["confirmation_url"].startswith("https://")
    await gate.pay(payment)
    status, text = await gate.notify(payment)
    assert status == 200
    if gate.name == "tinkoff":
        assert text == "OK"  # exactly what T-Bank expects
    after = await api.booking(booking)
    assert after["status"] == "confirmed" and after["paid"]["value"] == "2500.00"
    assert (await payment_of(api, payment))["status"] == "succeeded"
    assert len(await events(api, booking, "booking.confirmed")) == 1
    assert gate.payments_created() == 1


async def test_requests_carry_our_ids_and_receipt(api: Api, gate: Gate, fakes: Fakes) -> None:
    booking = await api.booked(day=3, hour=12, hours=2, mode="full")
    payment = await api.start_payment(booking, gate.name)
    key = f"pay-{payment['id']}-{booking['code']}"
    if gate.name == "yookassa":
        sent = fakes.yk.requests_for("payments.create")[0]
        body = sent.json()
        assert sent.headers["Idempotence-Key"] == key
        assert body["capture"] is True and body["amount"]["value"] == "5000.00"
        assert body["metadata"]["payment_id"] == str(payment["id"])
        item = body["receipt"]["items"][0]
        assert item["vat_code"] == 1 and item["payment_subject"] == "service"
        assert item["payment_mode"] == "full_prepayment"
        assert body["receipt"]["customer"]["email"] == "client@example.com"
    elif gate.name == "tinkoff":
        body = fakes.tb.requests_for("Init")[0].json()
        assert body["OrderId"] == key and body["Amount"] == 500000 and body["PayType"] == "O"
        assert body["NotificationURL"].endswith("/api/payments/webhook/tinkoff")
        assert body["DATA"]["payment_id"] == str(payment["id"])
        assert body["Receipt"]["Taxation"] == "usn_income"
        assert body["Receipt"]["Items"][0]["PaymentObject"] == "service"
    else:
        params = fakes.sb.requests_for("register")[0].params
        assert params["orderNumber"] == key and params["amount"] == "500000"
        assert params["currency"] == "643" and params["userName"] == "studio-api"
        assert json.loads(params["jsonParams"])["payment_id"] == str(payment["id"])
        bundle = json.loads(params["orderBundle"])
        assert bundle["cartItems"]["items"][0]["tax"] == {"taxType": 0}


async def test_decline_keeps_booking_payable(api: Api, gate: Gate) -> None:
    booking = await api.booked()
    payment = await api.start_payment(booking, gate.name)
    await gate.decline(payment)
    status, _ = await gate.notify(payment)
    assert status == 200
    assert (await payment_of(api, payment))["status"] == "canceled"
    assert (await api.booking(booking))["status"] == "pending_payment"
    again = await api.start_payment(booking, gate.name)
    assert again["id"] != payment["id"]
    await gate.pay(again)
    assert (await gate.notify(again))[0] == 200
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_partial_then_full_refund_never_above_paid(running: Running, gate: Gate) -> None:
    api = running.api
    booking, payment = await confirmed_payment(api, gate)
    status, first = await refund(api, payment, "1000.00")
    assert status == 201 and first["status"] == "succeeded", first
    assert (await payment_of(api, payment))["status"] == "partially_refunded"
    status, too_much = await refund(api, payment, "1500.01")
    assert status == 400 and too_much["error"]["code"] == "refund_too_large"
    status, rest = await refund(api, payment)
    assert status == 201 and rest["status"] == "succeeded"
    assert rest["amount"]["value"] == "1500.00"
    assert (await payment_of(api, payment))["status"] == "refunded"
    assert (await api.booking(booking))["refunded"]["value"] == "2500.00"
    status, _ = await refund(api, payment, "1.00")
    assert status == 409
    # The same refunds again (as the retry job would): nothing more leaves the shop.
    running.clock.advance(minutes=10)
    await retry_refunds(running.sessionmaker, running.deps)
    assert gate.refunds_made() == 2


async def test_webhook_storm_confirms_once(api: Api, gate: Gate) -> None:
    booking = await api.booked()
    payment = await api.start_payment(booking, gate.name)
    await gate.pay(payment)
    answers = await asyncio.gather(*(gate.notify(payment) for _ in range(10)))
    assert [status for status, _ in answers] == [200] * 10
    assert (await api.booking(booking))["status"] == "confirmed"
    assert len(await events(api, booking, "booking.confirmed")) == 1
    assert len(await events(api, booking, "payment.succeeded")) == 1


async def test_webhooks_of_several_bookings_at_once_confirm_each_once(
    api: Api, gate: Gate
) -> None:
    """Reports arriving together are applied together; each booking is confirmed once."""
    paid = []
    for day in range(3, 7):
        booking = await api.booked(day=day)
        payment = await api.start_payment(booking, gate.name)
        await gate.pay(payment)
        paid.append((booking, payment))
    answers = await asyncio.gather(*(gate.notify(p) for _ in range(2) for _, p in paid))
    assert [status for status, _ in answers] == [200] * 8
    for booking, _ in paid:
        assert (await api.booking(booking))["status"] == "confirmed"
        assert len(await events(api, booking, "booking.confirmed")) == 1
        assert len(await events(api, booking, "payment.succeeded")) == 1


async def test_tinkoff_older_notification_after_success_changes_nothing(
    api: Api, fakes: Fakes, running: Running
) -> None:
    gate = Gate("tinkoff", fakes, running)
    booking = await api.booked()
    payment = await api.start_payment(booking, "tinkoff")
    gid = await gate.gateway_id(payment)
    stale = fakes.tb.notification(gid)  # NEW, signed, captured before the payment
    fakes.tb.pay(gid)
    assert (await gate.notify(payment))[0] == 200
    async with running.api.http.post(gate.webhook_url, json=stale) as response:
        assert response.status == 200 and await response.text() == "OK"
    assert (await api.booking(booking))["status"] == "confirmed"
    assert (await payment_of(api, payment))["status"] == "succeeded"


async def test_yookassa_stale_cancel_after_success_is_refused(
    api: Api, fakes: Fakes, running: Running
) -> None:
    gate = Gate("yookassa", fakes, running)
    booking = await api.booked()
    payment = await api.start_payment(booking, "yookassa")
    gid = await gate.gateway_id(payment)
    fakes.yk.pay(gid)
    assert (await gate.notify(payment))[0] == 200
    claimed = {**fakes.yk.payment(gid), "status": "canceled"}
    stale = {"type": "notification", "event": "payment.canceled", "object": claimed}
    async with running.api.http.post(gate.webhook_url, json=stale) as response:
        assert response.status == 403
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_sber_late_callback_changes_nothing(
    api: Api, fakes: Fakes, running: Running
) -> None:
    gate = Gate("sberpay", fakes, running)
    booking, payment = await confirmed_payment(api, gate)
    gid = await gate.gateway_id(payment)
    status, _ = await fakes.sb.send_callback(gate.webhook_url, gid, "approved", 1)
    assert status == 200
    assert len(await events(api, booking, "booking.confirmed")) == 1


async def test_yookassa_waiting_for_capture_never_confirms(
    api: Api, fakes: Fakes, running: Running
) -> None:
    gate = Gate("yookassa", fakes, running)
    booking = await api.booked()
    payment = await api.start_payment(booking, "yookassa")
    gid = await gate.gateway_id(payment)
    fakes.yk._payments[gid].capture = False  # as if the shop held it (we always send capture)
    fakes.yk.pay(gid)
    status, _ = await gate.notify(payment)
    assert status == 200
    assert (await payment_of(api, payment))["status"] == "authorized"
    assert (await api.booking(booking))["status"] == "pending_payment"


async def test_reconciliation_after_a_dropped_webhook(running: Running, gate: Gate) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking, gate.name)
    await gate.pay(payment)  # the webhook never arrives
    assert await reconcile_payments(running.sessionmaker, running.deps) == 0  # too fresh
    running.clock.advance(seconds=PAYMENT_AGE.total_seconds() + 1)
    assert await reconcile_payments(running.sessionmaker, running.deps) == 1
    assert await reconcile_payments(running.sessionmaker, running.deps) == 0
    assert (await api.booking(booking))["status"] == "confirmed"
    assert len(await events(api, booking, "booking.confirmed")) == 1
    status, _ = await gate.notify(payment)  # the webhook comes after all: a repeat
    assert status == 200
    assert len(await events(api, booking, "booking.confirmed")) == 1


async def test_paid_after_hold_expired_slot_free_confirms(running: Running, gate: Gate) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12)
    payment = await api.start_payment(booking, gate.name)
    running.clock.advance(minutes=16)
    await running.jobs.expire()
    assert (await api.booking(booking))["status"] == "expired"
    await gate.pay(payment)
    assert (await gate.notify(payment))[0] == 200
    assert (await api.booking(booking))["status"] == "confirmed"
    assert gate.refunds_made() == 0


async def test_paid_after_hold_expired_slot_taken_refunds(running: Running, gate: Gate) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12)
    payment = await api.start_payment(booking, gate.name)
    running.clock.advance(minutes=16)
    await running.jobs.expire()
    other = await api.booked(day=3, hour=12)
    await gate.pay(payment)
    assert (await gate.notify(payment))[0] == 200
    assert (await api.booking(booking))["status"] == "expired"
    assert (await api.booking(other))["status"] == "pending_payment"
    assert (await payment_of(api, payment))["status"] == "refunded"
    assert gate.refunds_made() == 1
    assert len(await events(api, booking, "payment.late_refunded")) == 1
    assert (await gate.notify(payment))[0] == 200  # repeated: no second refund
    assert gate.refunds_made() == 1


async def test_refund_notifications_after_our_refund_change_nothing(
    api: Api, gate: Gate, fakes: Fakes
) -> None:
    """ЮKassa refund.succeeded (mapped to the payment's refreshed state), T-Bank
    PARTIAL_REFUNDED, Sber "refunded": repeats of what our refund already recorded."""
    booking, payment = await confirmed_payment(api, gate)
    status, body = await refund(api, payment, "1000.00")
    assert status == 201 and body["status"] == "succeeded"
    gid = await gate.gateway_id(payment)
    if gate.name == "yookassa":
        answer = await fakes.yk.send_webhook(gate.webhook_url, gid, "refund.succeeded")
    elif gate.name == "tinkoff":
        answer = await fakes.tb.send_notification(gate.webhook_url, gid)
    else:
        answer = await fakes.sb.send_callback(gate.webhook_url, gid, "refunded", 1)
    assert answer[0] == 200
    after = await payment_of(api, payment)
    assert after["status"] == "partially_refunded" and after["refunded"]["value"] == "1000.00"
    assert len(await events(api, booking, "refund.succeeded")) == 1
    assert gate.refunds_made() == 1


async def test_yookassa_calls_one_after_another_share_a_connection(api: Api, fakes: Fakes) -> None:
    """The SDK would open (and TLS-handshake) a new connection for every call."""
    for day in (3, 4, 5):
        await api.start_payment(await api.booked(day=day), "yookassa")
    creates = fakes.yk.requests_for("payments.create")
    assert len(creates) == 3
    assert len({seen.peer for seen in creates}) == 1
