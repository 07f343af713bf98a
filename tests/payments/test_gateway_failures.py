"""Timeouts, 5xx and garbage from the gateways: nothing is charged or refunded twice."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from booking import refunds
from db.models import Refund
from i18n.catalogs import gettext
from jobs.reconcile import REFUND_AGE, retry_refunds
from notifications.messages import ADMIN
from payments.base import (
    GatewayError,
    RefundInDoubt,
    RefundRequest,
    RefundStatus,
    made_already,
)
from tests.payments.helpers import Gate, confirmed_payment, events, payment_of, refund
from tests.support import Running

FAILURES = ("timeout", 500, "garbage")


async def _refund_row(running: Running, refund_id: int) -> Refund:
    async with running.sessionmaker() as session:
        row = await session.get(Refund, refund_id)
        assert row is not None
        return row


@pytest.mark.short_gateway_timeout
@pytest.mark.parametrize("failure", FAILURES)
async def test_create_fails_then_retry_makes_one_payment(
    running: Running, gate: Gate, failure: Any
) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12)
    gate.fail_next("create", failure)
    status, body = await api.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": gate.name},
        token=booking["access_token"],
    )
    assert status == 502 and body["error"]["code"] == "gateway_unavailable"
    assert (await api.booking(booking))["status"] == "pending_payment"
    taken, _ = await api.book(day=3, hour=12)
    assert taken == 409  # the hold stays
    payment = await api.start_payment(booking, gate.name)
    assert gate.payments_created() == 1
    await gate.pay(payment)
    assert (await gate.notify(payment))[0] == 200
    assert (await api.booking(booking))["status"] == "confirmed"
    assert len((await api.booking(booking))["payments"]) == 1


@pytest.mark.short_gateway_timeout
@pytest.mark.parametrize("name", ["tinkoff", "sberpay"])
async def test_create_timeout_then_restart_registers_a_new_order_once(
    running: Running, fakes: Any, name: str
) -> None:
    """Without the late answer (a restart), the used order number is found and retired."""
    gate = Gate(name, fakes, running)
    api = running.api
    booking = await api.booked()
    gate.fail_next("create", "timeout")
    status, _ = await api.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": name},
        token=booking["access_token"],
    )
    assert status == 502
    running.deps.providers[name].forget_inflight()  # type: ignore[attr-defined]
    payment = await api.start_payment(booking, name)
    gid = await gate.gateway_id(payment)
    key = f"pay-{payment['id']}-{booking['code']}"
    if name == "tinkoff":
        orphan = fakes.tb.payment(fakes.tb.payment_id_for(key))
        assert orphan["Status"] == "CANCELED"  # never payable: nobody had its link
        assert fakes.tb.payment(gid)["OrderId"] == f"{key}-r2"
    else:
        assert fakes.sb.order(key)["orderStatus"] == 3  # the unused order is reversed
        assert fakes.sb.order(gid)["orderNumber"] == f"{key}-r2"
    await gate.pay(payment)
    assert (await gate.notify(payment))[0] == 200
    assert (await api.booking(booking))["status"] == "confirmed"
    assert len(await events(api, booking, "booking.confirmed")) == 1


@pytest.mark.short_gateway_timeout
@pytest.mark.parametrize("failure", FAILURES)
async def test_refund_fails_then_reconciliation_completes_it_once(
    running: Running, gate: Gate, failure: Any
) -> None:
    api = running.api
    booking, payment = await confirmed_payment(api, gate)
    gate.fail_next("refund", failure)
    status, body = await refund(api, payment, "1000.00")
    assert status == 201 and body["status"] == "pending" and body["error"], body
    assert len(await events(api, booking, "refund.failed")) == 1
    await retry_refunds(running.sessionmaker, running.deps)  # too early: not yet
    assert (await _refund_row(running, body["id"])).status == RefundStatus.PENDING
    running.clock.advance(seconds=REFUND_AGE.total_seconds() + 1)
    assert await retry_refunds(running.sessionmaker, running.deps) == 1
    assert (await _refund_row(running, body["id"])).status == RefundStatus.SUCCEEDED
    assert gate.refunds_made() == 1
    running.clock.advance(seconds=REFUND_AGE.total_seconds() + 1)
    assert await retry_refunds(running.sessionmaker, running.deps) == 0
    assert gate.refunds_made() == 1
    after = await payment_of(api, payment)
    assert after["status"] == "partially_refunded" and after["refunded"]["value"] == "1000.00"
    # The rest can still be refunded, and no more.
    status, rest = await refund(api, payment)
    assert status == 201 and rest["status"] == "succeeded" and rest["amount"]["value"] == "1500.00"
    assert gate.refunds_made() == 2


@pytest.mark.short_gateway_timeout
@pytest.mark.parametrize("name", ["yookassa", "sberpay"])
async def test_two_refunds_with_lost_answers_are_completed_once_each(
    running: Running, fakes: Any, name: str
) -> None:
    """Two refunds of one payment, both made at the gateway and both answers lost: the
    retries find the payment's refunded total covering both, and record each as made,
    without sending either again."""
    gate = Gate(name, fakes, running)
    api = running.api
    booking, payment = await confirmed_payment(api, gate)
    for amount in ("500.00", "700.00"):
        gate.fail_next("refund", "timeout")  # performed at the gateway, answered too late
        status, body = await refund(api, payment, amount)
        assert status == 201 and body["status"] == "pending", body
    assert gate.refunds_made() == 2
    if name == "yookassa":
        fakes.yk.expire_idempotency_keys()
        running.clock.advance(hours=25)  # the keys have expired
    running.clock.advance(seconds=REFUND_AGE.total_seconds() + 1)
    assert await retry_refunds(running.sessionmaker, running.deps) == 2
    assert gate.refunds_made() == 2
    after = await payment_of(api, payment)
    assert after["status"] == "partially_refunded" and after["refunded"]["value"] == "1200.00"
    assert (await api.booking(booking))["refunded"]["value"] == "1200.00"


@pytest.mark.parametrize(
    ("total", "before", "in_doubt", "made"),
    [
        (0, 0, 0, 0),  # nothing shown: not made
        (50000, 50000, 0, 0),  # all explained by our other refunds
        (50000, 0, 0, 50000),  # exactly this one
        (80000, 0, 30000, 50000),  # exactly this one and the one in doubt
        (30000, 0, 30000, None),  # the other, or this one? cannot tell
        (70000, 0, 0, None),  # more than ours: a refund by hand in the cabinet
        (20000, 0, 0, None),  # less than this one
    ],
)
def test_made_already_counts_only_exact_answers(
    total: int, before: int, in_doubt: int, made: int | None
) -> None:
    request = RefundRequest(
        refund_id=1,
        gateway_payment_id="p",
        amount=50000,
        payment_amount=250000,
        reason="",
        refunded_before=before,
        in_doubt_before=in_doubt,
    )
    if made is None:
        with pytest.raises(RefundInDoubt):
            made_already(total, request)
    else:
        assert made_already(total, request) == made


@pytest.mark.short_gateway_timeout
async def test_sber_refund_refused_is_not_in_doubt_and_a_cabinet_refund_calls_an_admin(
    running: Running, fakes: Any
) -> None:
    """R1 is made with its answer lost; someone refunds the rest by hand in Sber's cabinet;
    R2 is then refused by Sber (nothing left), so it is not in doubt. The retries see more
    refunded than our records explain: nothing is sent again or called made, and the
    admins are told once more of each refund, now that it needs them."""
    gate = Gate("sberpay", fakes, running)
    api = running.api
    booking, payment = await confirmed_payment(api, gate)
    gate.fail_next("refund", "timeout")
    status, first = await refund(api, payment, "500.00")
    assert status == 201 and first["status"] == "pending"
    fakes.sb.refund_in_cabinet(await gate.gateway_id(payment), 200000)
    status, second = await refund(api, payment, "300.00")
    assert status == 201 and second["status"] == "pending", second
    async with running.sessionmaker() as session:
        refused = await session.get(Refund, second["id"])
        assert refused is not None and (refused.raw or {}).get("refused") is True
    assert len(await events(api, booking, "refund.failed")) == 2
    running.clock.advance(seconds=REFUND_AGE.total_seconds() + 1)
    await retry_refunds(running.sessionmaker, running.deps)
    row = await _refund_row(running, first["id"])
    assert row.status == RefundStatus.PENDING and "cannot tell apart" in (row.error or "")
    assert gate.refunds_made() == 1  # R1 only; R2 refused, nothing sent twice
    # Each once more, now that they need an admin (R2 cannot tell either), and only once.
    failures = await events(api, booking, "refund.failed")
    assert len(failures) == 4
    assert [e["payload"].get("needs_admin", False) for e in failures] == [
        False,
        False,
        True,
        True,
    ]
    notice = gettext(ADMIN["refund_in_doubt"], lang="ru").format(
        amount="500",
        code=booking["code"],
        refund_id=first["id"],
        error=failures[2]["payload"]["error"],
    )
    assert f"POST /api/refunds/{first['id']}/settle" in notice and "кабинете" in notice
    running.clock.advance(hours=2)
    await retry_refunds(running.sessionmaker, running.deps)
    assert len(await events(api, booking, "refund.failed")) == 4
    assert gate.refunds_made() == 1

    # An admin looks in the cabinet: R1 was made; R2 was not (the money went back by hand).
    settle = f"/api/refunds/{first['id']}/settle"
    status, body = await api.admin("POST", settle, json={"made": True, "note": "в кабинете"})
    assert status == 409 and body["error"]["code"] == "refund_in_flight"  # just retried
    running.clock.advance(minutes=2)
    status, body = await api.admin("POST", settle, json={"made": True, "note": "в кабинете"})
    assert status == 200 and body["status"] == "succeeded", body
    status, body = await api.admin(
        "POST", f"/api/refunds/{second['id']}/settle", json={"made": False, "note": "вручную"}
    )
    assert status == 200 and body["status"] == "canceled", body
    status, body = await api.admin("POST", settle, json={"made": False, "note": "передумал"})
    assert status == 409 and body["error"]["code"] == "not_pending"
    after = await payment_of(api, payment)
    assert after["refunded"]["value"] == "500.00"  # R1; R2's amount is free again
    settled_not_made = (await events(api, booking, "refund.failed"))[-1]["payload"]
    assert settled_not_made["final"] is True and "вручную" in settled_not_made["error"]
    assert (await api.booking(booking))["refunded"]["value"] == "500.00"
    running.clock.advance(hours=2)
    assert await retry_refunds(running.sessionmaker, running.deps) == 0
    assert gate.refunds_made() == 1


async def test_a_refund_judged_made_while_another_moved_is_checked_again(
    running: Running, fakes: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made, judged by the payment's refunded total, holds only of the other refunds as
    they were: one sent meanwhile may be what the total shows. The retry is not recorded."""
    gate = Gate("sberpay", fakes, running)
    provider = running.deps.providers["sberpay"]
    api = running.api
    _, payment = await confirmed_payment(api, gate)
    gate.fail_next("refund", 500)  # not made; pending
    status, first = await refund(api, payment, "500.00")
    assert status == 201 and first["status"] == "pending"
    gate.fail_next("refund", 500)
    status, second = await refund(api, payment, "500.00")
    assert status == 201 and second["status"] == "pending"
    async with running.sessionmaker() as session:  # say Sber refused it: not in doubt
        row = await session.get(Refund, second["id"])
        assert row is not None
        row.raw = {**(row.raw or {}), "refused": True}
        await session.commit()
    call = provider.refund

    async def another_sends_meanwhile(request: RefundRequest) -> Any:
        if request.refund_id == first["id"]:
            async with running.sessionmaker() as session:  # the other is sent and made
                other = await session.get(Refund, second["id"])
                assert other is not None
                other.raw = {"attempts": 2}  # sent again by another process
                await session.commit()
            fakes.sb.refund_in_cabinet(await gate.gateway_id(payment), 50000)
        return await call(request)

    monkeypatch.setattr(provider, "refund", another_sends_meanwhile)
    running.clock.advance(seconds=REFUND_AGE.total_seconds() + 1)
    await retry_refunds(running.sessionmaker, running.deps)
    row = await _refund_row(running, first["id"])
    assert row.status == RefundStatus.PENDING, "the other refund's money is not this one's"
    assert "moved" in (row.error or "")


