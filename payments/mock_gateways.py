"""In-process stand-ins for the real gateways: with PAYMENT_ENV=mock their adapters talk to
these (payments.registry wires them).

Each stand-in answers the adapter's API calls the way its gateway does (idempotency, order
numbers, refunds) and, when the payer presses Pay or Decline on the local checkout page,
produces the webhook that gateway would send, in its own format and signed its own way: a
T-Bank notification with a Token made with a local terminal password, a Sber callback with a
checksum, a ЮKassa notification body (which the adapter checks by fetching the payment back
from the stand-in). So the real verification code runs on one machine with no keys.
"""

from __future__ import annotations

import itertools
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import SecretStr

from payments.base import GatewayError
from payments.receipts import rubles
from payments.signing import sber_checksum, tinkoff_token, verify_tinkoff_token
from payments.yookassa import UnknownAtGateway, kopecks


@dataclass(frozen=True, slots=True)
class SimulatedWebhook:
    """What the checkout page sends to this app's webhook route."""

    method: str
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class GatewaySimulator(Protocol):
    def complete(
        self, gateway_payment_id: str, our_payment_id: int, amount: int, order: str, paid: bool
    ) -> SimulatedWebhook:
        """The payer paid (or declined): change the state and render the gateway's webhook."""
        ...


def simulator_of(provider: object) -> GatewaySimulator | None:
    simulator = getattr(provider, "simulator", None)
    return simulator if isinstance(simulator, GatewaySimulator) else None


def _checkout_url(base_url: str, gateway_id: str) -> str:
    return f"{base_url.rstrip('/')}/mock/checkout/{gateway_id}"


def _json_webhook(payload: dict[str, Any]) -> SimulatedWebhook:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return SimulatedWebhook("POST", body, {}, {"Content-Type": "application/json"})


# --- T-Bank -------------------------------------------------------------------------------


@dataclass(slots=True)
class _TbPayment:
    payment_id: str
    order_id: str
    amount: int
    data: dict[str, Any]
    status: str = "NEW"
    remaining: int = 0
    requests: set[str] = field(default_factory=set)


class LocalTinkoff:
    """A T-Bank terminal in memory: Init, GetState, CheckOrder, Cancel; signed notifications."""

    def __init__(self, base_url: str, terminal_key: str, password: SecretStr) -> None:
        self._base_url = base_url
        self._terminal_key = terminal_key
        self._password = password
        self._payments: dict[str, _TbPayment] = {}
        self._ids = itertools.count(secrets.randbelow(10**6) * 1000 + 10**9)

    async def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("TerminalKey") != self._terminal_key or not verify_tinkoff_token(
            body, self._password.get_secret_value()
        ):
            return self._fail("204", "Неверный токен.")
        if method == "Init":
            return self._init(body)
        if method == "CheckOrder":
            found = [p for p in self._payments.values() if p.order_id == body.get("OrderId")]
            payments = [
                {"PaymentId": p.payment_id, "Amount": p.amount, "Status": p.status} for p in found
            ]
            return {**self._ok(), "OrderId": body.get("OrderId"), "Payments": payments}
        payment = self._payments.get(str(body.get("PaymentId")))
        if payment is None:
            return self._fail("7", "Платеж не найден.")
        if method == "GetState":
            return self._state(payment)
        if method == "Cancel":
            return self._cancel(payment, body)
        return self._fail("9", f"Unknown method {method}")

    def _ok(self) -> dict[str, Any]:
        return {"Success": True, "ErrorCode": "0", "TerminalKey": self._terminal_key}

    def _fail(self, code: str, message: str) -> dict[str, Any]:
        return {"Success": False, "ErrorCode": code, "Message": message}

    def _state(self, payment: _TbPayment) -> dict[str, Any]:
        return {
            **self._ok(),
            "Status": payment.status,
            "PaymentId": payment.payment_id,
            "OrderId": payment.order_id,
            "Amount": payment.amount,
        }

    def _init(self, body: dict[str, Any]) -> dict[str, Any]:
        order_id, amount = str(body.get("OrderId", "")), body.get("Amount")
        if not isinstance(amount, int) or amount < 100 or not order_id:
            return self._fail("9", "Неверные параметры.")
        if any(p.order_id == order_id for p in self._payments.values()):
            return self._fail("9", f"OrderId {order_id} already used")
        payment_id = str(next(self._ids))
        data = body.get("DATA")
        payment = _TbPayment(payment_id, order_id, amount, data if isinstance(data, dict) else {})
        self._payments[payment_id] = payment
        return {**self._state(payment), "PaymentURL": _checkout_url(self._base_url, payment_id)}

    def _cancel(self, payment: _TbPayment, body: dict[str, Any]) -> dict[str, Any]:
        request_id = str(body.get("ExternalRequestId", ""))
        if request_id and request_id in payment.requests:
            return self._state(payment)
        if payment.status == "NEW":
            payment.status = "CANCELED"
        elif payment.status in ("CONFIRMED", "PARTIAL_REFUNDED"):
            amount = body.get("Amount", payment.remaining)
            if not isinstance(amount, int) or not 0 < amount <= payment.remaining:
                return self._fail("9", "Amount exceeds the remaining amount")
            payment.remaining -= amount
            payment.status = "REFUNDED" if payment.remaining == 0 else "PARTIAL_REFUNDED"
        else:
            return self._fail("8", "Неверный статус транзакции.")
        if request_id:
            payment.requests.add(request_id)
        return self._state(payment)

    def complete(
        self, gateway_payment_id: str, our_payment_id: int, amount: int, order: str, paid: bool
    ) -> SimulatedWebhook:
        payment = self._payments.get(gateway_payment_id)
        if payment is None:  # the process restarted: take the app's word for the payment
            data = {"payment_id": str(our_payment_id)}
            payment = _TbPayment(gateway_payment_id, order, amount, data)
            self._payments[gateway_payment_id] = payment
        payment.status = "CONFIRMED" if paid else "REJECTED"
        payment.remaining = payment.amount if paid else 0
        fields: dict[str, Any] = {
            "TerminalKey": self._terminal_key,
            "OrderId": payment.order_id,
            "Success": paid,
            "Status": payment.status,
            "PaymentId": int(payment.payment_id),
            "ErrorCode": "0" if paid else "1051",
            "Amount": payment.amount,
            "CardId": 322264,
            "Pan": "430000******0777",
            "ExpDate": "1230",
            "DATA": payment.data,
        }
        fields["Token"] = tinkoff_token(fields, self._password.get_secret_value())
        return _json_webhook(fields)


