"""Sber internet acquiring through its legacy RBS REST gateway; its hosted page offers SberPay.

register.do, getOrderStatusExtended.do, refund.do and reverse.do, form-encoded. A callback
counts only with a valid checksum (HMAC-SHA256 with SBER_CALLBACK_TOKEN), and even then only
what getOrderStatusExtended.do says is used. refund.do has no idempotency, so a refund whose
earlier call may have been performed first reads how much the order has already returned.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

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
    made_already,
)
from payments.orders import MAX_ATTEMPTS, int_or_none, order_key, order_ref
from payments.receipts import sber_order_bundle, sber_refund_items, sber_tax_system
from payments.sber_api import SberApi, answer_code, md_order, order_params, refusal_text
from payments.signing import verify_sber_checksum
from payments.transport import Inflight, within

log = logging.getLogger(__name__)

ORDER_NUMBER_LIMIT = 32
DESCRIPTION_LIMIT = 99
RUB = "643"
DUPLICATE_ORDER = "1"

#: orderStatus → ours; 4 (refunded) is split by paymentAmountInfo in `_status`.
STATUSES: dict[int, PaymentStatus] = {
    0: PaymentStatus.PENDING,
    1: PaymentStatus.AUTHORIZED,
    2: PaymentStatus.SUCCEEDED,
    3: PaymentStatus.CANCELED,
    5: PaymentStatus.PENDING,
    6: PaymentStatus.CANCELED,
}


class SberProvider:
    """One Sber merchant (API login) on the legacy RBS gateway."""

    def __init__(
        self,
        api: SberApi,
        callback_token: SecretStr,
        *,
        timeout: float,
        language: str = "ru",
        name: str = "sberpay",
    ) -> None:
        self.name = name
        self._api = api
        self._token = callback_token
        self._timeout = timeout
        self._language = language
        self._inflight = Inflight()

    async def _call(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        return await within(self._timeout, self._api.call(method, params), method)

    # --- create ---------------------------------------------------------------------------

    async def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        """register.do with orderNumber = our key; a used number is looked up, not re-sent.

        In this process a retry takes the late answer of the first call. Otherwise Sber's
        errorCode 1 (number used) means an earlier call of ours made the order: its status
        tells whether it was paid; an unpaid one (whose form link we never got) is reversed
        and the payment is registered again as `<key>-r2`.
        """
        refusal = ""
        retired: list[str] = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            ref = order_ref(request.idempotency_key, attempt, ORDER_NUMBER_LIMIT)
            params = self._register_params(request, ref)
            answer = await self._inflight.run(
                ref,
                partial(self._api.call, "register.do", params),
                self._timeout,
                "register.do",
            )
            code = answer_code(answer)
            if code == "0":
                order_id, url = answer.get("orderId"), answer.get("formUrl")
                if not order_id or not isinstance(url, str) or not url:
                    raise GatewayError("Sber register.do answered without orderId or formUrl")
                return CreatedPayment(
                    str(order_id), url, PaymentStatus.PENDING, dict(answer), tuple(retired)
                )
            refusal = refusal_text("register.do", answer)
            if code != DUPLICATE_ORDER:
                raise GatewayError(refusal)
            earlier = await self._call("getOrderStatusExtended.do", {"orderNumber": ref})
            order_id = md_order(earlier)
            status = int_or_none(earlier.get("orderStatus"))
            if answer_code(earlier) != "0" or order_id is None:
                raise GatewayError(refusal)
            if status in (1, 2, 4):
                return CreatedPayment(order_id, request.return_url, PaymentStatus.PENDING, {})
            if status in (0, 5):
                retired.append(order_id)
                await self._reverse_quietly(order_id)
        raise GatewayError(refusal or "Sber register.do failed")

    def _register_params(self, request: PaymentRequest, ref: str) -> dict[str, str]:
        params = {
            "orderNumber": ref,
            "amount": str(request.amount),
            "currency": RUB,
            "returnUrl": request.return_url,
            "failUrl": request.return_url,
            "description": request.description[:DESCRIPTION_LIMIT],
            "language": self._language,
            "jsonParams": json.dumps(dict(request.metadata), ensure_ascii=False),
        }
        receipt = request.receipt
        if receipt is not None:
            params["orderBundle"] = sber_order_bundle(receipt, request.amount)
            tax_system = sber_tax_system(receipt)
            if tax_system is not None:
                params["taxSystem"] = tax_system
            if receipt.email:
                params["email"] = receipt.email
        return params

    async def _reverse_quietly(self, order_id: str) -> None:
        try:
            answer = await self._call("reverse.do", {"orderId": order_id})
        except GatewayError as exc:
            log.warning("could not reverse an unused Sber order", extra={"error": str(exc)})
            return
        if answer_code(answer) != "0":
            log.info("an unused Sber order stays until it lapses", extra={"order": order_id})

    # --- status ---------------------------------------------------------------------------

    async def _order(self, order_id: str) -> dict[str, Any]:
        answer = await self._call("getOrderStatusExtended.do", {"orderId": order_id})
        if answer_code(answer) != "0" or answer.get("orderStatus") is None:
            raise GatewayError(refusal_text("getOrderStatusExtended.do", answer))
        reported = md_order(answer)
        if reported is not None and reported != order_id:
            raise GatewayError("Sber answered about another order")
        return answer

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentState:
        return self._state(gateway_payment_id, await self._order(gateway_payment_id))

    def _state(self, order_id: str, answer: dict[str, Any]) -> PaymentState:
        info = answer.get("paymentAmountInfo")
        info = info if isinstance(info, dict) else {}
        amount = int_or_none(answer.get("amount"))
        if amount is None:
            raise GatewayError("Sber answered an order without a readable amount")
        refunded = int_or_none(info.get("refundedAmount")) or 0
        currency = str(answer.get("currency", RUB))
        number = answer.get("orderNumber")
        our_id = int_or_none(order_params(answer).get("payment_id"))
        return PaymentState(
            gateway_payment_id=order_id,
            status=self._status(order_id, answer, refunded, amount),
            amount=amount,
            currency="RUB" if currency == RUB else currency,
            our_payment_id=our_id,
            refunded_amount=refunded,
            raw=dict(answer),
            order_key=order_key(str(number)) if number not in (None, "") else None,
        )

    @staticmethod
    def _status(
        order_id: str, answer: dict[str, Any], refunded: int, amount: int | None
    ) -> PaymentStatus:
        status = int_or_none(answer.get("orderStatus"))
        if status == 4:
            info = answer.get("paymentAmountInfo")
            info = info if isinstance(info, dict) else {}
            paid = int_or_none(info.get("depositedAmount")) or amount or 0
            if refunded and refunded < paid:
                return PaymentStatus.PARTIALLY_REFUNDED
            return PaymentStatus.REFUNDED
        mapped = STATUSES.get(status) if status is not None else None
        if mapped is None:
            log.warning(
                "unexpected Sber orderStatus; booking left as it was",
                extra={"gateway_payment_id": order_id, "reported": str(status)[:20]},
            )
            return PaymentStatus.PENDING
        return mapped

    # --- refunds --------------------------------------------------------------------------

    async def refund(self, request: RefundRequest) -> RefundResult:
        """reverse.do while held, refund.do once deposited; never more than is still due.

        refund.do has no idempotency key. On a repeated call the order's refundedAmount,
        less what our other refunds of the payment returned, is what an earlier call of
        this refund already gave back (`made_already`); only the rest is sent.
        """
        order_id = request.gateway_payment_id
        order = await self._order(order_id)
        status = int_or_none(order.get("orderStatus"))
        info = order.get("paymentAmountInfo")
        refunded = int_or_none(info.get("refundedAmount")) if isinstance(info, dict) else None
        amount = request.amount
        if request.attempt > 1:
            if status == 3:
                return RefundResult(
                    None, RefundStatus.SUCCEEDED, {"orderStatus": 3}, judged_by_total=True
                )
            if status == 4 and refunded is None:
                # Something was refunded, and the answer does not say how much: sending
                # again could pay twice. The refund waits (admins are told) until it can tell.
                raise GatewayError("Sber does not say what was refunded; not sending again")
            amount -= made_already(refunded or 0, request)
            if amount == 0:
                log.info("Sber refund was already made", extra={"refund_id": request.refund_id})
                return RefundResult(
                    None,
                    RefundStatus.SUCCEEDED,
                    {"refundedAmount": refunded, "repeat": True},
                    judged_by_total=True,
                )
        if status == 1:
            if amount != request.payment_amount:
                raise GatewayError("Sber cannot reverse a part of a held payment")
            answer = await self._call("reverse.do", {"orderId": order_id})
            method = "reverse.do"
        elif status in (2, 4):
            params = {"orderId": order_id, "amount": str(amount)}
            if request.receipt is not None:
                params["refundItems"] = sber_refund_items(request.receipt, amount)
            answer = await self._call("refund.do", params)
            method = "refund.do"
        else:
            raise GatewayError(f"Sber order in orderStatus {status} cannot be refunded")
        if answer_code(answer) != "0":
            raise GatewayRefused(refusal_text(method, answer))
        return RefundResult(None, RefundStatus.SUCCEEDED, {**answer, "amount": amount})

    # --- callbacks ------------------------------------------------------------------------

    async def parse_webhook(self, request: WebhookRequest) -> PaymentState:
        """Checksum first, then the gateway's own word on the order."""
        params = dict(request.query)
        if request.method == "POST" and request.body:
            content_type = next(
                (v for k, v in request.headers.items() if k.lower() == "content-type"), ""
            )
            if "application/x-www-form-urlencoded" not in content_type:
                raise WebhookRejected("Sber callbacks come as a query or a form")
            try:
                params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise WebhookRejected("form is not UTF-8") from None
        if not verify_sber_checksum(params, self._token.get_secret_value()):
            raise WebhookRejected("bad checksum")
        order_id = params.get("mdOrder", "")
        if not order_id:
            raise WebhookRejected("callback without mdOrder")
        state = await self.fetch_payment(order_id)
        number = params.get("orderNumber")
        if number is not None and number != str(state.raw.get("orderNumber", "")):
            raise WebhookRejected("callback names another order number")
        return state

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
