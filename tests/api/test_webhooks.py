"""Gateway webhooks: verified before anything changes, applied once, in any order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from db import busy_time, queries
from db.models import Booking, Payment
from db.outbox import Event
from jobs.reconcile import reconcile_payments
from payments.base import PaymentStatus
from payments.mock import SIGNATURE_HEADER, MockProvider
from tests.support import Running, table_counts


async def events_of(running: Running, booking: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    status, body = await running.api.admin(
        "GET", f"/api/integrations/events?booking_id={booking['id']}"
    )
    assert status == 200
    return [e for e in body["events"] if e["type"] == kind]


async def post_webhook(
    running: Running,
    payment: dict[str, Any],
    status: PaymentStatus,
    *,
    amount: int | None = None,
    gateway: str = "mock",
    tamper: bool = False,
) -> tuple[int, Any]:
    provider = running.deps.providers[gateway]
    assert isinstance(provider, MockProvider)
    gateway_id = payment["confirmation_url"].rsplit("/", 1)[1]
    kopecks = int(float(payment["amount"]["value"]) * 100) if amount is None else amount
    body, headers = provider.outcome(gateway_id, payment["id"], kopecks, status)
    if tamper:
        data = json.loads(body)
        data["amount"] = 1
        body = json.dumps(data).encode()
    return await running.api.call(
        "POST", f"/api/payments/webhook/{gateway}", data=body, headers=headers
    )


async def test_repeated_webhook_confirms_once(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    result = await api.checkout(payment, "succeeded", repeat=5)
    assert result["webhook_statuses"] == [200] * 5
    after = await api.booking(booking)
    assert after["status"] == "confirmed"
    assert after["paid"]["value"] == "2500.00"
    assert len(await events_of(running, booking, "booking.confirmed")) == 1


async def test_webhook_storm_at_once(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    results = await asyncio.gather(
        *(post_webhook(running, payment, PaymentStatus.SUCCEEDED) for _ in range(10))
    )
    assert [status for status, _ in results] == [200] * 10
    after = await api.booking(booking)
    assert after["status"] == "confirmed"
    assert after["paid"]["value"] == "2500.00"
    assert len(await events_of(running, booking, "booking.confirmed")) == 1


async def test_fifty_webhooks_for_fifty_bookings_at_once_each_answered_after_its_commit(
    running: Running,
) -> None:
    """Every webhook is applied in its own transaction and answered only once that has
    committed: read from a fresh session the moment its 200 arrives, its booking is
    already confirmed."""
    api = running.api
    paid = []
    for day in range(3, 28):
        for hour in (10, 14):
            booking = await api.booked(day=day, hour=hour)
            paid.append((booking["id"], await api.start_payment(booking)))

    async def notify_then_read(booking_id: int, payment: dict[str, Any]) -> tuple[int, str]:
        status, _ = await post_webhook(running, payment, PaymentStatus.SUCCEEDED)
        async with running.sessionmaker() as fresh:
            row = await fresh.get(Booking, booking_id)
            assert row is not None
            return status, row.status

    answers = await asyncio.gather(*(notify_then_read(b, p) for b, p in paid))
    assert answers == [(200, "confirmed")] * 50
    async with running.sessionmaker() as session:
        confirmations = await session.execute(
            select(Event.booking_id, func.count())
            .where(Event.type == "booking.confirmed")
            .group_by(Event.booking_id)
        )
        assert sorted((b, n) for b, n in confirmations) == [(b, 1) for b, _ in paid]


async def test_out_of_order_pending_after_success_is_ignored(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    assert (await post_webhook(running, payment, PaymentStatus.SUCCEEDED))[0] == 200
    assert (await post_webhook(running, payment, PaymentStatus.PENDING))[0] == 200
    assert (await post_webhook(running, payment, PaymentStatus.CANCELED))[0] == 200
    after = await api.booking(booking)
    assert after["status"] == "confirmed"
    assert after["payments"][0]["status"] == "succeeded"


async def test_success_after_a_decline_report_still_confirms(running: Running) -> None:
    """Reports can cross: money that really moved is never ignored."""
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    await post_webhook(running, payment, PaymentStatus.CANCELED)
    await post_webhook(running, payment, PaymentStatus.SUCCEEDED)
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_held_then_captured_then_refunded_in_the_cabinet(running: Running) -> None:
    """A payment held (authorized) confirms nothing; captured, it confirms once, and a late
    report of the hold changes nothing; a refund made in the gateway's cabinet and reported
    marks the payment refunded."""
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    assert (await post_webhook(running, payment, PaymentStatus.AUTHORIZED))[0] == 200
    after = await api.booking(booking)
    assert (after["status"], after["payments"][0]["status"]) == ("pending_payment", "authorized")
    for status in (PaymentStatus.SUCCEEDED, PaymentStatus.AUTHORIZED):
        assert (await post_webhook(running, payment, status))[0] == 200
    after = await api.booking(booking)
    assert (after["status"], after["payments"][0]["status"]) == ("confirmed", "succeeded")
    assert (await post_webhook(running, payment, PaymentStatus.REFUNDED))[0] == 200
    after = await api.booking(booking)
    assert after["payments"][0]["status"] == "refunded"
    assert len(await events_of(running, booking, "booking.confirmed")) == 1


async def test_forged_and_mismatched_webhooks_change_nothing(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    before = await table_counts(running.sessionmaker)
    status, answer = await post_webhook(running, payment, PaymentStatus.SUCCEEDED, tamper=True)
    assert status == 403 and answer["error"]["code"] == "webhook_rejected"
    status, answer = await api.call(
        "POST",
        "/api/payments/webhook/mock",
        data=b'{"payment_id": "x"}',
        headers={SIGNATURE_HEADER: "0" * 64},
    )
    assert status == 403
    status, answer = await api.call(  # not even ASCII
        "POST", "/api/payments/webhook/mock", data=b"{}", headers={SIGNATURE_HEADER: "é"}
    )
    assert status == 403
    status, answer = await post_webhook(running, payment, PaymentStatus.SUCCEEDED, amount=100)
    assert status == 400 and answer["error"]["code"] == "amount_mismatch"
    unknown = dict(payment, id=9999, confirmation_url="http://x/mock/checkout/mock_9999_ab")
    status, answer = await post_webhook(running, unknown, PaymentStatus.SUCCEEDED)
    assert status == 404 and answer["error"]["code"] == "unknown_payment"
    status, answer = await api.call("POST", "/api/payments/webhook/paypal", data=b"{}")
    assert status == 404
    assert await table_counts(running.sessionmaker) == before
    assert (await api.booking(booking))["status"] == "pending_payment"


async def test_webhook_for_another_gateway_is_refused(running: Running) -> None:
    booking = await running.api.booked()
    payment = await running.api.start_payment(booking, "tinkoff")
    provider = running.deps.providers["mock"]
    assert isinstance(provider, MockProvider)
    gateway_id = payment["confirmation_url"].rsplit("/", 1)[1]
    body, headers = provider.outcome(gateway_id, payment["id"], 250000, PaymentStatus.SUCCEEDED)
    status, _ = await running.api.call(
        "POST", "/api/payments/webhook/mock", data=body, headers=headers
    )
    assert status == 404
    assert (await running.api.booking(booking))["status"] == "pending_payment"


async def test_late_payment_with_free_slot_confirms(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    assert (await api.booking(booking))["status"] == "expired"
    await api.checkout(payment, "succeeded")
    after = await api.booking(booking)
    assert after["status"] == "confirmed"
    assert after["paid"]["value"] == "2500.00"
    confirmed = await events_of(running, booking, "booking.confirmed")
    assert confirmed and confirmed[0]["payload"]["late"] is True


async def _expired_then_held_again(
    running: Running,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A hold with an unpaid payment, expired and swept; then the same slot held by another:
    (the first booking, its payment, the second booking)."""
    first = await running.api.booked()
    payment = await running.api.start_payment(first)
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    return first, payment, await running.api.booked()