async def _refund_of_a_paid_payment(running: Running, gate: Gate, refund_id: int) -> RefundRequest:
    """A refund of 500 rubles of a fresh 2,500-ruble payment at the gateway, first attempt."""
    _, payment = await confirmed_payment(running.api, gate)
    return RefundRequest(
        refund_id=refund_id,
        gateway_payment_id=await gate.gateway_id(payment),
        amount=50000,
        payment_amount=250000,
        reason="repeat",
        idempotency_key=f"refund-{refund_id}-{payment['id']}",
    )


async def test_same_refund_request_twice_refunds_once(running: Running, gate: Gate) -> None:
    """The provider contract: the same refund key (a repeat is a later attempt) pays once."""
    provider = running.deps.providers[gate.name]
    request = await _refund_of_a_paid_payment(running, gate, 999)
    first = await provider.refund(request)
    second = await provider.refund(dataclasses.replace(request, attempt=2))
    assert first.status == second.status == RefundStatus.SUCCEEDED
    assert gate.refunds_made() == 1


async def test_sber_repeat_refund_without_the_refunded_amount_is_not_sent_again(
    running: Running, fakes: Any
) -> None:
    """The order says something was refunded but not how much: a repeated refund could pay
    twice, so it is refused (and stays pending) rather than sent."""
    gate = Gate("sberpay", fakes, running)
    provider = running.deps.providers["sberpay"]
    request = await _refund_of_a_paid_payment(running, gate, 998)
    await provider.refund(request)
    fakes.sb.omit_amount_info = True
    with pytest.raises(GatewayError):
        await provider.refund(dataclasses.replace(request, attempt=2))
    assert gate.refunds_made() == 1


