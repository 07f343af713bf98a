"""Two requests start one booking's payment at once (a double submit, two instances behind a
load balancer): one order is registered and paid, and money paid on any registration of our
order is credited."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from booking import payment_links
from booking.paying import ASKING_FOR, start_payment
from db.models import Payment
from payments.registry import build_providers, close_providers
from settings import Settings
from tests.payments.helpers import LATE, Gate, events
from tests.support import Running

ORDER_GATEWAYS = ("tinkoff", "sberpay")  # keyed by our order number; ЮKassa by its own key


async def _start(running: Running, booking: dict[str, Any], name: str) -> dict[str, Any]:
    return await running.api.start_payment(booking, name)


async def _start_elsewhere(
    running: Running, settings: Settings, booking: dict[str, Any], name: str
) -> Payment:
    """The same request on another instance: the same database, its own gateway clients
    (which remember nothing of this process's calls)."""
    other_instance = build_providers(settings.payments, settings.server.base_url())
    try:
        async with running.sessionmaker() as session:
            deps = dataclasses.replace(running.deps, providers=other_instance)
            return await start_payment(session, deps, booking["id"], name)
    finally:
        await close_providers(other_instance)


async def _payments(running: Running) -> list[Payment]:
    async with running.sessionmaker() as session:
        return list((await session.scalars(select(Payment).order_by(Payment.id))).all())


async def _reached_gateway(gate: Gate, count: int) -> None:
    """Until the gateway has registered `count` orders (a loaded machine may take a while
    to send the first request, and the races here are about answers, not sending): the
    request asking has marked its payment by then."""
    async with asyncio.timeout(10):
        while gate.payments_created() < count:
            await asyncio.sleep(0.01)


async def _mark_renewed(running: Running) -> None:
    """Until the asking request has renewed its payment's mark at the clock's time (or, on
    a machine too slow for a renewal first, the gateway's answer is stored)."""

    def renewed(p: Payment) -> bool:
        return p.asked_at == running.clock.now or p.confirmation_url is not None

    async with asyncio.timeout(10):
        while not [p for p in await _payments(running) if renewed(p)]:
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("name", ORDER_GATEWAYS)
async def test_second_request_takes_the_first_ones_link(
    running: Running, fakes: Any, settings: Settings, name: str
) -> None:
    """The gateway is slow to answer the first request; the second, on another instance,
    waits for that answer instead of registering the order again (which would cancel the
    first link)."""
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    gate.fail_next("create", "timeout")  # performed, answered after LATE seconds
    first = asyncio.create_task(_start(running, booking, name))
    await _reached_gateway(gate, 1)
    second = await _start_elsewhere(running, settings, booking, name)
    assert second.confirmation_url == (await first)["confirmation_url"]
    assert gate.payments_created() == 1
    await gate.pay(await first)
    assert (await gate.notify(await first))[0] == 200
    assert (await running.api.booking(booking))["status"] == "confirmed"


@pytest.mark.parametrize("name", ORDER_GATEWAYS)
async def test_an_answer_later_than_the_asking_window_does_not_replace_the_link(
    running: Running, fakes: Any, settings: Settings, name: str
) -> None:
    """The first request's answer outlasts ASKING_FOR, so a second request registers the
    order again and hands out that link; the first answer, arriving last, must not put its
    (now cancelled) order back on the payment."""
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    gate.fail_next("create", "timeout")
    first = asyncio.create_task(_start(running, booking, name))
    await _reached_gateway(gate, 1)
    running.clock.advance(seconds=ASKING_FOR.total_seconds() + 1)
    second = await _start_elsewhere(running, settings, booking, name)
    assert gate.payments_created() == 2  # registered again; the first order is retired
    late = await first
    assert late["confirmation_url"] == second.confirmation_url
    [row] = await _payments(running)
    assert row.confirmation_url == second.confirmation_url
    assert row.gateway_payment_id == second.gateway_payment_id
    await gate.pay(late)  # the payer follows the link they were given
    assert (await gate.notify(late))[0] == 200
    assert (await running.api.booking(booking))["status"] == "confirmed"
    assert len(await events(running.api, booking, "booking.confirmed")) == 1


@pytest.mark.parametrize("name", ORDER_GATEWAYS)
async def test_the_order_that_retired_the_first_one_replaces_its_link(
    running: Running, fakes: Any, settings: Settings, name: str
) -> None:
    """As above, but the second request is the slower one: the first answer (an order the
    second request has meanwhile cancelled) is stored first. The second request's live order
    then replaces it, so whoever opens the payment again gets a link that can be paid."""
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    gate.fail_next("create", "timeout")  # the first request's order, answered late
    gate.fail_next("create", "timeout")  # the second's refusal of the used number, later still
    first = asyncio.create_task(_start(running, booking, name))
    await _reached_gateway(gate, 1)
    running.clock.advance(seconds=ASKING_FOR.total_seconds() + 1)
    second = await _start_elsewhere(running, settings, booking, name)
    late = await first  # answered while the second request waited for its refusal
    assert gate.payments_created() == 2
    assert late["confirmation_url"] != second.confirmation_url  # the cancelled order's link
    [row] = await _payments(running)
    assert (row.gateway_payment_id, row.confirmation_url) == (
        second.gateway_payment_id,
        second.confirmation_url,
    )
    reopened = await _start(running, booking, name)  # the payer asks for the link again
    assert reopened["confirmation_url"] == second.confirmation_url
    await gate.pay(reopened)
    assert (await gate.notify(reopened))[0] == 200
    assert (await running.api.booking(booking))["status"] == "confirmed"
    assert len(await events(running.api, booking, "booking.confirmed")) == 1


@pytest.mark.parametrize("name", ORDER_GATEWAYS)
async def test_money_paid_on_another_registration_of_our_order_is_credited(
    running: Running, fakes: Any, name: str
) -> None:
    """Our payment ended up linked to one registration of its order and the payer paid
    another: the verified success is recorded beside it and confirms the booking, once."""
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    payment = await _start(running, booking, name)
    paid_id = await gate.gateway_id(payment)
    await gate.pay(payment)
    async with running.sessionmaker() as session:
        await session.execute(
            update(Payment).where(Payment.id == payment["id"]).values(gateway_payment_id="other")
        )
        await session.commit()
    if name == "tinkoff":
        send = fakes.tb.send_notification(gate.webhook_url, paid_id)
    else:
        send = fakes.sb.send_callback(gate.webhook_url, paid_id, "deposited", 1)
    assert (await send)[0] == 200
    assert (await running.api.booking(booking))["status"] == "confirmed"
    rows = await _payments(running)
    assert [(r.gateway_payment_id, r.status, r.applied) for r in rows] == [
        ("other", "pending", False),
        (paid_id, "succeeded", True),
    ]
    assert rows[1].amount == rows[0].amount and rows[1].kind == rows[0].kind
    if name == "tinkoff":  # delivered again: one effect
        assert (await fakes.tb.send_notification(gate.webhook_url, paid_id))[0] == 200
    else:
        assert (await fakes.sb.send_callback(gate.webhook_url, paid_id, "deposited", 1))[0] == 200
    assert len(await _payments(running)) == 2
    assert len(await events(running.api, booking, "booking.confirmed")) == 1


@pytest.mark.short_gateway_timeout
@pytest.mark.parametrize("name", ORDER_GATEWAYS)
async def test_when_the_first_request_fails_the_waiting_one_asks_itself(
    running: Running, fakes: Any, settings: Settings, name: str
) -> None:
    """The request being waited for gives up on the gateway (a timeout): the one waiting
    does not give up too, but asks for the payment itself."""
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    gate.fail_next("create", "timeout")  # answered after the app's deadline
    first = asyncio.create_task(
        running.api.call(
            "POST",
            "/api/payments",
            json={"booking_id": booking["id"], "gateway": name},
            token=booking["access_token"],
        )
    )
    await _reached_gateway(gate, 1)
    second = await _start_elsewhere(running, settings, booking, name)
    status, _ = await first
    assert status == 502
    assert second.confirmation_url
    paid = {"id": second.id}
    await gate.pay(paid)
    assert (await gate.notify(paid))[0] == 200
    assert (await running.api.booking(booking))["status"] == "confirmed"


@pytest.mark.parametrize("name", ORDER_GATEWAYS)
async def test_a_slow_gateway_keeps_the_second_request_waiting(
    running: Running,
    fakes: Any,
    settings: Settings,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gateway takes longer than ASKING_FOR: the asking request renews its mark, so a
    second request still waits for its link rather than registering the order again."""
    monkeypatch.setattr(payment_links, "ASKING_RENEW_SECONDS", LATE / 8)
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    gate.fail_next("create", "timeout")
    first = asyncio.create_task(_start(running, booking, name))
    await _reached_gateway(gate, 1)
    running.clock.advance(minutes=5)  # far past ASKING_FOR
    await _mark_renewed(running)
    second = await _start_elsewhere(running, settings, booking, name)
    assert second.confirmation_url == (await first)["confirmation_url"]
    assert gate.payments_created() == 1


@pytest.mark.parametrize("name", ORDER_GATEWAYS)
async def test_a_mark_left_by_a_dead_process_does_not_block_the_payment(
    running: Running, fakes: Any, name: str
) -> None:
    """The process asking the gateway died (its mark is no longer renewed): a minute later
    the next request asks at once instead of waiting for an answer that cannot come."""
    gate = Gate(name, fakes, running)
    booking = await running.api.booked()
    gate.fail_next("create", 500)
    status, _ = await running.api.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": name},
        token=booking["access_token"],
    )
    assert status == 502
    async with running.sessionmaker() as session:  # as if that process had died mid-call
        marked = running.clock.now - timedelta(minutes=1, seconds=1)
        await session.execute(update(Payment).values(asked_at=marked))
        await session.commit()
    payment = await _start(running, booking, name)
    await gate.pay(payment)
    assert (await gate.notify(payment))[0] == 200
    assert (await running.api.booking(booking))["status"] == "confirmed"
