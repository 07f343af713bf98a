"""T-Bank (Tinkoff Kassa) acquiring API v2: Init, GetState, CheckOrder, Cancel, notifications.

Requests are signed with the terminal password (`payments.signing.tinkoff_token`); a
notification counts only with a valid Token and our TerminalKey, and the booking side then
checks its amount and order number. Amounts are kopecks here as inside the app.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from functools import partial
from typing import Any, Protocol

from pydantic import SecretStr

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
)
from payments.orders import MAX_ATTEMPTS, int_or_none, order_key, order_ref
from payments.receipts import tinkoff_receipt
from payments.signing import tinkoff_token, verify_tinkoff_token
from payments.transport import GatewayHttp, Inflight, within

log = logging.getLogger(__name__)

ORDER_ID_LIMIT = 36
DESCRIPTION_LIMIT = 140

STATUSES: dict[str, PaymentStatus] = {
    "CONFIRMED": PaymentStatus.SUCCEEDED,
    "AUTHORIZED": PaymentStatus.AUTHORIZED,
    "REJECTED": PaymentStatus.CANCELED,
    "CANCELED": PaymentStatus.CANCELED,
    "DEADLINE_EXPIRED": PaymentStatus.CANCELED,
    "AUTH_FAIL": PaymentStatus.CANCELED,
    "REVERSED": PaymentStatus.CANCELED,
    "REFUNDED": PaymentStatus.REFUNDED,
    "PARTIAL_REFUNDED": PaymentStatus.PARTIALLY_REFUNDED,
    "NEW": PaymentStatus.PENDING,
    "FORM_SHOWED": PaymentStatus.PENDING,
    "AUTHORIZING": PaymentStatus.PENDING,
    "3DS_CHECKING": PaymentStatus.PENDING,
    "3DS_CHECKED": PaymentStatus.PENDING,
    "PAY_CHECKING": PaymentStatus.PENDING,
    "CONFIRMING": PaymentStatus.PENDING,
}
#: After these the notification's Amount may be the amount left, not the amount paid [U]:
#: it is not compared (the refund itself is tracked by our refund rows).
_REFUND_STATUSES = frozenset({"REFUNDED", "PARTIAL_REFUNDED"})
_REFUND_DONE = frozenset({"REFUNDED", "PARTIAL_REFUNDED", "REVERSED", "PARTIAL_REVERSED"})
_UNPAID = frozenset({"NEW", "FORM_SHOWED"})
_PAID = frozenset({"AUTHORIZED", "CONFIRMED", "CONFIRMING"})


def map_status(status: str, payment_id: str) -> PaymentStatus:
    """Our status for T-Bank's; an unexpected one is logged and changes nothing (PENDING)."""
    mapped = STATUSES.get(status)
    if mapped is None:
        log.warning(
            "unexpected T-Bank status; booking left as it was",
            extra={"gateway_payment_id": payment_id, "reported": status[:40]},
        )
        return PaymentStatus.PENDING
    return mapped


class TinkoffApi(Protocol):
    """POST one API v2 method with a signed body; answers the JSON object."""

    async def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]: ...


class TinkoffHttpApi:
    """The real API (or a fake) at `TINKOFF_API_URL`."""

    def __init__(self, api_url: str, timeout: float) -> None:
        self._url = api_url.rstrip("/")
        self._http = GatewayHttp("tinkoff", timeout)

    async def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._http.post_json(f"{self._url}/{method}", body)

    async def aclose(self) -> None:
        await self._http.aclose()


def _ok(answer: dict[str, Any]) -> bool:
    return answer.get("Success") is True and str(answer.get("ErrorCode", "0")) == "0"


def _refusal(method: str, answer: dict[str, Any]) -> str:
    code = str(answer.get("ErrorCode", "?"))[:12]
    message = str(answer.get("Message", ""))[:120]
    return f"T-Bank {method} refused: ErrorCode {code} {message}".strip()