async def test_yookassa_refund_repeated_after_its_key_expired_is_not_sent_again(
    running: Running, fakes: Any
) -> None:
    """ЮKassa honours a refund's key for 24 h. A refund whose answer was lost and that is
    tried again later reads the payment first, and finds itself made."""
    gate = Gate("yookassa", fakes, running)
    provider = running.deps.providers["yookassa"]
    request = await _refund_of_a_paid_payment(running, gate, 997)
    await provider.refund(request)  # made; say its answer never came back
    fakes.yk.expire_idempotency_keys()
    a_day_ago = timedelta(hours=25)
    again = await provider.refund(dataclasses.replace(request, attempt=2, asked_ago=a_day_ago))
    assert again.status == RefundStatus.SUCCEEDED
    assert gate.refunds_made() == 1
    # Another refund of the same payment is still sent: the payment shows only the first.
    other = dataclasses.replace(
        request,
        refund_id=996,
        idempotency_key="refund-996",
        attempt=2,
        refunded_before=50000,
        asked_ago=a_day_ago,
    )
    assert (await provider.refund(other)).status == RefundStatus.SUCCEEDED
    assert gate.refunds_made() == 2


@pytest.mark.parametrize("name", ["yookassa", "sberpay"])
async def test_two_refunds_in_doubt_are_neither_sent_again_nor_called_made(
    running: Running, fakes: Any, name: str
) -> None:
    """Two refunds of one payment, both sent with their answers lost, one of them made: the
    payment's refunded total cannot tell which, so neither is sent again (that could pay
    twice) nor recorded as made (that could pay nothing). They wait for an admin."""
    gate = Gate(name, fakes, running)
    provider = running.deps.providers[name]
    first = await _refund_of_a_paid_payment(running, gate, 995)
    await provider.refund(first)  # made at the gateway; its answer lost
    second = dataclasses.replace(first, refund_id=994, idempotency_key="refund-994")
    if name == "yookassa":
        fakes.yk.expire_idempotency_keys()
    a_day_ago = timedelta(hours=25)
    for mine, other in ((second, first), (first, second)):
        retry = dataclasses.replace(
            mine, attempt=2, in_doubt_before=other.amount, asked_ago=a_day_ago
        )
        with pytest.raises(GatewayError, match="cannot tell apart"):
            await provider.refund(retry)
    assert gate.refunds_made() == 1


