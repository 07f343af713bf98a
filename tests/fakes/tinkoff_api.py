"""A fake T-Bank (Tinkoff) acquiring API v2 over real HTTP, for tests.

Methods are served at ``/<Method>`` and ``/v2/<Method>`` (POST JSON), so the app's
``TINKOFF_API_URL`` can be ``base_url`` or ``base_url + "/v2"``. Every request must carry
this terminal's ``TerminalKey`` and a valid ``Token`` (checked with
:mod:`payments.signing`); errors are HTTP 200 with ``Success: false``.

Error codes: ``"0"`` success and ``"204"`` bad token come from the reference. The others are
this fake's own choice, since the reference does not list them: ``"7"`` unknown payment,
``"8"`` operation not allowed in the current status, ``"9"`` invalid parameters (also a
duplicate ``OrderId`` and a refund above the remaining amount), ``"9999"`` injected internal
error. Tests should key on ``Success`` and not on these numbers.

Failure injection (:meth:`FakeTinkoff.fail_next`): an ``int`` status or ``"garbage"`` (HTML,
HTTP 200 or ``garbage_status``) replaces the answer and the call is **not** performed;
``"timeout"`` performs the call and holds the answer for ``timeout_delay`` seconds (or until
:meth:`FakeTinkoff.stop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from ssl import SSLContext
from typing import Any, Literal, TypeGuard

from aiohttp import ClientSession, ClientTimeout, web

from payments.signing import tinkoff_token, verify_tinkoff_token
from tests.fakes.local_server import NOTIFY_TIMEOUT, LocalServer

Failure = int | Literal["timeout", "garbage"]
JSON = dict[str, Any]
_Handler = Callable[[JSON], JSON]

GARBAGE_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

ERR_NOT_FOUND = "7"
ERR_WRONG_STATUS = "8"
ERR_PARAMS = "9"
ERR_TOKEN = "204"
ERR_INTERNAL = "9999"
DECLINE_ERROR_CODE = "1051"  # what a REJECTED notification carries (insufficient funds)

_METHODS = ("Init", "GetState", "Confirm", "Cancel")
_TAXATIONS = frozenset({"osn", "usn_income", "usn_income_outcome", "envd", "esn", "patent"})
_CARD = {"CardId": 322264, "Pan": "430000******0777", "ExpDate": "1230"}


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """One request as the fake received it."""

    op: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass(slots=True)
class _Failure:
    method: str
    failure: Failure
    garbage_status: int


@dataclass(slots=True)
class _Payment:
    payment_id: str
    order_id: str
    amount: int
    pay_type: str | None
    request: JSON
    status: str = "NEW"
    remaining: int = 0
    paid: bool = False
    error_code: str = "0"
    rebill_id: int | None = None
    external_request_ids: set[str] = field(default_factory=set)
    refunds: list[int] = field(default_factory=list)


class _Fail(Exception):
    """A T-Bank error answer: ``Success: false`` with an ``ErrorCode``."""

    def __init__(self, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_receipt(receipt: object, amount: int) -> None:
    if not isinstance(receipt, dict):
        raise _Fail(ERR_PARAMS, "Неверные параметры.", "Receipt must be an object")
    if not (receipt.get("Email") or receipt.get("Phone")):
        raise _Fail(ERR_PARAMS, "Неверные параметры.", "Receipt needs Email or Phone")
    if receipt.get("Taxation") not in _TAXATIONS:
        raise _Fail(ERR_PARAMS, "Неверные параметры.", "Receipt.Taxation is invalid")
    items = receipt.get("Items")
    if not isinstance(items, list) or not items:
        raise _Fail(ERR_PARAMS, "Неверные параметры.", "Receipt.Items is required")
    total = 0
    for item in items:
        if not isinstance(item, dict) or not item.get("Name") or not item.get("Tax"):
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "Receipt item needs Name and Tax")
        price, quantity, item_amount = item.get("Price"), item.get("Quantity"), item.get("Amount")
        if not (_is_int(price) and _is_int(item_amount)) or not isinstance(quantity, int | float):
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "Receipt item Price/Quantity/Amount")
        if round(price * quantity) != item_amount:
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "Item Amount != Price * Quantity")
        total += item_amount
    if total != amount:
        raise _Fail(ERR_PARAMS, "Неверные параметры.", "Sum of Receipt.Items.Amount != Amount")


class FakeTinkoff(LocalServer):
    """An in-memory T-Bank terminal on 127.0.0.1; use ``async with FakeTinkoff(...) as tb``."""

    def __init__(
        self,
        terminal_key: str,
        password: str,
        *,
        timeout_delay: float = 5.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.terminal_key = terminal_key
        self.password = password
        self.timeout_delay = timeout_delay
        super().__init__(host)
        #: Every request received, oldest first (including rejected and failed ones).
        self.requests: list[SeenRequest] = []
        #: Successful Init calls and refund/reversal operations actually performed.
        self.payments_created = 0
        self.refunds_made = 0
        self._payments: dict[str, _Payment] = {}
        self._order_ids: set[str] = set()
        self._ids = itertools.count(7_277_900_132)
        self._failures: list[_Failure] = []

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The value for the app's ``TINKOFF_API_URL`` setting (``base_url`` + ``/v2``)."""
        return f"{self.base_url}/v2"

    def _routes(self, app: web.Application) -> None:
        handlers: dict[str, _Handler] = {
            "Init": self._init,
            "GetState": self._get_state,
            "Confirm": self._confirm,
            "Cancel": self._cancel,
        }
        for name in _METHODS:
            for prefix in ("", "/v2"):
                app.router.add_post(f"{prefix}/{name}", self._op(name, handlers[name]))

    # --- controls -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: Failure = 500,
        *,
        times: int = 1,
        garbage_status: int = 200,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``Init``, ``Cancel``... or ``*``) fail."""
        name = method.strip("/").removeprefix("v2/")
        for _ in range(times):
            self._failures.append(_Failure(name, status, garbage_status))

    @property
    def last_request(self) -> SeenRequest:
        """The most recent request (IndexError when there is none)."""
        return self.requests[-1]

    def requests_for(self, method: str) -> list[SeenRequest]:
        """Requests of one method, oldest first."""
        return [seen for seen in self.requests if seen.op == method]

    def payment(self, payment_id: str | int) -> JSON:
        """What GetState would answer, plus ``Remaining``, ``Refunds`` and the Init request."""
        payment = self._get(payment_id)
        return {
            **self._state(payment),
            "Remaining": payment.remaining,
            "Refunds": list(payment.refunds),
            "Request": copy.deepcopy(payment.request),
        }

    def payment_id_for(self, order_id: str) -> str:
        """The PaymentId of an OrderId (KeyError if unknown)."""
        for payment in self._payments.values():
            if payment.order_id == order_id:
                return payment.payment_id
        raise KeyError(order_id)

    def pay(self, payment_id: str | int) -> JSON:
        """The user pays: NEW → CONFIRMED (AUTHORIZED for ``PayType`` "T"). Returns the state."""
        payment = self._get(payment_id)
        if payment.status not in ("NEW", "FORM_SHOWED"):
            raise ValueError(f"payment {payment.payment_id} is {payment.status}, not NEW")
        payment.status = "AUTHORIZED" if payment.pay_type == "T" else "CONFIRMED"
        payment.paid = True
        payment.remaining = payment.amount
        if payment.request.get("Recurrent") == "Y":
            payment.rebill_id = 101_709
        return self.payment(payment_id)

    def decline(self, payment_id: str | int) -> JSON:
        """The bank declines: NEW → REJECTED (notification ErrorCode 1051). Returns the state."""
        payment = self._get(payment_id)
        if payment.status not in ("NEW", "FORM_SHOWED"):
            raise ValueError(f"payment {payment.payment_id} is {payment.status}, not NEW")
        payment.status = "REJECTED"
        payment.error_code = DECLINE_ERROR_CODE
        return self.payment(payment_id)

    def notification(self, payment_id: str | int, **overrides: object) -> JSON:
        """A notification for the current status, signed with the terminal password.

        Fields: TerminalKey, OrderId, Success, Status, PaymentId (a JSON number, as in the
        reference's T3 example), ErrorCode, Amount (the original amount, kopecks), CardId,
        Pan, ExpDate once a card was used, RebillId for ``Recurrent: "Y"``, DATA when Init
        had it (not signed, being nested), then Token. ``overrides`` change fields before
        signing (a value of None removes the field); an overriding ``Token`` is used as is.
        """
        payment = self._get(payment_id)
        body: JSON = {
            "TerminalKey": self.terminal_key,
            "OrderId": payment.order_id,
            "Success": payment.error_code == "0",
            "Status": payment.status,
            "PaymentId": int(payment.payment_id),
            "ErrorCode": payment.error_code,
            "Amount": payment.amount,
        }
        if payment.paid or payment.status == "REJECTED":
            body.update(_CARD)
        if payment.rebill_id is not None:
            body["RebillId"] = payment.rebill_id
        if isinstance(payment.request.get("DATA"), dict):
            body["DATA"] = copy.deepcopy(payment.request["DATA"])
        token = overrides.pop("Token", None)
        for key, value in overrides.items():
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
        body["Token"] = token if token is not None else tinkoff_token(body, self.password)
        return body

    async def send_notification(
        self,
        url: str | None,
        payment_id: str | int,
        *,
        timeout: float = NOTIFY_TIMEOUT,
        ssl: SSLContext | bool = True,
        **overrides: object,
    ) -> tuple[int, str]:
        """POST :meth:`notification` to ``url`` (None: the Init ``NotificationURL``).

        Returns (HTTP status, body text); T-Bank accepts only 200 with the body ``OK``.
        """
        payload = self.notification(payment_id, **overrides)
        if url is None:
            url = self._get(payment_id).request.get("NotificationURL")
            if not isinstance(url, str):
                raise ValueError("no url given and Init had no NotificationURL")
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as session,
            session.post(url, json=payload, ssl=ssl) as response,
        ):
            return response.status, await response.text()

    # --- request plumbing -----------------------------------------------------------------

    def _get(self, payment_id: str | int) -> _Payment:
        return self._payments[str(payment_id)]

    def _op(
        self, name: str, handler: _Handler
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def run(request: web.Request) -> web.Response:
            raw = await request.read()
            self.requests.append(
                SeenRequest(name, request.method, request.path, dict(request.headers), raw)
            )
            failure = self._take_failure(name)
            if failure is not None and failure.failure == "garbage":
                return web.Response(
                    text=GARBAGE_HTML, status=failure.garbage_status, content_type="text/html"
                )
            if failure is not None and isinstance(failure.failure, int):
                return web.json_response(
                    self._error(ERR_INTERNAL, "Внутренняя ошибка системы.", "Injected failure"),
                    status=failure.failure,
                )
            try:
                answer = handler(self._authenticate(raw))
            except _Fail as fail:
                answer = self._error(fail.code, fail.message, fail.details)
            if failure is not None and failure.failure == "timeout":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.timeout_delay)
            return web.json_response(answer)

        return run

    def _take_failure(self, name: str) -> _Failure | None:
        for index, failure in enumerate(self._failures):
            if failure.method in ("*", name):
                return self._failures.pop(index)
        return None

    def _error(self, code: str, message: str, details: str) -> JSON:
        return {
            "Success": False,
            "ErrorCode": code,
            "TerminalKey": self.terminal_key,
            "Message": message,
            "Details": details,
        }

    def _authenticate(self, raw: bytes) -> JSON:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "Body is not JSON") from None
        if not isinstance(body, dict):
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "Body is not a JSON object")
        if body.get("TerminalKey") != self.terminal_key or not verify_tinkoff_token(
            body, self.password
        ):
            raise _Fail(
                ERR_TOKEN,
                "Неверные параметры.",
                "Неверный токен. Проверьте пару TerminalKey/SecretKey.",
            )
        return body

    def _state(self, payment: _Payment) -> JSON:
        return {
            "Success": True,
            "ErrorCode": "0",
            "TerminalKey": self.terminal_key,
            "Status": payment.status,
            "PaymentId": payment.payment_id,
            "OrderId": payment.order_id,
            "Amount": payment.amount,
        }

    def _find(self, body: JSON) -> _Payment:
        payment_id = body.get("PaymentId")
        if not isinstance(payment_id, str | int) or isinstance(payment_id, bool):
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "PaymentId is required")
        payment = self._payments.get(str(payment_id))
        if payment is None:
            raise _Fail(ERR_NOT_FOUND, "Платеж не найден.", f"PaymentId {payment_id}")
        return payment

    # --- methods --------------------------------------------------------------------------

    def _init(self, body: JSON) -> JSON:
        amount, order_id = body.get("Amount"), body.get("OrderId")
        if not _is_int(amount) or amount < 100:
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "Amount must be integer kopecks >= 100")
        if not isinstance(order_id, str) or not order_id or len(order_id) > 36:
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "OrderId must be 1..36 chars")
        pay_type = body.get("PayType")
        if pay_type is not None and pay_type not in ("O", "T"):
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "PayType must be O or T")
        data = body.get("DATA")
        if data is not None and (
            not isinstance(data, dict)
            or len(data) > 20
            or any(len(str(k)) > 20 or len(str(v)) > 100 for k, v in data.items())
        ):
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "DATA: up to 20 short pairs")
        if "Receipt" in body:
            _check_receipt(body["Receipt"], amount)
        if order_id in self._order_ids:
            raise _Fail(ERR_PARAMS, "Неверные параметры.", f"OrderId {order_id} already used")
        payment = _Payment(
            payment_id=str(next(self._ids)),
            order_id=order_id,
            amount=amount,
            pay_type=pay_type,
            request=copy.deepcopy(body),
        )
        self._payments[payment.payment_id] = payment
        self._order_ids.add(order_id)
        self.payments_created += 1
        return {
            **self._state(payment),
            "PaymentURL": f"https://pay.tbank.ru/{secrets.token_urlsafe(6)}",
        }

    def _get_state(self, body: JSON) -> JSON:
        return self._state(self._find(body))

    def _confirm(self, body: JSON) -> JSON:
        payment = self._find(body)
        if payment.status != "AUTHORIZED":
            raise _Fail(ERR_WRONG_STATUS, "Неверный статус транзакции.", payment.status)
        amount = body.get("Amount", payment.remaining)
        if not _is_int(amount) or not 0 < amount <= payment.remaining:
            raise _Fail(ERR_PARAMS, "Неверные параметры.", "Amount above the held amount")
        payment.remaining = amount
        payment.status = "CONFIRMED"
        return self._state(payment)

    def _cancel(self, body: JSON) -> JSON:
        payment = self._find(body)
        external_id = body.get("ExternalRequestId")
        if external_id is not None and str(external_id) in payment.external_request_ids:
            return self._cancel_answer(payment, payment.remaining)
        before = payment.remaining
        if payment.status in ("NEW", "FORM_SHOWED"):
            payment.status = "CANCELED"
            before = payment.amount
        elif payment.status in ("AUTHORIZED", "PARTIAL_REVERSED", "CONFIRMED", "PARTIAL_REFUNDED"):
            amount = body.get("Amount", payment.remaining)
            if not _is_int(amount) or amount < 100:
                raise _Fail(ERR_PARAMS, "Неверные параметры.", "Amount must be kopecks >= 100")
            if amount > payment.remaining:
                raise _Fail(
                    ERR_PARAMS, "Неверные параметры.", "Amount exceeds the remaining amount"
                )
            payment.remaining -= amount
            held = payment.status in ("AUTHORIZED", "PARTIAL_REVERSED")
            if held:
                payment.status = "REVERSED" if payment.remaining == 0 else "PARTIAL_REVERSED"
            else:
                payment.status = "REFUNDED" if payment.remaining == 0 else "PARTIAL_REFUNDED"
                payment.refunds.append(amount)
            self.refunds_made += 1
        else:
            raise _Fail(ERR_WRONG_STATUS, "Неверный статус транзакции.", payment.status)
        if external_id is not None:
            payment.external_request_ids.add(str(external_id))
        return self._cancel_answer(payment, before)

    def _cancel_answer(self, payment: _Payment, original_amount: int) -> JSON:
        new_amount = 0 if payment.status == "CANCELED" else payment.remaining
        return {
            "Success": True,
            "ErrorCode": "0",
            "TerminalKey": self.terminal_key,
            "Status": payment.status,
            "PaymentId": payment.payment_id,
            "OrderId": payment.order_id,
            "OriginalAmount": original_amount,
            "NewAmount": new_amount,
        }
