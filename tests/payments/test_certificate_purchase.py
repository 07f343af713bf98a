"""A gift certificate bought online at each gateway's real-protocol fake: nothing is issued
until the gateway's verified word comes (webhook, reconciliation, the mock checkout); a
repeated report issues nothing more; a forged one issues nothing; the code reaches the
buyer's chat and mailbox; the money audit holds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from booking.certificate_settle import settle_order
from booking.errors import InvalidTransition
from booking.payment_reports import apply_payment_report
from db.certificates import CertificateOrder, GiftCertificate
from db.outbox import Event, Notification
from notifications.channels import Channels
from payments.base import PaymentState, PaymentStatus
from tests.api.test_certificates import CODE, balance
from tests.integration.test_audit import _execute, checks_failing
from tests.payments.helpers import Gate
from tests.support import Api, Running

#: The bot is on (its token's shape is all the app checks): a buyer's chat can be sent the code.
BOT_TOKEN = "123456789:TEST-gift-fake-token_for-tests"
BUYER = {"name": "Анна", "phone": "+79990001122", "email": "anna@example.com", "telegram_id": 42}


@pytest.fixture
def bot_on() -> bool:
    """Whether the bot runs; a test turns it off by parametrizing this."""
    return True


@pytest.fixture
def settings_env(settings_env: dict[str, Any], bot_on: bool) -> dict[str, Any]:
    return {**settings_env, "bot_token": BOT_TOKEN if bot_on else None}


@pytest.fixture
def channels() -> Channels:
    return Channels(telegram=True, email=True, admin_telegram_ids=(777,))


class OrderGate(Gate):
    """The gateway's fake, driven for a certificate order instead of a booking's payment."""

    async def gateway_id(self, payment: dict[str, Any]) -> str:
        async with self.running.sessionmaker() as session:
            row = await session.get(CertificateOrder, payment["id"])
            assert row is not None and row.gateway_payment_id is not None
            return row.gateway_payment_id


async def purchase(api: Api, gateway: str, amount: Any = "5000.00", **buyer: Any) -> Any:
    body = {"amount": amount, "gateway": gateway, "buyer": {**BUYER, **buyer}}
    return await api.call("POST", "/api/certificates/purchase", json=body)


async def issued_codes(running: Running) -> list[str]:
    async with running.sessionmaker() as session:
        return list(await session.scalars(select(GiftCertificate.code)))


async def sent(running: Running) -> list[Notification]:
    await running.jobs.relay()
    async with running.sessionmaker() as session:
        return list(await session.scalars(select(Notification).order_by(Notification.id)))


async def test_bought_at_the_gateway_issued_once_by_its_verified_word(
    running: Running, gate: Gate
) -> None:
    api = running.api
    status, order = await purchase(api, gate.name)
    assert status == 201, order
    assert (order["kind"], order["status"], order["amount"]["value"]) == (
        "certificate",
        "pending",
        "5000.00",
    )
    assert order["confirmation_url"]
    og = OrderGate(gate.name, gate.fakes, running)
    if gate.name == "yookassa":  # one 54-FZ position, an advance for a certificate
        receipt = gate.fakes.yk.receipts[await og.gateway_id(order)]
        [item] = receipt["items"]
        assert (item["description"], item["amount"]["value"]) == (
            "Подарочный сертификат",
            "5000.00",
        )
        assert (item["payment_mode"], item["payment_subject"]) == ("advance", "payment")
    assert await issued_codes(running) == []

    await og.pay(order)
    for _ in range(3):  # gateways deliver again
        status, text = await og.notify(order)
        assert status == 200, text
    [code] = await issued_codes(running)
    assert CODE.fullmatch(code)
    assert await balance(api, code) == "5000.00"

    messages = await sent(running)
    to_buyer = [m for m in messages if m.recipient in ("42", "anna@example.com")]
    assert sorted(m.channel for m in to_buyer) == ["email", "telegram"]
    assert all(code in m.text and "5 000 ₽" in m.text for m in to_buyer), to_buyer
    assert [m.recipient for m in messages if m.recipient == "777"] == ["777"]
    assert len(await sent(running)) == len(messages)  # relayed again: nothing twice
    assert await checks_failing(running) == set()


async def test_a_forged_report_issues_nothing(running: Running, gate: Gate) -> None:
    api = running.api
    status, order = await purchase(api, gate.name)
    assert status == 201, order
    og = OrderGate(gate.name, gate.fakes, running)
    await og.pay(order)
    gid = await og.gateway_id(order)
    if gate.name == "yookassa":
        body = gate.fakes.yk.notification(gid)
        async with api.http.post(
            og.webhook_url, json=body, headers={"X-Forwarded-For": "203.0.113.7"}
        ) as response:
            assert response.status == 403
    elif gate.name == "tinkoff":
        assert (await og.notify(order, Token="0" * 64))[0] == 403
        assert (await og.notify(order, Amount=100))[0] == 400  # signed, not what was asked
    else:
        params = gate.fakes.sb.callback_params(gid)
        params["checksum"] = "DBBE9E54" * 8
        async with api.http.get(og.webhook_url, params=params) as response:
            assert response.status == 403
    assert await issued_codes(running) == []
    assert await checks_failing(running) == set()


async def test_reconciliation_issues_a_certificate_whose_webhook_was_lost(
    running: Running, gate: Gate
) -> None:
    status, order = await purchase(running.api, gate.name)
    assert status == 201, order
    og = OrderGate(gate.name, gate.fakes, running)
    await og.pay(order)
    running.clock.advance(minutes=5)
    await running.jobs.reconcile()
    await running.jobs.reconcile()
    assert len(await issued_codes(running)) == 1
    async with running.sessionmaker() as session:
        row = await session.get(CertificateOrder, order["id"])
        assert row is not None and row.status == "succeeded"
    assert await checks_failing(running) == set()


@pytest.mark.parametrize(
    ("amount", "buyer", "status", "code"),
    [
        ("499.99", {}, 400, "bad_amount"),
        ("100000.01", {}, 400, "bad_amount"),
        ("0", {}, 400, "bad_amount"),
        ("abc", {}, 400, "invalid_input"),
        ("5000.00", {"email": None, "telegram_id": None}, 400, "no_recipient"),
        ("5000.00", {"telegram_id": -5}, 400, "invalid_input"),
        ("5000.00", {"email": "aexample.com"}, 400, "bad_email"),
        ("5000.00", {"email": "anna@example"}, 400, "bad_email"),
        ("5000.00", {"phone": "abcde"}, 400, "bad_phone"),
        ("5000.00", {"phone": "12345"}, 400, "bad_phone"),
    ],
)
async def test_bad_purchases_are_refused_and_change_nothing(
    running: Running, amount: str, buyer: dict[str, Any], status: int, code: str
) -> None:
    answer = await purchase(running.api, "yookassa", amount, **buyer)
    assert (answer[0], answer[1]["error"]["code"]) == (status, code), answer
    status, answer = await running.api.call(
        "POST",
        "/api/certificates/purchase",
        json={"amount": "5000.00", "gateway": "paypal", "buyer": BUYER},
    )
    assert (status, answer["error"]["code"]) == (400, "unknown_gateway")
    async with running.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(CertificateOrder)) == 0
    assert await issued_codes(running) == []


@pytest.mark.parametrize("bot_on", [False])  # no BOT_TOKEN
async def test_with_the_bot_off_a_chat_alone_is_no_recipient(running: Running) -> None:
    status, answer = await purchase(running.api, "yookassa", email=None)
    assert (status, answer["error"]["code"]) == (400, "no_recipient"), answer
    async with running.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(CertificateOrder)) == 0
    status, order = await purchase(running.api, "yookassa")  # the e-mail still reaches them
    assert status == 201, order


async def test_the_phone_is_kept_as_a_booking_client_s(running: Running) -> None:
    status, order = await purchase(running.api, "yookassa", phone="8 (999) 000-11-22")
    assert status == 201, order
    async with running.sessionmaker() as session:
        row = await session.get(CertificateOrder, order["id"])
        assert row is not None and row.buyer_phone == "+79990001122"


@pytest.mark.mock_gateways
async def test_the_mock_checkout_sells_a_certificate_once(running: Running) -> None:
    api = running.api
    for gateway in ("mock", "yookassa"):  # the plain mock and a gateway in mock mode
        status, order = await purchase(api, gateway, "1500.00", email=None)
        assert status == 201, order
        async with api.http.get(order["confirmation_url"]) as response:
            page = await response.text()
            assert response.status == 200 and "1\xa0500\xa0₽" in page, page
        answer = await api.checkout(order, "succeeded", repeat=3)
        assert answer["webhook_statuses"] == [200, 200, 200], answer
        async with api.http.post(  # a paid order cannot be declined on its page
            order["confirmation_url"],
            data={"outcome": "canceled"},
            headers={"Accept": "application/json"},
        ) as response:
            refused = await response.json()
            assert (response.status, refused["error"]["code"]) == (409, "payment_settled")
    codes = await issued_codes(running)
    assert len(codes) == 2
    async with running.sessionmaker() as session:
        statuses = list(await session.scalars(select(CertificateOrder.status)))
        assert statuses == ["succeeded", "succeeded"]
    assert [await balance(api, code) for code in codes] == ["1500.00", "1500.00"]
    status, order = await purchase(api, "mock", "1500.00")
    assert status == 201, order
    await api.checkout(order, "canceled")
    assert len(await issued_codes(running)) == 2
    assert await checks_failing(running) == set()


@pytest.mark.mock_gateways
@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE certificate_orders SET certificate_id = NULL",  # paid, nothing issued
        "UPDATE certificate_orders SET status = 'canceled'",  # issued, never paid
        "UPDATE gift_certificates SET amount = amount + 100, issued_by = 'purchase'",
    ],
)
async def test_the_audit_finds_a_certificate_sold_without_its_money(
    running: Running, damage: str
) -> None:
    status, order = await purchase(running.api, "mock", "1500.00")
    assert status == 201, order
    await running.api.checkout(order, "succeeded")
    assert await checks_failing(running) == set()
    await _execute(running, damage)
    assert "certificate_purchase" in await checks_failing(running)


@pytest.mark.mock_gateways
async def test_an_order_never_answered_is_told_to_the_admins_once(running: Running) -> None:
    status, order = await purchase(running.api, "mock", "1500.00")
    assert status == 201, order
    running.clock.advance(hours=23)
    await running.jobs.reconcile()
    assert await checks_failing(running) == set()  # still within the gateway's lifetime
    running.clock.advance(hours=3)
    assert "certificate_order_stuck" in await checks_failing(running)
    await running.jobs.reconcile()
    await running.jobs.reconcile()
    assert await checks_failing(running) == set()
    told = [m for m in await sent(running) if "заказ № " in m.text]
    assert [m.recipient for m in told] == ["777"], told
    assert f"№ {order['id']}" in told[0].text
    assert await issued_codes(running) == []


async def late_success(running: Running, order_id: int) -> str:
    """The gateway's verified word that the order was paid, coming after all."""
    async with running.sessionmaker() as session:
        row = await session.get(CertificateOrder, order_id)
        assert row is not None and row.gateway_payment_id is not None
        state = PaymentState(
            gateway_payment_id=row.gateway_payment_id,
            status=PaymentStatus.SUCCEEDED,
            amount=row.amount,
            order_key=row.idempotency_key,
        )
        return await apply_payment_report(session, running.deps, row.gateway, state)