class TinkoffProvider:
    """One T-Bank terminal."""

    def __init__(
        self,
        terminal_key: str,
        password: SecretStr,
        api: TinkoffApi,
        *,
        timeout: float,
        language: str = "ru",
        name: str = "tinkoff",
    ) -> None:
        self.name = name
        self.terminal_key = terminal_key
        self._password = password
        self._api = api
        self._timeout = timeout
        self._language = language
        self._inflight = Inflight()

    # --- calls ----------------------------------------------------------------------------

    def _sign(self, fields: dict[str, Any]) -> dict[str, Any]:
        body = {"TerminalKey": self.terminal_key, **fields}
        body["Token"] = tinkoff_token(body, self._password.get_secret_value())
        return body

    async def _call(self, method: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await within(self._timeout, self._api.call(method, self._sign(fields)), method)

    # --- PaymentProvider ------------------------------------------------------------------

    async def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        """Init with OrderId = our idempotency key; a timed-out Init is never re-sent blindly.

        In this process a retry takes the late answer of the first Init. Otherwise, when
        T-Bank refuses the OrderId, CheckOrder tells whether an earlier Init of ours made it:
        then that payment (whose link we never got, so nobody can pay it) is cancelled and
        the payment is registered again as `<key>-r2`.
        """
        refusal = ""
        retired: list[str] = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            ref = order_ref(request.idempotency_key, attempt, ORDER_ID_LIMIT)
            body = self._sign(self._init_fields(request, ref))
            answer = await self._inflight.run(
                ref, partial(self._api.call, "Init", body), self._timeout, "Init"
            )
            if _ok(answer):
                return replace(self._created(request, answer), retired=tuple(retired))
            refusal = _refusal("Init", answer)
            earlier = await self._earlier_payments(ref)
            if not earlier:
                raise GatewayError(refusal)
            paid = [p for p in earlier if p.get("Status") in _PAID]
            if paid:
                # Paid although we never had its link: take it; the webhook or
                # reconciliation confirms it.
                payment_id = str(paid[0].get("PaymentId"))
                return CreatedPayment(payment_id, request.return_url, PaymentStatus.PENDING, {})
            for stale in earlier:
                if stale.get("Status") in _UNPAID:
                    retired.append(str(stale.get("PaymentId")))
                    await self._cancel_quietly(retired[-1])
        raise GatewayError(refusal or "T-Bank Init failed")

    def _init_fields(self, request: PaymentRequest, ref: str) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "Amount": request.amount,
            "OrderId": ref,
            "Description": request.description[:DESCRIPTION_LIMIT],
            "PayType": "O",
            "Language": self._language,
            "NotificationURL": request.notification_url,
            "SuccessURL": request.return_url,
            "FailURL": request.return_url,
            "DATA": {k[:20]: str(v)[:100] for k, v in list(request.metadata.items())[:20]},
        }
        if request.receipt is not None:
            fields["Receipt"] = tinkoff_receipt(request.receipt, request.amount)
        return fields

    def _created(self, request: PaymentRequest, answer: dict[str, Any]) -> CreatedPayment:
        payment_id, url = answer.get("PaymentId"), answer.get("PaymentURL")
        if payment_id in (None, "") or not isinstance(url, str) or not url:
            raise GatewayError("T-Bank Init answered without PaymentId or PaymentURL")
        if answer.get("Amount") not in (None, request.amount):
            raise GatewayError("T-Bank Init answered another amount")
        status = map_status(str(answer.get("Status", "NEW")), str(payment_id))
        raw = {k: v for k, v in answer.items() if k != "Token"}
        return CreatedPayment(str(payment_id), url, status, raw)

    async def _earlier_payments(self, ref: str) -> list[dict[str, Any]]:
        """The payments T-Bank holds for an order number; empty when it cannot tell."""
        try:
            answer = await self._call("CheckOrder", {"OrderId": ref})
        except GatewayError as exc:
            log.warning("T-Bank CheckOrder failed", extra={"order": ref, "error": str(exc)})
            return []
        payments = answer.get("Payments") if _ok(answer) else None
        if not isinstance(payments, list):
            return []
        return [p for p in payments if isinstance(p, dict) and p.get("PaymentId") is not None]

    async def _cancel_quietly(self, payment_id: str) -> None:
        try:
            answer = await self._call("Cancel", {"PaymentId": payment_id})
        except GatewayError as exc:
            log.warning("could not cancel an unused T-Bank payment", extra={"error": str(exc)})
            return
        if not _ok(answer):
            log.warning("T-Bank kept an unused payment", extra={"gateway_payment_id": payment_id})

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentState:
        answer = await self._call("GetState", {"PaymentId": gateway_payment_id})
        if not _ok(answer):
            raise GatewayError(_refusal("GetState", answer))
        if str(answer.get("PaymentId")) != gateway_payment_id:
            raise GatewayError("T-Bank GetState answered about another payment")
        return self._state(answer, from_api=True)

    def _state(self, fields: dict[str, Any], *, from_api: bool) -> PaymentState:
        payment_id = str(fields.get("PaymentId"))
        status_text = str(fields.get("Status", ""))
        amount = int_or_none(fields.get("Amount"))
        if amount is None:
            if from_api:
                raise GatewayError("T-Bank answered without a valid Amount")
            raise WebhookRejected("notification without a valid Amount")
        order_id = fields.get("OrderId")
        data = fields.get("DATA")
        our_id = int_or_none(data.get("payment_id")) if isinstance(data, dict) else None
        return PaymentState(
            gateway_payment_id=payment_id,
            status=map_status(status_text, payment_id),
            amount=None if status_text in _REFUND_STATUSES else amount,
            currency="RUB",
            our_payment_id=our_id,
            raw={k: v for k, v in fields.items() if k != "Token"},
            order_key=order_key(str(order_id)) if order_id not in (None, "") else None,
        )

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Cancel with ExternalRequestId = the refund's key: T-Bank refunds it once."""
        fields: dict[str, Any] = {
            "PaymentId": request.gateway_payment_id,
            "Amount": request.amount,
            "ExternalRequestId": request.idempotency_key,
        }
        if request.receipt is not None:
            fields["Receipt"] = tinkoff_receipt(request.receipt, request.amount)
        answer = await self._call("Cancel", fields)
        if not _ok(answer):
            raise GatewayRefused(_refusal("Cancel", answer))
        status = str(answer.get("Status", ""))
        raw = {k: v for k, v in answer.items() if k != "Token"}
        refund_id = f"{request.gateway_payment_id}/{request.idempotency_key}"[:64]
        if status in _REFUND_DONE:
            return RefundResult(refund_id, RefundStatus.SUCCEEDED, raw)
        log.info("T-Bank refund not final yet", extra={"reported": status[:40]})
        return RefundResult(refund_id, RefundStatus.PENDING, raw)

    async def parse_webhook(self, request: WebhookRequest) -> PaymentState:
        """Token, TerminalKey, then the fields; unknown statuses change nothing."""
        if request.method != "POST":
            raise WebhookRejected("T-Bank notifications are POSTed")
        try:
            fields = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("body is not JSON") from None
        if not isinstance(fields, dict):
            raise WebhookRejected("body is not a JSON object")
        if fields.get("TerminalKey") != self.terminal_key:
            raise WebhookRejected("another terminal")
        if not verify_tinkoff_token(fields, self._password.get_secret_value()):
            raise WebhookRejected("bad Token")
        if fields.get("PaymentId") in (None, "") or fields.get("OrderId") in (None, ""):
            raise WebhookRejected("notification without PaymentId or OrderId")
        return self._state(fields, from_api=False)

    def webhook_ack(self) -> WebhookReply:
        return WebhookReply(200, "OK", "text/plain")

    async def aclose(self) -> None:
        await self._inflight.aclose()
        close = getattr(self._api, "aclose", None)
        if close is not None:
            await close()

    def forget_inflight(self) -> None:
        """Forget late answers, as a restart would (tests use it)."""
        self._inflight.forget()