async def test_yookassa_refund_repeated_within_a_day_is_sent_again_with_its_key(
    running: Running, fakes: Any
) -> None:
    """Within the key's 24 h ЮKassa answers a repeated key with the refund it made: the
    retry needs no reading of the payment, even with another refund in doubt."""
    gate = Gate("yookassa", fakes, running)
    provider = running.deps.providers["yookassa"]
    request = await _refund_of_a_paid_payment(running, gate, 993)
    made = await provider.refund(request)
    again = await provider.refund(
        dataclasses.replace(
            request, attempt=2, in_doubt_before=10000, asked_ago=timedelta(minutes=5)
        )
    )
    assert again.gateway_refund_id == made.gateway_refund_id
    assert again.status == RefundStatus.SUCCEEDED and gate.refunds_made() == 1


@pytest.mark.parametrize("name", ["yookassa", "sberpay"])
async def test_verification_fetch_fails_then_redelivery_applies(
    running: Running, fakes: Any, name: str
) -> None:
    """ЮKassa and Sber webhooks are checked against the API; if it fails, say 503."""
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    payment = await running.api.start_payment(booking, name)
    await gate.pay(payment)
    if name == "yookassa":
        fakes.yk.fail_next("payments.get", 500)
    else:
        fakes.sb.fail_next("getOrderStatusExtended", "garbage")
    status, _ = await gate.notify(payment)
    assert status == 503
    assert (await running.api.booking(booking))["status"] == "pending_payment"
    assert (await gate.notify(payment))[0] == 200
    assert (await running.api.booking(booking))["status"] == "confirmed"