async def settle(running: Running, order_id: int, *, paid: bool) -> Any:
    async with running.sessionmaker() as session:
        return await settle_order(session, running.deps, order_id, paid=paid, admin_id=777)


@pytest.mark.mock_gateways
async def test_a_stuck_order_settled_as_paid_issues_one_certificate(running: Running) -> None:
    """The notice's recipe: the order itself is settled, so a late success issues nothing."""
    status, order = await purchase(running.api, "mock", "1500.00")
    assert status == 201, order
    running.clock.advance(hours=26)
    await running.jobs.reconcile()
    [notice] = [m for m in await sent(running) if "заказ № " in m.text]
    assert f"/certorder {order['id']} да" in notice.text
    settled = await settle(running, order["id"], paid=True)
    assert settled.certificate is not None
    assert await issued_codes(running) == [settled.certificate.code]
    assert await late_success(running, order["id"]) == "duplicate"
    assert await issued_codes(running) == [settled.certificate.code]
    with pytest.raises(InvalidTransition) as again:
        await settle(running, order["id"], paid=True)
    assert again.value.code == "order_settled"
    assert len(await issued_codes(running)) == 1
    to_buyer = [m for m in await sent(running) if settled.certificate.code in m.text]
    assert {m.channel for m in to_buyer} >= {"telegram", "email"}
    async with running.sessionmaker() as session:
        row = await session.get(CertificateOrder, order["id"])
        assert row is not None and row.status == "succeeded"
        assert row.raw is not None and row.raw["admin_id"] == 777
        [event] = await session.scalars(
            select(Event).where(Event.type == "certificate.order_settled")
        )
        assert event.payload["paid"] is True and event.payload["admin_id"] == 777
    assert await checks_failing(running) == set()


@pytest.mark.mock_gateways
async def test_a_stuck_order_settled_as_unpaid_issues_on_a_late_success_once(
    running: Running,
) -> None:
    status, order = await purchase(running.api, "mock", "1500.00")
    assert status == 201, order
    running.clock.advance(hours=26)
    settled = await settle(running, order["id"], paid=False)
    assert settled.certificate is None and settled.order.status == "canceled"
    assert await issued_codes(running) == []
    assert await late_success(running, order["id"]) == "applied"
    assert await late_success(running, order["id"]) == "duplicate"
    assert len(await issued_codes(running)) == 1
    assert await checks_failing(running) == set()