async def test_late_payment_confirms_over_a_lapsed_hold_not_yet_swept(running: Running) -> None:
    """The slot was held again by someone who did not pay either; that hold has lapsed but the
    sweep has not run: the slot is free, so the late payment confirms its booking."""
    api = running.api
    first, payment, second = await _expired_then_held_again(running)
    running.clock.advance(minutes=16)  # the second hold lapses; no sweep yet
    await api.checkout(payment, "succeeded")
    after = await api.booking(first)
    assert after["status"] == "confirmed"
    assert after["payments"][0]["status"] == "succeeded"
    assert (await api.booking(second))["status"] == "expired"
    assert await events_of(running, first, "payment.late_refunded") == []


async def test_late_payment_with_slot_taken_is_refunded(running: Running) -> None:
    api = running.api
    first = await api.booked()
    payment = await api.start_payment(first)
    running.clock.advance(minutes=20)
    second = await api.booked()  # the slot is taken by someone else meanwhile
    await api.checkout(payment, "succeeded")
    after = await api.booking(first)
    assert after["status"] == "expired"
    # The money never counted towards the booking: the payment alone shows it went back.
    assert (after["paid"]["value"], after["refunded"]["value"]) == ("0.00", "0.00")
    assert after["payments"][0]["status"] == "refunded"
    assert after["payments"][0]["refunded"]["value"] == "2500.00"
    assert len(await events_of(running, first, "payment.late_refunded")) == 1
    assert len(await events_of(running, first, "refund.succeeded")) == 1
    assert (await api.booking(second))["status"] == "pending_payment"


