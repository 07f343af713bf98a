"""A T-Bank terminal in memory for PAYMENT_ENV=mock: the adapter's API calls answered as T-Bank
answers them, and the notification it would send, signed with the local terminal password."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from payments.mock_gateways import SimulatedWebhook, checkout_url, json_webhook
from payments.signing import tinkoff_token, verify_tinkoff_token


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
        return {**self._state(payment), "PaymentURL": checkout_url(self._base_url, payment_id)}

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
        return json_webhook(fields)