@pytest.mark.parametrize("retry_fails", [False, True])
async def test_a_refund_settled_by_an_admin_meanwhile_is_left_as_settled(
    running: Running, fakes: Any, monkeypatch: pytest.MonkeyPatch, retry_fails: bool
) -> None:
    """A late answer to a retry that was under way when an admin settled the refund, made
    or failed, does not undo the admin's record, count the refund twice, or report it
    failed."""
    gate = Gate("sberpay", fakes, running)
    provider = running.deps.providers["sberpay"]
    api = running.api
    booking, payment = await confirmed_payment(api, gate)
    gate.fail_next("refund", 500)  # not made; pending
    status, pending = await refund(api, payment, "500.00")
    assert status == 201 and pending["status"] == "pending"
    monkeypatch.setattr(refunds, "IN_FLIGHT", timedelta(0))  # say the late window has passed
    call = provider.refund

    async def settled_during_the_call(request: RefundRequest) -> Any:
        status, body = await api.admin(
            "POST", f"/api/refunds/{pending['id']}/settle", json={"made": True, "note": "x"}
        )
        assert status == 200, body
        if retry_fails:
            gate.fail_next("refund", 500)
        return await call(request)  # and the gateway makes it, or fails

    monkeypatch.setattr(provider, "refund", settled_during_the_call)
    running.clock.advance(seconds=REFUND_AGE.total_seconds() + 1)
    await retry_refunds(running.sessionmaker, running.deps)
    row = await _refund_row(running, pending["id"])
    assert row.status == RefundStatus.SUCCEEDED and (row.raw or {}).get("settled_by_admin")
    assert (await api.booking(booking))["refunded"]["value"] == "500.00"  # counted once
    assert len(await events(api, booking, "refund.succeeded")) == 1
    assert len(await events(api, booking, "refund.failed")) == 1  # the first failure only
    assert row.error is None