async def test_late_payment_losing_the_race_at_the_database_is_refunded(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process takes the slot between the clash check and the write: the database's
    no-overlap guard refuses the confirmation, and the payment is refunded as if the check
    had seen it (not a 500 that leaves the payment pending)."""
    api = running.api
    first, payment, second = await _expired_then_held_again(running)

    async def sees_nothing(_session: object, _booking: object) -> None:
        return None  # the check ran before the other booking was committed

    monkeypatch.setattr(busy_time, "live_clash", sees_nothing)
    await api.checkout(payment, "succeeded")
    after = await api.booking(first)
    assert after["status"] == "expired"
    assert after["payments"][0]["status"] == "refunded"
    assert after["payments"][0]["refunded"]["value"] == "2500.00"
    assert len(await events_of(running, first, "payment.late_refunded")) == 1
    assert (await api.booking(second))["status"] == "pending_payment"


async def test_payment_for_a_booking_cancelled_meanwhile_is_refunded_once(
    running: Running,
) -> None:
    """The client paid on the gateway's page but cancelled before the webhook came: the
    booking stays cancelled and the money goes back whole, once, however often it is told."""
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    await api.cancel(booking)
    answers = await asyncio.gather(
        *(post_webhook(running, payment, PaymentStatus.SUCCEEDED) for _ in range(3))
    )
    assert [status for status, _ in answers] == [200] * 3
    after = await api.booking(booking)
    assert after["status"] == "cancelled"
    assert (after["paid"]["value"], after["refunded"]["value"]) == ("0.00", "0.00")
    assert after["payments"][0]["status"] == "refunded"
    assert after["payments"][0]["refunded"]["value"] == "2500.00"
    assert len(await events_of(running, booking, "payment.late_refunded")) == 1
    assert len(await events_of(running, booking, "refund.succeeded")) == 1


async def _lock_waits(running: Running) -> int:
    async with running.sessionmaker() as session:
        return int(await session.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")))


@pytest.mark.postgres_only
async def test_a_report_waits_for_a_cancellation_holding_the_booking(running: Running) -> None:
    """Another transaction is cancelling the booking, its row locked, when the success comes:
    the report waits for it and judges the booking as it left it, so the money goes back
    instead of a cancelled booking being confirmed."""
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    async with running.sessionmaker() as other:
        row = await queries.booking_for_update(other, booking["id"])
        assert row is not None
        row.status = "cancelled"
        await other.flush()
        webhook = asyncio.ensure_future(post_webhook(running, payment, PaymentStatus.SUCCEEDED))
        while not await _lock_waits(running):  # the report is queued behind the lock
            assert not webhook.done()
            await asyncio.sleep(0.01)
        await other.commit()
    assert (await asyncio.wait_for(webhook, 10))[0] == 200
    after = await api.booking(booking)
    assert after["status"] == "cancelled"
    assert after["payments"][0]["status"] == "refunded"
    assert len(await events_of(running, booking, "payment.late_refunded")) == 1
    assert await events_of(running, booking, "booking.confirmed") == []


async def test_a_payment_whose_create_timed_out_is_found_by_our_id(running: Running) -> None:
    """The gateway's answer to the create was lost, so the payment has no gateway id yet;
    its report names our payment id: it is linked and counts, once."""
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    async with running.sessionmaker() as session:
        await session.execute(
            update(Payment).where(Payment.id == payment["id"]).values(gateway_payment_id=None)
        )
        await session.commit()
    reported = dict(payment, confirmation_url="http://x/mock/checkout/mock_late_1")
    for _ in range(2):
        assert (await post_webhook(running, reported, PaymentStatus.SUCCEEDED))[0] == 200
    after = await api.booking(booking)
    assert (after["status"], after["paid"]["value"]) == ("confirmed", "2500.00")
    async with running.sessionmaker() as session:
        row = await session.get(Payment, payment["id"])
        assert row is not None and row.gateway_payment_id == "mock_late_1"
    assert len(await events_of(running, booking, "booking.confirmed")) == 1


async def test_second_payment_of_a_paid_booking_is_refunded(running: Running) -> None:
    """Paid twice through two gateways: the booking keeps one, the other goes back."""
    api = running.api
    booking = await api.booked(mode="full")
    await api.paid_twice(booking)
    after = await api.booking(booking)
    assert after["status"] == "confirmed"
    assert after["paid"]["value"] == "5000.00"
    assert after["refunded"]["value"] == "0.00"  # the kept payment is all there
    statuses = sorted(p["status"] for p in after["payments"])
    assert statuses == ["refunded", "succeeded"]
    # Cancelled in the full-refund tier: the kept payment comes back too, whole.
    assert (await api.cancel(booking))["refund"]["value"] == "5000.00"
    after = await api.booking(booking)
    assert (after["paid"]["value"], after["refunded"]["value"]) == ("5000.00", "5000.00")
    assert [p["status"] for p in after["payments"]] == ["refunded", "refunded"]


async def test_balance_paid_as_the_session_ends_is_kept(running: Running) -> None:
    """The client pays the rest in the session's last minutes; the completion job runs before
    the webhook comes. The balance counts; nothing is refunded."""
    api = running.api
    booking = await api.booked(day=3, hour=12, hours=2)
    await api.checkout(await api.start_payment(booking), "succeeded")
    running.clock.advance(days=2, hours=4, minutes=50)  # 3 December, 13:50 in Moscow
    balance = await api.start_payment(booking, "tinkoff")
    running.clock.advance(minutes=11)
    await running.jobs.complete()
    assert (await api.booking(booking))["status"] == "completed"
    await api.checkout(balance, "succeeded")
    after = await api.booking(booking)
    assert after["status"] == "completed"
    assert (after["paid"]["value"], after["refunded"]["value"]) == ("5000.00", "0.00")
    assert [p["status"] for p in after["payments"]] == ["succeeded", "succeeded"]
    assert await events_of(running, booking, "payment.late_refunded") == []


async def test_pay_the_balance(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    await api.checkout(await api.start_payment(booking), "succeeded")
    balance = await api.start_payment(booking)
    assert balance["kind"] == "balance"
    assert balance["amount"]["value"] == "2500.00"
    await api.checkout(balance, "succeeded")
    after = await api.booking(booking)
    assert after["paid"]["value"] == "5000.00"
    assert after["due_now"]["value"] == "0.00"
    status, answer = await api.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": "mock"},
        token=booking["access_token"],
    )
    assert status == 409 and answer["error"]["code"] == "not_payable"


async def test_double_tap_on_pay_makes_one_payment(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    one, two = await asyncio.gather(api.start_payment(booking), api.start_payment(booking))
    assert one["id"] == two["id"]
    assert one["confirmation_url"] == two["confirmation_url"]


async def test_old_payment_link_is_replaced(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    await api.checkout(await api.start_payment(booking), "succeeded")
    first = await api.start_payment(booking)
    assert (await api.start_payment(booking))["id"] == first["id"]
    running.clock.advance(minutes=31)
    assert (await api.start_payment(booking))["id"] != first["id"]


async def test_abandoned_checkouts_do_not_starve_reconciliation(running: Running) -> None:
    """More abandoned checkouts than one run asks about, then a payment whose webhook was
    lost: the runs take turns through all of them, so the paid one is reached."""
    api = running.api
    for hour in (10, 13, 16):  # abandoned: pending at the gateway for good
        await api.start_payment(await api.booked(day=3, hour=hour))
    booking = await api.booked(day=4)
    payment = await api.start_payment(booking)
    provider = running.deps.providers["mock"]
    assert isinstance(provider, MockProvider)
    gateway_id = payment["confirmation_url"].rsplit("/", 1)[1]
    provider.outcome(gateway_id, payment["id"], 250000, PaymentStatus.SUCCEEDED)  # not sent
    running.clock.advance(minutes=4)
    for _ in range(2):
        await reconcile_payments(running.sessionmaker, running.deps, limit=2)
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_lost_webhook_is_reconciled_once(running: Running) -> None:
    """The payer paid but the webhook never came: the reconcile job asks the gateway."""
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    provider = running.deps.providers["mock"]
    assert isinstance(provider, MockProvider)
    gateway_id = payment["confirmation_url"].rsplit("/", 1)[1]
    provider.outcome(gateway_id, payment["id"], 250000, PaymentStatus.SUCCEEDED)  # not sent
    await running.jobs.reconcile()
    assert (await api.booking(booking))["status"] == "pending_payment"  # too fresh to ask
    running.clock.advance(minutes=4)
    await running.jobs.reconcile()
    await running.jobs.reconcile()
    after = await api.booking(booking)
    assert after["status"] == "confirmed"
    assert len(await events_of(running, booking, "booking.confirmed")) == 1


async def test_mock_webhook_naming_another_payment_of_ours_is_refused(running: Running) -> None:
    """A signed mock notice for A's gateway payment that names B's payment confirms
    neither: the order checks are the real gateways'."""
    api = running.api
    first, second = await api.booked(hour=12), await api.booked(hour=16)
    paying_a, paying_b = await api.start_payment(first), await api.start_payment(second)
    provider = running.deps.providers["mock"]
    assert isinstance(provider, MockProvider)
    gateway_id = paying_a["confirmation_url"].rsplit("/", 1)[1]
    before = await table_counts(running.sessionmaker)
    body, headers = provider.outcome(gateway_id, paying_b["id"], 250000, PaymentStatus.SUCCEEDED)
    status, answer = await api.call(
        "POST", "/api/payments/webhook/mock", data=body, headers=headers
    )
    assert status == 400 and answer["error"]["code"] == "order_mismatch"
    assert await table_counts(running.sessionmaker) == before
    assert (await api.booking(first))["status"] == "pending_payment"
    assert (await api.booking(second))["status"] == "pending_payment"
