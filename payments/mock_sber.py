"""A Sber merchant in memory for PAYMENT_ENV=mock: orders registered, refunded and reversed as
Sber does it, and the callback it would send, with its checksum."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from payments.mock_gateways import SimulatedWebhook, checkout_url
from payments.signing import sber_checksum


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
            "formUrl": checkout_url(self._base_url, order.order_id),
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
