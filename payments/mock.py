"""The mock gateway: a checkout page served by this app, with signed webhooks.

It lets the whole flow (create, pay or decline, webhook, confirmation, refund) run on one
machine with no keys. Its webhooks are signed with HMAC-SHA256 over the body, so the webhook
route verifies them exactly as it verifies a real gateway's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from payments.base import (
    CreatedPayment,
    GatewayError,
    PaymentRequest,
    PaymentState,
    PaymentStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
    WebhookRejected,
    WebhookReply,
    WebhookRequest,
)

SIGNATURE_HEADER = "X-Mock-Signature"


@dataclass(slots=True)
class _MockPayment:
    our_payment_id: int
    amount: int
    status: PaymentStatus
    refunded: int = 0


class MockProvider:
    """Simulates a gateway; `name` is the gateway it stands in for ("mock" by default)."""

    def __init__(self, base_url: str, signing_key: str, name: str = "mock") -> None:
        self.name = name
        self._base_url = base_url.rstrip("/")
        self._key = signing_key.encode()
        self._payments: dict[str, _MockPayment] = {}
        self._refunds: dict[str, RefundResult] = {}
        self._by_key: dict[str, str] = {}

    async def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        if request.amount <= 0:
            raise GatewayError("amount must be positive")
        gateway_id = self._by_key.get(request.idempotency_key)
        if gateway_id is None:
            gateway_id = f"{self.name}_{request.payment_id}_{secrets.token_hex(4)}"
            self._by_key[request.idempotency_key] = gateway_id
            self._payments[gateway_id] = _MockPayment(
                request.payment_id, request.amount, PaymentStatus.PENDING
            )
        return CreatedPayment(
            gateway_payment_id=gateway_id,
            confirmation_url=self.checkout_url(gateway_id),
            status=PaymentStatus.PENDING,
            raw={"id": gateway_id, "amount": request.amount, "status": "pending"},
        )

    def checkout_url(self, gateway_id: str) -> str:
        return f"{self._base_url}/mock/checkout/{gateway_id}"

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentState:
        known = self._payments.get(gateway_payment_id)
        if known is None:
            raise GatewayError(f"unknown payment {gateway_payment_id}")
        return PaymentState(
            gateway_payment_id=gateway_payment_id,
            status=known.status,
            amount=known.amount,
            our_payment_id=known.our_payment_id,
            refunded_amount=known.refunded,
        )

    async def refund(self, request: RefundRequest) -> RefundResult:
        done = self._refunds.get(request.idempotency_key)
        if done is not None:
            return done
        known = self._payments.get(request.gateway_payment_id)
        if known is not None:
            if known.refunded + request.amount > known.amount:
                raise GatewayError("refund above the payment")
            known.refunded += request.amount
        result = RefundResult(
            gateway_refund_id=f"{self.name}_refund_{request.refund_id}",
            status=RefundStatus.SUCCEEDED,
            raw={"amount": request.amount},
        )
        self._refunds[request.idempotency_key] = result
        return result

    def outcome(
        self, gateway_id: str, our_payment_id: int, amount: int, status: PaymentStatus
    ) -> tuple[bytes, dict[str, str]]:
        """What the checkout sends when the payer presses Pay or Decline: body and headers."""
        self._payments[gateway_id] = _MockPayment(our_payment_id, amount, status)
        body = json.dumps(
            {
                "event": f"payment.{status}",
                "payment_id": gateway_id,
                "our_payment_id": our_payment_id,
                "status": str(status),
                "amount": amount,
                "currency": "RUB",
            }
        ).encode()
        return body, {SIGNATURE_HEADER: self.sign(body), "Content-Type": "application/json"}

    def sign(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    async def parse_webhook(self, request: WebhookRequest) -> PaymentState:
        signature = next(
            (v for k, v in request.headers.items() if k.lower() == SIGNATURE_HEADER.lower()), ""
        )
        if not hmac.compare_digest(
            signature.encode("utf-8", "surrogatepass"), self.sign(request.body).encode()
        ):
            raise WebhookRejected("bad signature")
        try:
            data: dict[str, Any] = json.loads(request.body)
            return PaymentState(
                gateway_payment_id=str(data["payment_id"]),
                status=PaymentStatus(data["status"]),
                amount=int(data["amount"]),
                currency=str(data.get("currency", "RUB")),
                our_payment_id=int(data["our_payment_id"]),
                raw=data,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected(f"malformed body: {exc}") from None

    def webhook_ack(self) -> WebhookReply:
        return WebhookReply(200, '{"ok": true}', "application/json")
