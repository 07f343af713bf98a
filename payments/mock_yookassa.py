"""A ЮKassa shop in memory for PAYMENT_ENV=mock: payments and refunds with Idempotence-Key
semantics, and the notification it would send (which the adapter checks by fetching the
payment back from here)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from booking.domain.pricing import rubles
from payments.base import GatewayError
from payments.mock_gateways import SimulatedWebhook, checkout_url, json_webhook
from payments.yookassa import UnknownAtGateway, kopecks


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
                "confirmation_url": checkout_url(self._base_url, payment_id),
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
        return json_webhook({"type": "notification", "event": event, "object": dict(payment)})
