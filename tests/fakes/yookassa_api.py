"""A fake YooKassa API v3 over real HTTP, for tests.

The routes sit at the root and under ``/v3``, so both ``api_url=base_url`` (what the SDK gets
in tests: it requests ``api_url + "/payments"``) and ``api_url=base_url + "/v3"`` work.

Protocol as in the payments reference, section 1: HTTP Basic auth, ``Idempotence-Key`` on
every POST, amounts as ``"1500.00"`` strings, error bodies ``{"type": "error", ...}``.
Everything is in memory; payments move only when a test calls :meth:`FakeYooKassa.pay` or
:meth:`FakeYooKassa.decline`.

Failure injection (:meth:`FakeYooKassa.fail_next`):

- an ``int`` status: the request is not performed; the answer is a YooKassa error body
  with that status;
- ``"garbage"``: not performed; an nginx-style HTML page with HTTP 200 (or
  ``garbage_status``);
- ``"timeout"``: the request **is performed**, but the answer is held back for
  ``timeout_delay`` seconds (or until :meth:`FakeYooKassa.stop`), so a client with a
  shorter timeout sees a timeout while the operation has in fact happened.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import hmac
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from ssl import SSLContext
from typing import Any, Literal

from aiohttp import ClientSession, ClientTimeout, web

from tests.fakes.local_server import NOTIFY_TIMEOUT, LocalServer

Failure = int | Literal["timeout", "garbage"]
JSON = dict[str, Any]
_Handler = Callable[[web.Request, bytes], Awaitable[web.Response]]

GARBAGE_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

_ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_credentials",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    415: "invalid_request",
    429: "too_many_requests",
}
_STATUS_EVENTS = {
    "succeeded": "payment.succeeded",
    "canceled": "payment.canceled",
    "waiting_for_capture": "payment.waiting_for_capture",
}
_PREFIX = "/v3"
_FEE_PERCENT = Decimal("3.5")


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """One request as the fake received it."""

    op: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    #: The client's (address, port): one connection per distinct value.
    peer: tuple[str, int] | None = None

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass(slots=True)
class _Failure:
    key: str
    failure: Failure
    garbage_status: int


@dataclass(slots=True)
class _Payment:
    id: str
    amount: int
    currency: str
    capture: bool
    created_at: datetime
    description: str | None
    metadata: dict[str, str]
    confirmation: JSON | None
    receipt: JSON | None
    method_type: str
    status: str = "pending"
    paid: bool = False
    captured_at: datetime | None = None
    expires_at: datetime | None = None
    cancellation_details: JSON | None = None
    refunded: int = 0
    refund_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Refund:
    id: str
    payment_id: str
    amount: int
    currency: str
    created_at: datetime
    description: str | None
    metadata: dict[str, str] | None
    receipt: JSON | None
    status: str = "succeeded"


class _Invalid(Exception):
    """A request validation error: 400 invalid_request (or another code)."""

    def __init__(
        self,
        description: str,
        parameter: str | None = None,
        *,
        status: int = 400,
        code: str = "invalid_request",
    ) -> None:
        super().__init__(description)
        self.description = description
        self.parameter = parameter
        self.status = status
        self.code = code


def _peer(request: web.Request) -> tuple[str, int] | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return (str(peer[0]), int(peer[1])) if peer else None


def _api_path(path: str) -> str:
    """The path without the optional ``/v3`` prefix."""
    return path[len(_PREFIX) :] if path.startswith(_PREFIX + "/") else path


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _money(kopecks: int, currency: str) -> JSON:
    return {"value": f"{kopecks // 100}.{kopecks % 100:02d}", "currency": currency}


def _new_id(marker: str) -> str:
    """A YooKassa-looking id such as ``2f1e9c3a-000f-5000-8000-1a2b3c4d5e6f``."""
    return f"{secrets.token_hex(4)}-{marker}-5000-8000-{secrets.token_hex(6)}"


def _parse_money(raw: object, parameter: str) -> tuple[int, str]:
    """Validate ``{"value": "1500.00", "currency": "RUB"}``; return (kopecks, currency)."""
    if not isinstance(raw, dict):
        raise _Invalid(f"{parameter} is required", parameter)
    value, currency = raw.get("value"), raw.get("currency")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(f"{parameter}.value is missing or has a wrong type", f"{parameter}.value")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _Invalid(f"{parameter}.value is not a number", f"{parameter}.value") from None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or (isinstance(exponent, int) and exponent < -2):
        raise _Invalid(f"{parameter}.value has more than 2 decimals", f"{parameter}.value")
    if amount <= 0:
        raise _Invalid(f"{parameter}.value must be greater than 0", f"{parameter}.value")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise _Invalid(f"{parameter}.currency is invalid", f"{parameter}.currency")
    return int(amount * 100), currency.upper()


def _check_metadata(raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > 16:
        raise _Invalid("metadata must be a flat object with at most 16 keys", "metadata")
    for key, value in raw.items():
        if len(key) > 32 or not isinstance(value, str) or len(value) > 512:
            raise _Invalid(f"metadata.{key} is invalid", "metadata")
    return dict(raw)


def _check_receipt(raw: object, total: int) -> JSON:
    """Check a 54-FZ receipt like the API does; Σ(price × quantity) must equal ``total``."""
    if not isinstance(raw, dict):
        raise _Invalid("receipt must be an object", "receipt")
    customer = raw.get("customer")
    if not isinstance(customer, dict) or not (customer.get("email") or customer.get("phone")):
        raise _Invalid("receipt.customer needs an email or a phone", "receipt.customer")
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        raise _Invalid("receipt.items must be a non-empty list", "receipt.items")
    has_tax_system = raw.get("tax_system_code") is not None
    items_total = Decimal(0)
    for index, item in enumerate(items):
        where = f"receipt.items[{index}]"
        if not isinstance(item, dict) or not item.get("description"):
            raise _Invalid(f"{where}.description is required", where)
        if not has_tax_system and item.get("vat_code") is None:
            raise _Invalid(f"{where}.vat_code is required without tax_system_code", where)
        price, _ = _parse_money(item.get("amount"), f"{where}.amount")
        try:
            quantity = Decimal(str(item.get("quantity")))
        except InvalidOperation:
            raise _Invalid(f"{where}.quantity is invalid", f"{where}.quantity") from None
        if not quantity.is_finite() or quantity <= 0:
            raise _Invalid(f"{where}.quantity is invalid", f"{where}.quantity")
        items_total += price * quantity
    if items_total.quantize(Decimal(1)) != total:
        raise _Invalid("Sum of receipt items does not match the amount", "receipt.items")
    return copy.deepcopy(raw)


def _error_body(code: str, description: str, parameter: str | None = None) -> JSON:
    body: JSON = {
        "type": "error",
        "id": str(uuid.uuid4()),
        "code": code,
        "description": description,
    }
    if parameter is not None:
        body["parameter"] = parameter
    return body


def _error(status: int, code: str, description: str, parameter: str | None = None) -> web.Response:
    return web.json_response(_error_body(code, description, parameter), status=status)


class FakeYooKassa(LocalServer):
    """An in-memory YooKassa on 127.0.0.1; use ``async with FakeYooKassa(...) as yk``."""

    def __init__(
        self, shop_id: str, secret_key: str, *, timeout_delay: float = 5.0, host: str = "127.0.0.1"
    ) -> None:
        self.shop_id = shop_id
        self.secret_key = secret_key
        self.timeout_delay = timeout_delay
        super().__init__(host)
        #: Every request received, oldest first (including rejected and failed ones).
        self.requests: list[SeenRequest] = []
        #: Payments and refunds actually created (idempotent repeats are not counted).
        self.payments_created = 0
        self.refunds_created = 0
        #: Receipts as sent with each payment, by payment id.
        self.receipts: dict[str, JSON] = {}
        self._payments: dict[str, _Payment] = {}
        self._refunds: dict[str, _Refund] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, JSON]] = {}
        self._failures: list[_Failure] = []

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The value for the app's ``YOOKASSA_API_URL`` setting (same as ``base_url``)."""
        return self.base_url

    def _routes(self, app: web.Application) -> None:
        for prefix in ("", _PREFIX):
            router = app.router
            router.add_post(f"{prefix}/payments", self._op("payments.create", self._create))
            router.add_get(f"{prefix}/payments/{{id}}", self._op("payments.get", self._get))
            router.add_post(
                f"{prefix}/payments/{{id}}/capture", self._op("payments.capture", self._capture)
            )
            router.add_post(
                f"{prefix}/payments/{{id}}/cancel", self._op("payments.cancel", self._cancel)
            )
            router.add_post(f"{prefix}/refunds", self._op("refunds.create", self._create_refund))
            router.add_get(f"{prefix}/refunds/{{id}}", self._op("refunds.get", self._get_refund))

    # --- controls -------------------------------------------------------------------------

    def fail_next(
        self,
        path_or_op: str,
        status: Failure = 500,
        *,
        times: int = 1,
        garbage_status: int = 200,
    ) -> None:
        """Make the next ``times`` matching requests fail.

        ``path_or_op`` is an operation (``payments.create``, ``payments.get``,
        ``payments.capture``, ``payments.cancel``, ``refunds.create``, ``refunds.get``), a
        path prefix without ``/v3`` (``/payments`` matches every payment call), or ``*``.
        """
        for _ in range(times):
            self._failures.append(_Failure(path_or_op, status, garbage_status))

    def expire_idempotency_keys(self) -> None:
        """As 24 hours later: ЮKassa honours an Idempotence-Key for 24 h after its first use."""
        self._idempotency.clear()

    @property
    def last_request(self) -> SeenRequest:
        """The most recent request (IndexError when there is none)."""
        return self.requests[-1]

    def requests_for(self, op: str) -> list[SeenRequest]:
        """Requests of one operation, oldest first."""
        return [seen for seen in self.requests if seen.op == op]

    def payment(self, payment_id: str) -> JSON:
        """The payment as ``GET /payments/{id}`` would return it (KeyError if unknown)."""
        return self._render_payment(self._payments[payment_id])

    def refund(self, refund_id: str) -> JSON:
        """The refund as ``GET /refunds/{id}`` would return it (KeyError if unknown)."""
        return self._render_refund(self._refunds[refund_id])

    @property
    def payment_ids(self) -> list[str]:
        """Ids of all payments, oldest first."""
        return list(self._payments)

    def pay(self, payment_id: str) -> JSON:
        """The user pays by card.

        ``capture: true`` payments become ``succeeded``; two-stage ones (``capture`` false
        or absent, the API default) become ``waiting_for_capture``. Returns the payment.
        """
        payment = self._payments[payment_id]
        if payment.status != "pending":
            raise ValueError(f"payment {payment_id} is {payment.status}, not pending")
        now = datetime.now(UTC)
        payment.paid = True
        if payment.capture:
            payment.status = "succeeded"
            payment.captured_at = now
        else:
            payment.status = "waiting_for_capture"
            payment.expires_at = now + timedelta(days=7)
        return self.payment(payment_id)

    def decline(
        self, payment_id: str, reason: str = "general_decline", party: str = "payment_network"
    ) -> JSON:
        """The payment is declined or expires: ``canceled`` with ``cancellation_details``."""
        payment = self._payments[payment_id]
        if payment.status not in ("pending", "waiting_for_capture"):
            raise ValueError(f"payment {payment_id} is {payment.status}; it cannot be canceled")
        payment.status = "canceled"
        payment.paid = False
        payment.expires_at = None
        payment.cancellation_details = {"party": party, "reason": reason}
        return self.payment(payment_id)

    def notification(self, object_id: str, event: str | None = None) -> JSON:
        """The webhook body ``{"type": "notification", "event": ..., "object": {...}}``.

        Without ``event`` it follows the payment status (``payment.succeeded``, ...). For
        ``refund.*`` events ``object_id`` is a refund id or a payment id (its last refund).
        """
        if event is not None and event.startswith("refund."):
            if object_id in self._refunds:
                refund = self._refunds[object_id]
            else:
                refund_ids = self._payments[object_id].refund_ids
                if not refund_ids:
                    raise ValueError(f"payment {object_id} has no refunds")
                refund = self._refunds[refund_ids[-1]]
            obj = self._render_refund(refund)
        else:
            payment = self._payments[object_id]
            if event is None:
                if payment.status not in _STATUS_EVENTS:
                    raise ValueError(f"no webhook event for a {payment.status} payment")
                event = _STATUS_EVENTS[payment.status]
            obj = self._render_payment(payment)
        return {"type": "notification", "event": event, "object": obj}

    async def send_webhook(
        self,
        url: str,
        object_id: str,
        event: str | None = None,
        *,
        timeout: float = NOTIFY_TIMEOUT,
        ssl: SSLContext | bool = True,
    ) -> tuple[int, str]:
        """POST :meth:`notification` as JSON to ``url``; return (HTTP status, body text)."""
        payload = self.notification(object_id, event)
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as session,
            session.post(url, json=payload, ssl=ssl) as response,
        ):
            return response.status, await response.text()

    # --- request plumbing -----------------------------------------------------------------

    def _op(self, op: str, handler: _Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def run(request: web.Request) -> web.Response:
            body = await request.read()
            path = _api_path(request.path)
            self.requests.append(
                SeenRequest(
                    op,
                    request.method,
                    path,
                    dict(request.query),
                    dict(request.headers),
                    body,
                    _peer(request),
                )
            )
            failure = self._take_failure(op, path)
            if failure is not None and failure.failure == "garbage":
                return web.Response(
                    text=GARBAGE_HTML, status=failure.garbage_status, content_type="text/html"
                )
            if failure is not None and isinstance(failure.failure, int):
                code = _ERROR_CODES.get(failure.failure, "internal_server_error")
                return _error(failure.failure, code, "Injected failure")
            if not self._authorized(request):
                response = _error(
                    401,
                    "invalid_credentials",
                    "Authentication by given credentials failed. Check the shopId and the "
                    "secret key.",
                    "Authorization",
                )
            else:
                try:
                    response = await handler(request, body)
                except _Invalid as invalid:
                    response = _error(
                        invalid.status, invalid.code, invalid.description, invalid.parameter
                    )
            if failure is not None and failure.failure == "timeout":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.timeout_delay)
            return response

        return run

    def _take_failure(self, op: str, path: str) -> _Failure | None:
        for index, failure in enumerate(self._failures):
            key = failure.key
            if (
                key in ("*", op)
                or key == path
                or (key.startswith("/") and path.startswith(key.rstrip("/") + "/"))
            ):
                return self._failures.pop(index)
        return None

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        shop_id, sep, secret = decoded.partition(":")
        expected = f"{self.shop_id}:{self.secret_key}".encode()
        return bool(sep) and hmac.compare_digest(f"{shop_id}:{secret}".encode(), expected)

    @staticmethod
    def _json_body(request: web.Request, body: bytes, *, required: bool = True) -> JSON:
        if not body.strip():
            if required:
                raise _Invalid("Request body is empty")
            return {}
        if request.content_type != "application/json":
            raise _Invalid(
                "Content-Type must be application/json", status=415, code="invalid_request"
            )
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _Invalid("Request body is not a valid JSON") from None
        if not isinstance(parsed, dict):
            raise _Invalid("Request body must be a JSON object")
        return parsed

    async def _idempotent(
        self, request: web.Request, op: str, payload: JSON, action: Callable[[], JSON]
    ) -> web.Response:
        """Run ``action`` once per Idempotence-Key; a repeat with the same data replays it."""
        key = request.headers.get("Idempotence-Key", "")
        if not key:
            raise _Invalid("Idempotence-Key header is missing", "Idempotence-Key")
        if len(key) > 64:
            raise _Invalid("Idempotence-Key is longer than 64 characters", "Idempotence-Key")
        fingerprint = _api_path(request.path) + "\n" + json.dumps(payload, sort_keys=True)
        cached = self._idempotency.get((op, key))
        if cached is not None:
            if cached[0] != fingerprint:
                raise _Invalid("Idempotence key duplicated", "Idempotence-Key")
            return web.json_response(copy.deepcopy(cached[1]))
        result = action()
        self._idempotency[(op, key)] = (fingerprint, copy.deepcopy(result))
        return web.json_response(result)

    # --- handlers -------------------------------------------------------------------------

    async def _create(self, request: web.Request, body: bytes) -> web.Response:
        payload = self._json_body(request, body)

        def create() -> JSON:
            amount, currency = _parse_money(payload.get("amount"), "amount")
            description = payload.get("description")
            if description is not None and (
                not isinstance(description, str) or len(description) > 128
            ):
                raise _Invalid("description must be a string of at most 128 chars", "description")
            metadata = _check_metadata(payload.get("metadata"))
            capture = payload.get("capture", False)
            if not isinstance(capture, bool):
                raise _Invalid("capture must be a boolean", "capture")
            receipt = payload.get("receipt")
            if receipt is not None:
                receipt = _check_receipt(receipt, amount)
            method_data = payload.get("payment_method_data")
            method_type = "bank_card"
            if method_data is not None:
                if not isinstance(method_data, dict) or not isinstance(
                    method_data.get("type"), str
                ):
                    raise _Invalid("payment_method_data.type is required", "payment_method_data")
                method_type = method_data["type"]
            payment_id = _new_id("000f")
            confirmation = self._confirmation(payload.get("confirmation"), payment_id)
            self._payments[payment_id] = _Payment(
                id=payment_id,
                amount=amount,
                currency=currency,
                capture=capture,
                created_at=datetime.now(UTC),
                description=description,
                metadata=metadata,
                confirmation=confirmation,
                receipt=receipt,
                method_type=method_type,
            )
            if receipt is not None:
                self.receipts[payment_id] = receipt
            self.payments_created += 1
            return self.payment(payment_id)

        return await self._idempotent(request, "payments.create", payload, create)

    @staticmethod
    def _confirmation(raw: object, payment_id: str) -> JSON | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise _Invalid("confirmation.type is required", "confirmation")
        kind = raw["type"]
        result: JSON = {"type": kind}
        if kind == "redirect":
            return_url = raw.get("return_url")
            if not isinstance(return_url, str) or not return_url:
                raise _Invalid("confirmation.return_url is required", "confirmation.return_url")
            result["return_url"] = return_url
            result["confirmation_url"] = (
                f"https://yoomoney.ru/api-pages/v2/payment-confirm/epl?orderId={payment_id}"
            )
        elif kind == "embedded":
            result["confirmation_token"] = f"ct-{payment_id}"
        elif kind == "mobile_application":
            result["confirmation_url"] = f"https://yoomoney.ru/mobile-confirm/{payment_id}"
        elif kind == "qr":
            result["confirmation_data"] = f"https://qr.nspk.ru/{payment_id.replace('-', '')}"
        elif kind != "external":
            raise _Invalid(f"unknown confirmation type {kind!r}", "confirmation.type")
        return result

    def _find_payment(self, request: web.Request) -> _Payment:
        payment = self._payments.get(request.match_info["id"])
        if payment is None:
            raise _Invalid("Payment not found", "payment_id", status=404, code="not_found")
        return payment

    async def _get(self, request: web.Request, body: bytes) -> web.Response:
        return web.json_response(self._render_payment(self._find_payment(request)))

    async def _capture(self, request: web.Request, body: bytes) -> web.Response:
        payment = self._find_payment(request)
        payload = self._json_body(request, body, required=False)

        def capture() -> JSON:
            if payment.status != "waiting_for_capture":
                raise _Invalid(f"Payment is {payment.status}; only waiting_for_capture")
            if payload.get("amount") is not None:
                amount, _ = _parse_money(payload["amount"], "amount")
                if amount > payment.amount:
                    raise _Invalid("Capture amount exceeds the held amount", "amount")
                payment.amount = amount
            payment.status = "succeeded"
            payment.captured_at = datetime.now(UTC)
            payment.expires_at = None
            return self._render_payment(payment)

        return await self._idempotent(request, "payments.capture", payload, capture)

    async def _cancel(self, request: web.Request, body: bytes) -> web.Response:
        payment = self._find_payment(request)
        payload = self._json_body(request, body, required=False)

        def cancel() -> JSON:
            if payment.status != "waiting_for_capture":
                raise _Invalid(f"Payment is {payment.status}; only waiting_for_capture")
            payment.status = "canceled"
            payment.paid = False
            payment.expires_at = None
            payment.cancellation_details = {"party": "merchant", "reason": "canceled_by_merchant"}
            return self._render_payment(payment)

        return await self._idempotent(request, "payments.cancel", payload, cancel)

    async def _create_refund(self, request: web.Request, body: bytes) -> web.Response:
        payload = self._json_body(request, body)

        def create() -> JSON:
            payment_id = payload.get("payment_id")
            payment = self._payments.get(payment_id) if isinstance(payment_id, str) else None
            if payment is None:
                raise _Invalid("Payment with this payment_id does not exist", "payment_id")
            if payment.status != "succeeded":
                raise _Invalid(
                    f"Payment is {payment.status}; only succeeded payments are refundable",
                    "payment_id",
                )
            amount, currency = _parse_money(payload.get("amount"), "amount")
            if currency != payment.currency:
                raise _Invalid("Refund currency differs from the payment", "amount.currency")
            if amount > payment.amount - payment.refunded:
                raise _Invalid("Refund amount exceeds the amount available to refund", "amount")
            description = payload.get("description")
            if description is not None and not isinstance(description, str):
                raise _Invalid("description must be a string", "description")
            metadata = payload.get("metadata")
            receipt = payload.get("receipt")
            refund = _Refund(
                id=_new_id("0015"),
                payment_id=payment.id,
                amount=amount,
                currency=currency,
                created_at=datetime.now(UTC),
                description=description,
                metadata=_check_metadata(metadata) if metadata is not None else None,
                receipt=_check_receipt(receipt, amount) if receipt is not None else None,
            )
            self._refunds[refund.id] = refund
            payment.refunded += amount
            payment.refund_ids.append(refund.id)
            self.refunds_created += 1
            return self._render_refund(refund)

        return await self._idempotent(request, "refunds.create", payload, create)

    async def _get_refund(self, request: web.Request, body: bytes) -> web.Response:
        refund = self._refunds.get(request.match_info["id"])
        if refund is None:
            raise _Invalid("Refund not found", "refund_id", status=404, code="not_found")
        return web.json_response(self._render_refund(refund))

    # --- rendering ------------------------------------------------------------------------

    def _render_payment(self, payment: _Payment) -> JSON:
        out: JSON = {
            "id": payment.id,
            "status": payment.status,
            "paid": payment.paid,
            "amount": _money(payment.amount, payment.currency),
            "created_at": _iso(payment.created_at),
            "metadata": dict(payment.metadata),
            "recipient": {"account_id": self.shop_id, "gateway_id": "100700"},
            "refundable": payment.status == "succeeded" and payment.refunded < payment.amount,
            "test": True,
        }
        if payment.description is not None:
            out["description"] = payment.description
        if payment.confirmation is not None:
            out["confirmation"] = dict(payment.confirmation)
        if payment.paid:
            fee = (Decimal(payment.amount) * _FEE_PERCENT / 100).quantize(Decimal(1))
            out["income_amount"] = _money(payment.amount - int(fee), payment.currency)
            out["payment_method"] = self._payment_method(payment)
            out["authorization_details"] = {
                "rrn": "603668680243",
                "auth_code": "000000",
                "three_d_secure": {"applied": False},
            }
        if payment.captured_at is not None:
            out["captured_at"] = _iso(payment.captured_at)
        if payment.expires_at is not None:
            out["expires_at"] = _iso(payment.expires_at)
        if payment.cancellation_details is not None:
            out["cancellation_details"] = dict(payment.cancellation_details)
        if payment.refund_ids:
            out["refunded_amount"] = _money(payment.refunded, payment.currency)
        if payment.receipt is not None:
            out["receipt_registration"] = "succeeded" if payment.paid else "pending"
        return out

    @staticmethod
    def _payment_method(payment: _Payment) -> JSON:
        method: JSON = {"type": payment.method_type, "id": payment.id, "saved": False}
        if payment.method_type == "bank_card":
            method["title"] = "Bank card *4444"
            method["card"] = {
                "first6": "555555",
                "last4": "4444",
                "expiry_month": "12",
                "expiry_year": "2030",
                "card_type": "MasterCard",
                "issuer_country": "RU",
            }
        return method

    @staticmethod
    def _render_refund(refund: _Refund) -> JSON:
        out: JSON = {
            "id": refund.id,
            "payment_id": refund.payment_id,
            "status": refund.status,
            "created_at": _iso(refund.created_at),
            "amount": _money(refund.amount, refund.currency),
        }
        if refund.description is not None:
            out["description"] = refund.description
        if refund.metadata is not None:
            out["metadata"] = dict(refund.metadata)
        if refund.receipt is not None:
            out["receipt_registration"] = "succeeded"
        return out
