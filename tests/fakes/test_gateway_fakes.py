"""The gateway fakes exercised over real HTTP: plain aiohttp clients and the yookassa SDK."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from yookassa import Configuration, Payment, Refund
from yookassa.domain.exceptions import (
    BadRequestError,
    InternalServerError,
    NotFoundError,
    UnauthorizedError,
)
from yookassa.domain.notification import WebhookNotificationFactory

from payments.signing import (
    YOOKASSA_NETWORKS,
    in_networks,
    tinkoff_token,
    verify_sber_checksum,
    verify_tinkoff_token,
)
from tests.fakes.sber_api import MOSCOW, FakeSber
from tests.fakes.tinkoff_api import FakeTinkoff
from tests.fakes.yookassa_api import FakeYooKassa

SHOP_ID, SECRET_KEY = "123456", "test_SECRET"
TERMINAL, TB_PASSWORD = "1234567890DEMO", "secret_pw_1"
SB_USER, SB_PASSWORD, SB_TOKEN = "studio-api", "sb-pass", "test-callback-token"
SHORT = aiohttp.ClientTimeout(total=0.3)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Receiver:
    """A tiny webhook endpoint at ``/hook`` that records what it gets."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.received: list[web.Request] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> Receiver:
        async def hook(request: web.Request) -> web.StreamResponse:
            await request.read()
            self.received.append(request)
            return await self.handler(request)

        app = web.Application()
        app.router.add_route("*", "/hook", hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def _request(
    method: str,
    url: str,
    *,
    timeout: aiohttp.ClientTimeout | None = None,
    **kwargs: Any,
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(timeout=timeout or aiohttp.ClientTimeout(total=5)) as session,
        session.request(method, url, **kwargs) as response,
    ):
        return response.status, await response.text()


# --- YooKassa -----------------------------------------------------------------------------

YK_AUTH = {"Authorization": "Basic " + base64.b64encode(b"123456:test_SECRET").decode()}


def test_reference_basic_auth_example() -> None:
    assert YK_AUTH["Authorization"] == "Basic MTIzNDU2OnRlc3RfU0VDUkVU"


@pytest.fixture
async def yk() -> AsyncIterator[FakeYooKassa]:
    async with FakeYooKassa(SHOP_ID, SECRET_KEY) as fake:
        yield fake


@pytest.fixture
def sdk() -> Iterator[None]:
    saved = (Configuration.account_id, Configuration.secret_key, Configuration.api_url)
    yield
    Configuration.configure(saved[0], saved[1], api_url=saved[2])


def _yk_payment(amount: str = "1500.00", **extra: Any) -> dict[str, Any]:
    return {
        "amount": {"value": amount, "currency": "RUB"},
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": "https://studio.example/back"},
        "description": "Бронь B-42",
        "metadata": {"booking": "B-42", "payment_id": "7"},
        **extra,
    }


async def _yk_post(
    yk: FakeYooKassa, path: str, body: Any, key: str | None, **kwargs: Any
) -> tuple[int, Any]:
    headers = dict(YK_AUTH)
    if key is not None:
        headers["Idempotence-Key"] = key
    status, text = await _request("POST", yk.base_url + path, json=body, headers=headers, **kwargs)
    return status, json.loads(text)


async def test_yookassa_sdk_full_flow(yk: FakeYooKassa, sdk: None) -> None:
    Configuration.configure(SHOP_ID, SECRET_KEY, api_url=yk.base_url)
    receipt = {
        "customer": {"email": "client@example.com"},
        "items": [
            {
                "description": "Фотосессия",
                "quantity": "1.00",
                "amount": {"value": "1500.00", "currency": "RUB"},
                "vat_code": 1,
                "payment_mode": "full_payment",
                "payment_subject": "service",
            }
        ],
    }
    params = _yk_payment(receipt=receipt)
    created = await asyncio.to_thread(Payment.create, params, "key-1")
    assert created.status == "pending" and created.test is True
    assert created.amount.value == 1500 and created.paid is False
    assert created.confirmation.confirmation_url.startswith("https://")
    assert created.metadata["booking"] == "B-42"
    sent = yk.last_request
    assert sent.path == "/payments" and sent.headers["Idempotence-Key"] == "key-1"
    assert sent.json()["amount"] == {"value": "1500.00", "currency": "RUB"}
    assert yk.receipts[created.id]["customer"] == {"email": "client@example.com"}

    again = await asyncio.to_thread(Payment.create, params, "key-1")
    assert again.id == created.id and yk.payments_created == 1

    yk.pay(created.id)
    paid = await asyncio.to_thread(Payment.find_one, created.id)
    assert paid.status == "succeeded" and paid.paid is True
    assert paid.payment_method.type == "bank_card" and paid.refundable is True

    refund_params = {"payment_id": created.id, "amount": {"value": "500.00", "currency": "RUB"}}
    refund = await asyncio.to_thread(Refund.create, refund_params, "refund-1")
    assert refund.status == "succeeded" and refund.amount.value == 500
    repeat = await asyncio.to_thread(Refund.create, refund_params, "refund-1")
    assert repeat.id == refund.id and yk.refunds_created == 1
    found = await asyncio.to_thread(Refund.find_one, refund.id)
    assert found.payment_id == created.id

    rest = {"payment_id": created.id, "amount": {"value": "1000.00", "currency": "RUB"}}
    await asyncio.to_thread(Refund.create, rest, "refund-2")
    after = await asyncio.to_thread(Payment.find_one, created.id)
    assert after.refunded_amount.value == 1500 and after.status == "succeeded"
    with pytest.raises(BadRequestError):
        one_more = {"payment_id": created.id, "amount": {"value": "1.00", "currency": "RUB"}}
        await asyncio.to_thread(Refund.create, one_more, "refund-3")
    assert yk.refunds_created == 2


async def test_yookassa_sdk_bad_credentials_and_unknown_payment(
    yk: FakeYooKassa, sdk: None
) -> None:
    Configuration.configure(SHOP_ID, "wrong", api_url=yk.base_url)
    with pytest.raises(UnauthorizedError) as caught:
        await asyncio.to_thread(Payment.create, _yk_payment(), "k")
    assert "invalid_credentials" in str(caught.value)
    assert yk.payments_created == 0
    Configuration.configure(SHOP_ID, SECRET_KEY, api_url=yk.base_url + "/v3")
    with pytest.raises(NotFoundError):
        await asyncio.to_thread(Payment.find_one, "00000000-000f-5000-8000-000000000000")


async def test_yookassa_sdk_failure_modes(yk: FakeYooKassa, sdk: None) -> None:
    """What an adapter must catch around the SDK (it has no socket timeout of its own)."""
    Configuration.configure(SHOP_ID, SECRET_KEY, api_url=yk.base_url)
    yk.fail_next("payments.create", 500)
    with pytest.raises(InternalServerError):
        await asyncio.to_thread(Payment.create, _yk_payment(), "f1")
    yk.fail_next("payments.create", "garbage")
    with pytest.raises(ValueError):  # requests.JSONDecodeError
        await asyncio.to_thread(Payment.create, _yk_payment(), "f1")
    assert yk.payments_created == 0
    created = await asyncio.to_thread(Payment.create, _yk_payment(), "f1")
    assert created.status == "pending" and yk.payments_created == 1


async def test_yookassa_idempotence_rules(yk: FakeYooKassa) -> None:
    status, first = await _yk_post(yk, "/payments", _yk_payment(), "same")
    assert status == 200 and first["amount"]["value"] == "1500.00"
    assert first["recipient"]["account_id"] == SHOP_ID

    yk.pay(first["id"])
    status, replay = await _yk_post(yk, "/payments", _yk_payment(), "same")
    assert status == 200 and replay == first  # the original answer, even after a change

    status, dup = await _yk_post(yk, "/payments", _yk_payment("1600.00"), "same")
    assert status == 400
    assert dup["type"] == "error" and dup["code"] == "invalid_request"
    assert dup["description"] == "Idempotence key duplicated"
    assert dup["parameter"] == "Idempotence-Key"

    status, missing = await _yk_post(yk, "/payments", _yk_payment(), None)
    assert status == 400 and missing["parameter"] == "Idempotence-Key"

    status, other = await _yk_post(yk, "/payments", _yk_payment(), "other")
    assert status == 200 and other["id"] != first["id"]
    assert yk.payments_created == 2

    status, unauth = await _request("POST", yk.base_url + "/payments", json=_yk_payment())
    assert status == 401 and json.loads(unauth)["code"] == "invalid_credentials"


async def test_yookassa_validation_errors(yk: FakeYooKassa) -> None:
    bad_receipt = {
        "customer": {"phone": "79000000000"},
        "items": [
            {
                "description": "x",
                "quantity": 2,
                "amount": {"value": "700.00", "currency": "RUB"},
                "vat_code": 1,
            }
        ],
    }
    status, body = await _yk_post(yk, "/payments", _yk_payment(receipt=bad_receipt), "r")
    assert status == 400 and body["parameter"] == "receipt.items"
    status, body = await _yk_post(yk, "/payments", _yk_payment("0.00"), "z")
    assert status == 400 and body["parameter"] == "amount.value"
    status, body = await _yk_post(yk, "/payments", _yk_payment("10.005"), "d")
    assert status == 400
    status, created = await _yk_post(yk, "/payments", _yk_payment(), "ok")
    refund = {"payment_id": created["id"], "amount": {"value": "1.00", "currency": "RUB"}}
    status, body = await _yk_post(yk, "/refunds", refund, "early")
    assert status == 400 and body["parameter"] == "payment_id"  # still pending
    assert yk.payments_created == 1


async def test_yookassa_decline_and_webhooks(yk: FakeYooKassa) -> None:
    _, created = await _yk_post(yk, "/payments", _yk_payment(), "w")
    declined = yk.decline(created["id"])
    assert declined["status"] == "canceled"
    assert declined["cancellation_details"] == {
        "party": "payment_network",
        "reason": "general_decline",
    }
    checks: list[tuple[str, str, bool]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        notice = WebhookNotificationFactory().create(body)
        # No signature: trust only a re-fetch from the API (and, in prod, the source IP).
        status, fetched = await _request(
            "GET", f"{yk.base_url}/payments/{notice.object.id}", headers=YK_AUTH
        )
        assert status == 200
        from_yookassa = in_networks(request.remote or "", YOOKASSA_NETWORKS)
        checks.append((notice.event, json.loads(fetched)["status"], from_yookassa))
        return web.Response(text="")

    async with Receiver(hook) as receiver:
        assert await yk.send_webhook(receiver.url, created["id"]) == (200, "")
    assert checks == [("payment.canceled", "canceled", False)]
    assert receiver.received[0].content_type == "application/json"

    _, second = await _yk_post(yk, "/payments", _yk_payment(), "w2")
    yk.pay(second["id"])
    _, refund = await _yk_post(
        yk,
        "/refunds",
        {"payment_id": second["id"], "amount": {"value": "100.00", "currency": "RUB"}},
        "rf",
    )
    notice = yk.notification(second["id"], "refund.succeeded")
    assert notice["type"] == "notification" and notice["object"]["id"] == refund["id"]
    assert yk.notification(second["id"])["event"] == "payment.succeeded"


async def test_yookassa_two_stage_capture(yk: FakeYooKassa) -> None:
    _, created = await _yk_post(yk, "/payments", _yk_payment(capture=False), "two")
    held = yk.pay(created["id"])
    assert held["status"] == "waiting_for_capture" and "expires_at" in held
    status, captured = await _yk_post(
        yk,
        f"/payments/{created['id']}/capture",
        {"amount": {"value": "1000.00", "currency": "RUB"}},
        "cap",
    )
    assert status == 200 and captured["status"] == "succeeded"
    assert captured["amount"]["value"] == "1000.00"


async def test_yookassa_injected_failures(yk: FakeYooKassa) -> None:
    yk.fail_next("payments.create", 500)
    status, body = await _yk_post(yk, "/payments", _yk_payment(), "f")
    assert status == 500 and body["code"] == "internal_server_error"
    assert yk.payments_created == 0

    yk.fail_next("/payments", "garbage")
    status, text = await _request(
        "POST", yk.base_url + "/payments", json=_yk_payment(), headers=YK_AUTH
    )
    assert status == 200 and text.startswith("<html>")
    yk.fail_next("payments.get", "garbage", garbage_status=502)
    status, text = await _request("GET", yk.base_url + "/payments/x", headers=YK_AUTH)
    assert status == 502 and "Bad Gateway" in text

    yk.fail_next("payments.create", "timeout")
    with pytest.raises(asyncio.TimeoutError):
        await _yk_post(yk, "/payments", _yk_payment(), "slow", timeout=SHORT)
    assert yk.payments_created == 1  # performed; only the answer was late
    status, body = await _yk_post(yk, "/payments", _yk_payment(), "slow")
    assert status == 200 and body["id"] == yk.payment_ids[0] and yk.payments_created == 1
    assert [r.op for r in yk.requests].count("payments.create") == 4


# --- T-Bank -------------------------------------------------------------------------------


@pytest.fixture
async def tb() -> AsyncIterator[FakeTinkoff]:
    async with FakeTinkoff(TERMINAL, TB_PASSWORD) as fake:
        yield fake


async def _tb(
    tb: FakeTinkoff, method: str, password: str = TB_PASSWORD, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"TerminalKey": TERMINAL, **fields}
    body["Token"] = tinkoff_token(body, password)
    status, text = await _request("POST", f"{tb.api_url}/{method}", json=body)
    assert status == 200
    answer: dict[str, Any] = json.loads(text)
    return answer


def _tb_init(order_id: str = "booking-42", amount: int = 350000, **extra: Any) -> dict[str, Any]:
    return {
        "Amount": amount,
        "OrderId": order_id,
        "Description": "Фотосессия 2 часа",
        "PayType": "O",
        "DATA": {"booking": "42"},
        "Receipt": {
            "Email": "c@example.com",
            "Taxation": "usn_income",
            "Items": [
                {
                    "Name": "Фотосессия",
                    "Price": amount,
                    "Quantity": 1,
                    "Amount": amount,
                    "Tax": "none",
                    "PaymentObject": "service",
                }
            ],
        },
        **extra,
    }


async def test_tinkoff_init_token_and_duplicates(tb: FakeTinkoff) -> None:
    init = await _tb(tb, "Init", **_tb_init())
    assert init["Success"] is True and init["ErrorCode"] == "0"
    assert init["Status"] == "NEW" and init["Amount"] == 350000
    assert init["OrderId"] == "booking-42" and init["PaymentURL"].startswith("https://")
    # T5 from the reference: exactly what the fake checked.
    assert tb.last_request.json()["Token"] == (
        "d4bae9902a94e254cb9e8b01764e29699a1a847fbb4a7b45fcbb02645ae874aa"
    )

    bad = await _tb(tb, "Init", password="wrong", **_tb_init("other"))
    assert bad["Success"] is False and bad["ErrorCode"] == "204"
    body = {**_tb_init("tampered"), "TerminalKey": TERMINAL}
    body["Token"] = tinkoff_token(body, TB_PASSWORD)
    body["Amount"] = 100
    _, text = await _request("POST", f"{tb.base_url}/Init", json=body)  # root path works too
    assert json.loads(text)["ErrorCode"] == "204"

    dup = await _tb(tb, "Init", **_tb_init())
    assert dup["Success"] is False and dup["ErrorCode"] != "0"
    mismatch = await _tb(tb, "Init", **{**_tb_init("r"), "Amount": 350001})
    assert mismatch["Success"] is False  # receipt total differs from Amount
    assert tb.payments_created == 1


async def test_tinkoff_refunds_and_external_request_id(tb: FakeTinkoff) -> None:
    init = await _tb(tb, "Init", **_tb_init())
    pid = init["PaymentId"]
    assert tb.pay(pid)["Status"] == "CONFIRMED"
    state = await _tb(tb, "GetState", PaymentId=pid)
    assert state["Status"] == "CONFIRMED" and state["Amount"] == 350000

    part = await _tb(tb, "Cancel", PaymentId=pid, Amount=100000, ExternalRequestId="r-1")
    assert part["Status"] == "PARTIAL_REFUNDED"
    assert (part["OriginalAmount"], part["NewAmount"]) == (350000, 250000)
    again = await _tb(tb, "Cancel", PaymentId=pid, Amount=100000, ExternalRequestId="r-1")
    assert again["Success"] is True and again["Status"] == "PARTIAL_REFUNDED"
    assert again["NewAmount"] == 250000 and tb.refunds_made == 1

    too_much = await _tb(tb, "Cancel", PaymentId=pid, Amount=250001, ExternalRequestId="r-2")
    assert too_much["Success"] is False
    rest = await _tb(tb, "Cancel", PaymentId=pid, ExternalRequestId="r-2")
    assert rest["Status"] == "REFUNDED" and rest["NewAmount"] == 0
    assert tb.payment(pid)["Refunds"] == [100000, 250000]

    other = await _tb(tb, "Init", **_tb_init("b-2", 1000))
    canceled = await _tb(tb, "Cancel", PaymentId=other["PaymentId"], Amount=500)
    assert canceled["Status"] == "CANCELED"
    third = await _tb(tb, "Init", **_tb_init("b-3", 1000))
    assert tb.decline(third["PaymentId"])["Status"] == "REJECTED"
    refused = await _tb(tb, "Cancel", PaymentId=third["PaymentId"])
    assert refused["Success"] is False
    unknown = await _tb(tb, "GetState", PaymentId="1")
    assert unknown["Success"] is False


async def test_tinkoff_two_stage(tb: FakeTinkoff) -> None:
    init = await _tb(tb, "Init", **_tb_init(PayType="T"))
    assert tb.pay(init["PaymentId"])["Status"] == "AUTHORIZED"
    confirmed = await _tb(tb, "Confirm", PaymentId=init["PaymentId"])
    assert confirmed["Status"] == "CONFIRMED"


async def test_tinkoff_notifications(tb: FakeTinkoff) -> None:
    init = await _tb(
        tb, "Init", **_tb_init(NotificationURL="http://127.0.0.1:1/unused", Recurrent="Y")
    )
    pid = init["PaymentId"]
    tb.pay(pid)
    seen: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body)
        if not verify_tinkoff_token(body, TB_PASSWORD) or body["Amount"] != 350000:
            return web.Response(status=400, text="bad token")
        return web.Response(text="OK")

    async with Receiver(hook) as receiver:
        assert await tb.send_notification(receiver.url, pid) == (200, "OK")
        note = seen[0]
        assert note["Status"] == "CONFIRMED" and note["Success"] is True
        assert note["PaymentId"] == int(pid) and note["OrderId"] == "booking-42"
        assert note["DATA"] == {"booking": "42"} and note["RebillId"]
        assert {"CardId", "Pan", "ExpDate", "ErrorCode", "TerminalKey"} <= set(note)

        status, _ = await tb.send_notification(receiver.url, pid, Amount=1)
        assert status == 400  # correctly signed, but the amount is wrong
        forged = tb.notification(pid)
        forged["Status"] = "REFUNDED"
        status, _ = await _request("POST", receiver.url, json=forged)
        assert status == 400
        status, _ = await tb.send_notification(receiver.url, pid, Token="0" * 64)
        assert status == 400
        removed = tb.notification(pid, CardId=None)
        assert "CardId" not in removed and verify_tinkoff_token(removed, TB_PASSWORD)


async def test_tinkoff_injected_failures(tb: FakeTinkoff) -> None:
    tb.fail_next("Init", "garbage")
    body = {"TerminalKey": TERMINAL, **_tb_init()}
    body["Token"] = tinkoff_token(body, TB_PASSWORD)
    status, text = await _request("POST", f"{tb.api_url}/Init", json=body)
    assert status == 200 and "<html>" in text and tb.payments_created == 0

    tb.fail_next("Init", 503)
    status, _ = await _request("POST", f"{tb.api_url}/Init", json=body)
    assert status == 503 and tb.payments_created == 0

    tb.fail_next("Init", "timeout")
    with pytest.raises(asyncio.TimeoutError):
        await _request("POST", f"{tb.api_url}/Init", json=body, timeout=SHORT)
    assert tb.payments_created == 1
    retry = await _tb(tb, "Init", **_tb_init())
    assert retry["Success"] is False  # the timed-out Init did happen: OrderId is taken
    assert tb.payment(tb.payment_id_for("booking-42"))["Status"] == "NEW"


# --- Sber ---------------------------------------------------------------------------------


@pytest.fixture
async def sb() -> AsyncIterator[FakeSber]:
    async with FakeSber(SB_USER, SB_PASSWORD, SB_TOKEN) as fake:
        yield fake


async def _sb(sb: FakeSber, method: str, *, get: bool = False, **params: Any) -> dict[str, Any]:
    data = {"userName": SB_USER, "password": SB_PASSWORD, **params}
    url = f"{sb.api_url}/{method}.do"
    if get:
        status, text = await _request("GET", url, params=data)
    else:
        status, text = await _request("POST", url, data=data)
    assert status == 200
    answer: dict[str, Any] = json.loads(text)
    return answer


def _sb_order(number: str = "B-42", amount: int = 350000) -> dict[str, Any]:
    return {
        "orderNumber": number,
        "amount": str(amount),
        "currency": "643",
        "returnUrl": "https://studio.example/ok",
        "description": "Фотосессия",
        "jsonParams": json.dumps({"booking": "42"}),
    }


async def test_sber_register_errors(sb: FakeSber) -> None:
    reg = await _sb(sb, "register", **_sb_order())
    assert reg["errorCode"] == "0" and reg["formUrl"].endswith(reg["orderId"])
    assert sb.last_request.params["orderNumber"] == "B-42"

    dup = await _sb(sb, "register", **_sb_order())
    assert dup["errorCode"] == "1"
    denied = await _sb(sb, "register", **{**_sb_order("B-43"), "password": "nope"})
    assert denied["errorCode"] == "5"
    as_json = {"userName": SB_USER, "password": SB_PASSWORD, **_sb_order("B-44")}
    _, text = await _request("POST", f"{sb.api_url}/register.do", json=as_json)
    assert json.loads(text)["errorCode"] == "5"  # the legacy gateway wants a form
    missing = await _sb(sb, "register", orderNumber="B-45", amount="100")
    assert missing["errorCode"] == "4"
    assert sb.orders_created == 1

    by_number = await _sb(sb, "getOrderStatusExtended", get=True, orderNumber="B-42")
    assert by_number["orderStatus"] == 0 and by_number["amount"] == 350000
    assert by_number["attributes"] == [{"name": "mdOrder", "value": reg["orderId"]}]
    unknown = await _sb(sb, "getOrderStatusExtended", orderId="nope")
    assert unknown["errorCode"] == "6"

    sb.omit_success_error_code = True
    legacy = await _sb(sb, "register", **_sb_order("B-46"))
    assert "errorCode" not in legacy and legacy["orderId"]


async def test_sber_pay_refund_reverse(sb: FakeSber) -> None:
    order_id = (await _sb(sb, "register", **_sb_order()))["orderId"]
    assert sb.pay(order_id)["orderStatus"] == 2
    state = await _sb(sb, "getOrderStatusExtended", orderId=order_id)
    assert state["orderStatus"] == 2 and state["paymentAmountInfo"]["depositedAmount"] == 350000

    refund = await _sb(sb, "refund", orderId=order_id, amount="100000")
    assert refund["errorCode"] == "0"
    over = await _sb(sb, "refund", orderId=order_id, amount="250001")
    assert over["errorCode"] == "7"
    await _sb(sb, "refund", orderId=order_id, amount="250000")
    state = await _sb(sb, "getOrderStatusExtended", orderId=order_id)
    assert state["orderStatus"] == 4 and state["paymentAmountInfo"]["refundedAmount"] == 350000
    assert sb.refunds_made == 2
    late = await _sb(sb, "reverse", orderId=order_id)
    assert late["errorCode"] == "5"

    unpaid = (await _sb(sb, "register", **_sb_order("B-2", 1000)))["orderId"]
    assert (await _sb(sb, "refund", orderId=unpaid, amount="1000"))["errorCode"] == "5"
    assert (await _sb(sb, "reverse", orderId=unpaid))["errorCode"] == "0"
    assert sb.order(unpaid)["orderStatus"] == 3

    today = (await _sb(sb, "register", **_sb_order("B-3", 1000)))["orderId"]
    sb.pay(today)
    assert (await _sb(sb, "reverse", orderId=today))["errorCode"] == "0"
    yesterday = (await _sb(sb, "register", **_sb_order("B-4", 1000)))["orderId"]
    sb.pay(yesterday, deposited_at=datetime.now(MOSCOW) - timedelta(days=1))
    assert (await _sb(sb, "reverse", orderId=yesterday))["errorCode"] == "5"

    declined = (await _sb(sb, "register", **_sb_order("B-5", 1000)))["orderId"]
    assert sb.decline(declined)["orderStatus"] == 6


async def test_sber_callbacks(sb: FakeSber) -> None:
    order_id = (await _sb(sb, "register", **_sb_order()))["orderId"]
    sb.pay(order_id)
    params = sb.callback_params(order_id)
    assert params["mdOrder"] == order_id and params["operation"] == "deposited"
    assert params["status"] == "1" and params["checksum"].isupper()
    seen: list[dict[str, str]] = []

    async def hook(request: web.Request) -> web.Response:
        query = dict(request.query)
        seen.append(query)
        if request.method != "GET" or not verify_sber_checksum(query, SB_TOKEN):
            return web.Response(status=403)
        return web.Response(text="")

    async with Receiver(hook) as receiver:
        assert (await sb.send_callback(receiver.url, order_id))[0] == 200
        assert seen[0] == params
        status, _ = await sb.send_callback(receiver.url, order_id, amount="1")
        assert status == 200  # re-signed after the override
        status, _ = await sb.send_callback(receiver.url, "B-42", "refunded", 1, checksum="00")
        assert status == 403
        forged = {**params, "amount": "1"}
        status, _ = await _request("GET", receiver.url, params=forged)
        assert status == 403


async def test_sber_injected_failures(sb: FakeSber) -> None:
    sb.fail_next("register.do", "garbage", garbage_status=502)
    data = {"userName": SB_USER, "password": SB_PASSWORD, **_sb_order()}
    status, text = await _request("POST", f"{sb.api_url}/register.do", data=data)
    assert status == 502 and "nginx" in text and sb.orders_created == 0

    sb.fail_next("register", "timeout")
    with pytest.raises(asyncio.TimeoutError):
        await _request("POST", f"{sb.api_url}/register.do", data=data, timeout=SHORT)
    assert sb.orders_created == 1
    assert (await _sb(sb, "register", **_sb_order()))["errorCode"] == "1"

    sb.fail_next("*", 500)
    status, text = await _request("POST", f"{sb.api_url}/refund.do", data=data)
    assert status == 500 and json.loads(text)["errorCode"] == "7"
    assert [r.op for r in sb.requests] == ["register", "register", "register", "refund"]
