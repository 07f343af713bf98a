"""ЮKassa API v3: one-stage payments with a redirect, refunds, notifications.

The calls go through the official SDK in worker threads (payments.yookassa_sdk), never on the
event loop. Notifications are unsigned: one counts only from ЮKassa's networks, and then only
the payment fetched back from the API is used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from yookassa.domain.notification import WebhookNotificationFactory

from booking.domain.pricing import rubles
from payments.base import (
    CreatedPayment,
    GatewayError,
    GatewayRefused,
    PaymentRequest,
    PaymentState,
    PaymentStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
    WebhookRejected,
    WebhookReply,
    WebhookRequest,
    made_already,
)
from payments.orders import int_or_none
from payments.receipts import yookassa_receipt
from payments.signing import in_networks
from payments.yookassa_sdk import Refused, UnknownAtGateway

log = logging.getLogger(__name__)

_PAYMENT_EVENTS = {
    "payment.succeeded": "succeeded",
    "payment.canceled": "canceled",
    "payment.waiting_for_capture": "waiting_for_capture",
}
_REFUND_STATUSES = {
    "succeeded": RefundStatus.SUCCEEDED,
    "pending": RefundStatus.PENDING,
    "canceled": RefundStatus.CANCELED,
}
KEY_META = "idempotency_key"


def kopecks(money: object) -> tuple[int, str] | None:
    """`{"value": "1500.00", "currency": "RUB"}` → (150000, "RUB"); None when malformed."""
    if not isinstance(money, dict):
        return None
    try:
        value = Decimal(str(money.get("value")))
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100), str(money.get("currency", ""))


class YooKassaApi(Protocol):
    """The four calls the adapter makes; answers are the API's JSON objects."""

    async def create_payment(self, params: dict[str, Any], key: str) -> dict[str, Any]: ...

    async def get_payment(self, payment_id: str) -> dict[str, Any]: ...

    async def create_refund(self, params: dict[str, Any], key: str) -> dict[str, Any]: ...

    async def get_refund(self, refund_id: str) -> dict[str, Any]: ...


def _safe_id(value: object) -> str:
    """A payment or refund id fit for a URL path (ЮKassa ids are UUID-like)."""
    text = str(value or "")
    if not text or len(text) > 64 or not all(ch.isalnum() or ch in "-_" for ch in text):
        raise WebhookRejected("malformed object id")
    return text


#: How long ЮKassa honours an Idempotence-Key (24 h), less a margin for clocks.
KEY_LIFETIME = timedelta(hours=23)


def _key_may_have_expired(request: RefundRequest) -> bool:
    """A repeated attempt whose first call may lie beyond the key's lifetime."""
    return request.attempt > 1 and request.asked_ago >= KEY_LIFETIME