# --- Sber ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _SbOrder:
    order_id: str
    number: str
    amount: int
    params: dict[str, str]
    status: int = 0
    refunded: int = 0


class LocalSber:
    """A Sber merchant in memory: register, status, refund, reverse; signed callbacks."""

    def __init__(self, base_url: str, callback_token: SecretStr) -> None:
        self._base_url = base_url
        self._token = callback_token
        self._orders: dict[str, _SbOrder] = {}

    async def call(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        if method == "register.do":
            return self._register(params)
        order = self._find(params)
        if order is None:
            return {"errorCode": "6", "errorMessage": "Заказ не найден"}
        if method == "getOrderStatusExtended.do":
            return self._render(order)
        if method == "refund.do":
            amount = int(params.get("amount", "0") or 0)
            if order.status not in (2, 4) or not 0 < amount <= order.amount - order.refunded:
                return {"errorCode": "7", "errorMessage": "Сумма возврата превышает сумму"}
            order.refunded += amount
            order.status = 4
            return {"errorCode": "0"}
        if method == "reverse.do":
            if order.status not in (0, 1):
                return {"errorCode": "5", "errorMessage": "Отмена невозможна"}
            order.status = 3
            return {"errorCode": "0"}
        return {"errorCode": "4", "errorMessage": f"Unknown method {method}"}

    def _find(self, params: dict[str, str]) -> _SbOrder | None:
        if "orderId" in params:
            return self._orders.get(params["orderId"])
        number = params.get("orderNumber")
        return next((o for o in self._orders.values() if o.number == number), None)

    def _register(self, params: dict[str, str]) -> dict[str, Any]:
        number = params.get("orderNumber", "")
        if not number or not params.get("amount", "").isdigit():
            return {"errorCode": "4", "errorMessage": "Неверный параметр"}
        if any(o.number == number for o in self._orders.values()):
            return {"errorCode": "1", "errorMessage": "Заказ с таким номером уже обработан"}
        order = _SbOrder(str(uuid.uuid4()), number, int(params["amount"]), dict(params))
        self._orders[order.order_id] = order
        return {
            "orderId": order.order_id,
            "formUrl": _checkout_url(self._base_url, order.order_id),
        }

    def _render(self, order: _SbOrder) -> dict[str, Any]:
        try:
            extra = json.loads(order.params.get("jsonParams", "{}"))
        except ValueError:
            extra = {}
        paid = order.status in (1, 2, 4)
        return {
            "errorCode": "0",
            "orderNumber": order.number,
            "orderStatus": order.status,
            "amount": order.amount,
            "currency": "643",
            "merchantOrderParams": [{"name": k, "value": str(v)} for k, v in extra.items()],
            "attributes": [{"name": "mdOrder", "value": order.order_id}],
            "paymentAmountInfo": {
                "approvedAmount": order.amount if paid else 0,
                "depositedAmount": order.amount if order.status in (2, 4) else 0,
                "refundedAmount": order.refunded,
            },
        }

    def complete(
        self, gateway_payment_id: str, our_payment_id: int, amount: int, order: str, paid: bool
    ) -> SimulatedWebhook:
        found = self._orders.get(gateway_payment_id)
        if found is None:
            params = {"jsonParams": json.dumps({"payment_id": str(our_payment_id)})}
            found = _SbOrder(gateway_payment_id, order, amount, params)
            self._orders[gateway_payment_id] = found
        found.status = 2 if paid else 6
        query = {
            "mdOrder": found.order_id,
            "orderNumber": found.number,
            "operation": "deposited",
            "status": "1" if paid else "0",
            "amount": str(found.amount),
        }
        query["checksum"] = sber_checksum(query, self._token.get_secret_value())
        return SimulatedWebhook("GET", b"", query, {})


# --- ЮKassa -------------------------------------------------------------------------------


class LocalYooKassa:
    """A ЮKassa shop in memory: payments and refunds with Idempotence-Key semantics."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._payments: dict[str, dict[str, Any]] = {}
        self._refunds: dict[str, dict[str, Any]] = {}
        self._done: dict[tuple[str, str], dict[str, Any]] = {}

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    async def create_payment(self, params: dict[str, Any], key: str) -> dict[str, Any]:
        if ("payment", key) in self._done:
            return dict(self._done[("payment", key)])
        payment_id = str(uuid.uuid4())
        payment = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": dict(params["amount"]),
            "confirmation": {
                "type": "redirect",
                "confirmation_url": _checkout_url(self._base_url, payment_id),
            },
            "created_at": self._now(),
            "description": params.get("description", ""),
            "metadata": dict(params.get("metadata") or {}),
            "refundable": False,
            "test": True,
        }
        self._payments[payment_id] = payment
        self._done[("payment", key)] = dict(payment)
        return dict(payment)

    async def get_payment(self, payment_id: str) -> dict[str, Any]:
        payment = self._payments.get(payment_id)
        if payment is None:
            raise UnknownAtGateway("ЮKassa get payment: not found")
        return dict(payment)

    async def create_refund(self, params: dict[str, Any], key: str) -> dict[str, Any]:
        if ("refund", key) in self._done:
            return dict(self._done[("refund", key)])
        payment = self._payments.get(str(params.get("payment_id")))
        money, total = kopecks(params.get("amount")), kopecks((payment or {}).get("amount"))
        refunded = kopecks((payment or {}).get("refunded_amount")) or (0, "RUB")
        if payment is None or payment["status"] != "succeeded" or not money or not total:
            raise GatewayError("ЮKassa create refund: BadRequestError")
        if money[0] > total[0] - refunded[0]:
            raise GatewayError("ЮKassa create refund: BadRequestError amount")
        payment["refunded_amount"] = {"value": rubles(refunded[0] + money[0]), "currency": "RUB"}
        refund = {
            "id": str(uuid.uuid4()),
            "payment_id": payment["id"],
            "status": "succeeded",
            "amount": dict(params["amount"]),
            "created_at": self._now(),
        }
        self._refunds[refund["id"]] = refund
        self._done[("refund", key)] = dict(refund)
        return dict(refund)

    async def get_refund(self, refund_id: str) -> dict[str, Any]:
        refund = self._refunds.get(refund_id)
        if refund is None:
            raise UnknownAtGateway("ЮKassa get refund: not found")
        return dict(refund)

    def complete(
        self, gateway_payment_id: str, our_payment_id: int, amount: int, order: str, paid: bool
    ) -> SimulatedWebhook:
        payment = self._payments.get(gateway_payment_id)
        if payment is None:
            payment = {
                "id": gateway_payment_id,
                "amount": {"value": rubles(amount), "currency": "RUB"},
                "metadata": {"payment_id": str(our_payment_id), "idempotency_key": order},
                "created_at": self._now(),
                "test": True,
            }
            self._payments[gateway_payment_id] = payment
        payment["status"] = "succeeded" if paid else "canceled"
        payment["paid"] = paid
        if not paid:
            payment["cancellation_details"] = {"party": "yoo_money", "reason": "general_decline"}
        event = "payment.succeeded" if paid else "payment.canceled"
        return _json_webhook({"type": "notification", "event": event, "object": dict(payment)})