class YooKassaProvider:
    """One ЮKassa shop: one-stage payments with a redirect to ЮKassa's page."""

    def __init__(
        self, api: YooKassaApi, *, webhook_networks: Sequence[str], name: str = "yookassa"
    ) -> None:
        self.name = name
        self._api = api
        self._networks = tuple(webhook_networks)
        in_networks("127.0.0.1", self._networks)  # a malformed network fails here, not later

    async def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        params: dict[str, Any] = {
            "amount": {"value": rubles(request.amount), "currency": request.currency},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": request.return_url},
            "description": request.description[:128],
            "metadata": {**dict(request.metadata), KEY_META: request.idempotency_key},
        }
        if request.receipt is not None:
            params["receipt"] = yookassa_receipt(request.receipt, request.amount)
        answer = await self._api.create_payment(params, request.idempotency_key)
        confirmation = answer.get("confirmation")
        url = confirmation.get("confirmation_url") if isinstance(confirmation, dict) else None
        if not answer.get("id") or not isinstance(url, str):
            raise GatewayError("ЮKassa answered without an id or a confirmation URL")
        if kopecks(answer.get("amount")) != (request.amount, request.currency):
            raise GatewayError("ЮKassa answered another amount")
        state = self._state(answer)
        return CreatedPayment(str(answer["id"]), url, state.status, answer)

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentState:
        answer = await self._api.get_payment(gateway_payment_id)
        if str(answer.get("id")) != gateway_payment_id:
            raise GatewayError("ЮKassa answered about another payment")
        return self._state(answer)

    def _state(self, answer: dict[str, Any]) -> PaymentState:
        payment_id = str(answer.get("id"))
        money = kopecks(answer.get("amount"))
        if money is None:
            raise GatewayError("ЮKassa answered a payment without a readable amount")
        refunded = kopecks(answer.get("refunded_amount"))
        refunded_amount = refunded[0] if refunded else 0
        metadata = answer.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        key = metadata.get(KEY_META)
        return PaymentState(
            gateway_payment_id=payment_id,
            status=self._status(payment_id, str(answer.get("status")), money, refunded_amount),
            amount=money[0],
            currency=money[1],
            our_payment_id=int_or_none(metadata.get("payment_id")),
            refunded_amount=refunded_amount,
            raw=answer,
            order_key=key if isinstance(key, str) and key else None,
        )

    @staticmethod
    def _status(
        payment_id: str, status: str, money: tuple[int, str], refunded: int
    ) -> PaymentStatus:
        if status == "succeeded":
            if refunded and refunded >= money[0]:
                return PaymentStatus.REFUNDED
            return PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.SUCCEEDED
        if status == "pending":
            return PaymentStatus.PENDING
        if status == "canceled":
            return PaymentStatus.CANCELED
        if status == "waiting_for_capture":
            # We always ask capture: true, so a hold is not ours to take; it never confirms.
            log.warning(
                "ЮKassa payment is waiting for capture; left held, booking unchanged",
                extra={"gateway_payment_id": payment_id},
            )
            return PaymentStatus.AUTHORIZED
        log.warning(
            "unexpected ЮKassa status; booking left as it was",
            extra={"gateway_payment_id": payment_id, "reported": status[:40]},
        )
        return PaymentStatus.PENDING

    async def refund(self, request: RefundRequest) -> RefundResult:
        """One refund per idempotency key; a refund ЮKassa already knows is only read.

        ЮKassa honours a key for 24 hours: within them a repeated attempt is sent again with
        the same key, and ЮKassa answers with the refund it made. Later, it first reads the
        payment: if its refunded amount shows this refund made (`made_already`), an earlier
        attempt went through (its answer was lost) and nothing is sent again; if it shows a
        part, or cannot tell, sending again could pay twice, so the refund waits."""
        if request.gateway_refund_id:
            answer = await self._api.get_refund(request.gateway_refund_id)
        elif _key_may_have_expired(request) and (done := await self._made(request)):
            return done
        else:
            params: dict[str, Any] = {
                "payment_id": request.gateway_payment_id,
                "amount": {"value": rubles(request.amount), "currency": "RUB"},
                "description": request.reason[:250] or "Возврат",
                "metadata": {"refund_id": str(request.refund_id)},
            }
            if request.receipt is not None:
                params["receipt"] = yookassa_receipt(request.receipt, request.amount)
            try:
                answer = await self._api.create_refund(params, request.idempotency_key)
            except Refused as exc:
                # Only the refund call's own refusal says this refund was not made; a refused
                # status fetch (in `_made`) says nothing about it and stays a GatewayError.
                raise GatewayRefused(str(exc)) from None
        status = _REFUND_STATUSES.get(str(answer.get("status")))
        if status is None or not answer.get("id"):
            raise GatewayError("ЮKassa answered a refund without id or known status")
        if kopecks(answer.get("amount")) not in (None, (request.amount, "RUB")):
            raise GatewayError("ЮKassa refunded another amount")
        return RefundResult(str(answer["id"]), status, answer)

    async def _made(self, request: RefundRequest) -> RefundResult | None:
        """This refund's result if the payment shows it made already; None if it shows none
        of it."""
        state = await self.fetch_payment(request.gateway_payment_id)
        if made_already(state.refunded_amount, request) == 0:
            return None
        log.info("ЮKassa refund was already made", extra={"refund_id": request.refund_id})
        return RefundResult(
            None,
            RefundStatus.SUCCEEDED,
            {"refunded_amount": state.refunded_amount, "repeat": True},
            judged_by_total=True,
        )

    async def parse_webhook(self, request: WebhookRequest) -> PaymentState:
        """Sender address, then the API's own word; the body only names the payment."""
        if request.remote is None or not in_networks(request.remote, self._networks):
            raise WebhookRejected(f"sender {request.remote} is not in ЮKassa's networks")
        if request.method != "POST":
            raise WebhookRejected("ЮKassa notifications are POSTed")
        try:
            data = json.loads(request.body)
            notice = WebhookNotificationFactory().create(data)
            event = str(notice.event)
            target = notice.object.payment_id if event == "refund.succeeded" else notice.object.id
        except Exception:  # the SDK raises ValueError, TypeError or KeyError on bad bodies
            raise WebhookRejected("not a ЮKassa notification") from None
        if event not in _PAYMENT_EVENTS and event != "refund.succeeded":
            raise WebhookRejected(f"event {event[:40]} is not handled")
        try:
            state = await self.fetch_payment(_safe_id(target))
        except UnknownAtGateway:
            raise WebhookRejected("ЮKassa does not know this payment") from None
        reported = str(state.raw.get("status"))
        if event == "refund.succeeded":
            if state.refunded_amount <= 0:
                raise WebhookRejected("the API shows no refund of this payment")
        elif reported != _PAYMENT_EVENTS[event] and event != "payment.waiting_for_capture":
            # A hold may have moved on by now; a success or a cancellation must be the API's.
            raise WebhookRejected(f"the API reports {reported[:40]}, not {event}")
        return state

    def webhook_ack(self) -> WebhookReply:
        return WebhookReply(200, "", "text/plain")

    async def aclose(self) -> None:
        close = getattr(self._api, "aclose", None)
        if close is not None:
            await close()
