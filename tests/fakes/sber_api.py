"""A fake Sber legacy RBS gateway (``register.do`` family) over real HTTP, for tests.

Methods live under ``/payment/rest/<method>.do`` and take form-urlencoded POST bodies or GET
query strings (both merged), so ``SBER_API_URL = fake.api_url`` (``base_url +
"/payment/rest"``) works. Auth is ``userName`` + ``password`` in the parameters. Errors come
as HTTP 200 with ``errorCode`` (reference §3.4): 1 duplicate orderNumber, 4 missing or invalid
parameter, 5 access denied / wrong state / wrong amount, 6 unknown order, 7 refund above the
deposited amount (and an injected system error). Success carries ``errorCode "0"``; set
``omit_success_error_code = True`` to answer like the legacy gateway often does, without it.

The legacy gateway has no refund idempotency: every ``refund.do`` call refunds again.

Failure injection (:meth:`FakeSber.fail_next`): an ``int`` status or ``"garbage"`` (HTML,
HTTP 200 or ``garbage_status``) replaces the answer and the call is **not** performed;
``"timeout"`` performs the call and holds the answer for ``timeout_delay`` seconds (or until
:meth:`FakeSber.stop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from ssl import SSLContext
from typing import Any, Literal
from urllib.parse import parse_qsl

from aiohttp import ClientSession, ClientTimeout, web

from payments.signing import sber_checksum
from tests.fakes.local_server import NOTIFY_TIMEOUT, LocalServer

Failure = int | Literal["timeout", "garbage"]
JSON = dict[str, Any]
_Handler = Callable[[dict[str, str]], JSON]

GARBAGE_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

PREFIX = "/payment/rest"
MOSCOW = timezone(timedelta(hours=3))
_METHODS = ("register", "getOrderStatusExtended", "refund", "reverse")
_PAYMENT_STATE = {0: "CREATED", 1: "APPROVED", 2: "DEPOSITED", 3: "REVERSED", 4: "REFUNDED"}
_ACTION_TEXT = {
    -100: "Не было попыток оплаты",
    0: "Платеж успешно обработан",
    116: "Недостаточно средств",
}


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """One request as the fake received it; ``params`` merges the query and the form."""

    op: str
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]
    body: bytes


@dataclass(slots=True)
class _Failure:
    method: str
    failure: Failure
    garbage_status: int


@dataclass(slots=True)
class _Order:
    order_id: str
    order_number: str
    amount: int
    currency: str
    created_at: datetime
    request: dict[str, str]
    status: int = 0
    action_code: int = -100
    deposited: int = 0
    refunded: int = 0
    deposited_at: datetime | None = None


class _Fail(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _method_name(method: str) -> str:
    return method.strip("/").removeprefix(PREFIX.strip("/") + "/").removesuffix(".do")


def _kopecks(raw: str | None, name: str) -> int:
    if raw is None or not raw.isascii() or not raw.isdigit() or int(raw) <= 0:
        raise _Fail("4", f"Неверный параметр {name}")
    return int(raw)


class FakeSber(LocalServer):
    """An in-memory Sber merchant on 127.0.0.1; use ``async with FakeSber(...) as sb``."""

    def __init__(
        self,
        username: str,
        password: str,
        callback_token: str,
        *,
        timeout_delay: float = 5.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.username = username
        self.password = password
        self.callback_token = callback_token
        self.timeout_delay = timeout_delay
        super().__init__(host)
        #: Legacy style: success answers without ``errorCode`` when True.
        self.omit_success_error_code = False
        #: Answer getOrderStatusExtended.do without paymentAmountInfo (older gateway setups).
        self.omit_amount_info = False
        #: Every request received, oldest first (including rejected and failed ones).
        self.requests: list[SeenRequest] = []
        #: Orders registered and refunds performed (each refund.do that succeeded).
        self.orders_created = 0
        self.refunds_made = 0
        self._orders: dict[str, _Order] = {}
        self._failures: list[_Failure] = []

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The value for the app's ``SBER_API_URL`` setting: ``base_url + "/payment/rest"``."""
        return self.base_url + PREFIX

    def _routes(self, app: web.Application) -> None:
        handlers: dict[str, _Handler] = {
            "register": self._register,
            "getOrderStatusExtended": self._status,
            "refund": self._refund,
            "reverse": self._reverse,
        }
        for name in _METHODS:
            run = self._op(name, handlers[name])
            app.router.add_get(f"{PREFIX}/{name}.do", run)
            app.router.add_post(f"{PREFIX}/{name}.do", run)

    # --- controls -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: Failure = 500,
        *,
        times: int = 1,
        garbage_status: int = 200,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``method`` is ``register``, ``register.do``, ``getOrderStatusExtended``, ``refund``,
        ``reverse`` (with or without ``.do``) or ``*``.
        """
        name = _method_name(method)
        for _ in range(times):
            self._failures.append(_Failure(name, status, garbage_status))

    @property
    def last_request(self) -> SeenRequest:
        """The most recent request (IndexError when there is none)."""
        return self.requests[-1]

    def requests_for(self, method: str) -> list[SeenRequest]:
        """Requests of one method (``refund`` or ``refund.do``), oldest first."""
        name = _method_name(method)
        return [seen for seen in self.requests if seen.op == name]

    def order(self, order_id: str) -> JSON:
        """What getOrderStatusExtended.do would answer (by orderId or orderNumber)."""
        return self._render(self._get(order_id))

    def order_id_for(self, order_number: str) -> str:
        """The gateway orderId (mdOrder) of a merchant orderNumber (KeyError if unknown)."""
        return self._get(order_number).order_id

    def pay(self, order_id: str, *, deposited_at: datetime | None = None) -> JSON:
        """The user pays: orderStatus 0 → 2. ``deposited_at`` backdates it (for reverse.do)."""
        order = self._get(order_id)
        if order.status != 0:
            raise ValueError(f"order {order.order_id} has orderStatus {order.status}, not 0")
        order.status = 2
        order.action_code = 0
        order.deposited = order.amount
        order.deposited_at = deposited_at or datetime.now(MOSCOW)
        return self.order(order_id)

    def refund_in_cabinet(self, order_id: str, amount: int) -> JSON:
        """A refund made by hand in the merchant's cabinet, unknown to the shop's records."""
        order = self._get(order_id)
        order.refunded += amount
        order.status = 4
        return self.order(order_id)

    def decline(self, order_id: str, action_code: int = 116) -> JSON:
        """The payment is declined: orderStatus 0 → 6 with ``actionCode`` (116: no funds)."""
        order = self._get(order_id)
        if order.status != 0:
            raise ValueError(f"order {order.order_id} has orderStatus {order.status}, not 0")
        order.status = 6
        order.action_code = action_code
        return self.order(order_id)

    def callback_params(
        self,
        order_id: str,
        operation: str = "deposited",
        status: int = 1,
        **overrides: str | None,
    ) -> dict[str, str]:
        """Callback parameters with a symmetric ``checksum`` made with the callback token.

        ``mdOrder``, ``orderNumber``, ``operation``, ``status`` and ``amount`` (the order
        amount, kopecks). ``overrides`` change parameters before signing (None removes
        one); an overriding ``checksum`` is used as is.
        """
        order = self._get(order_id)
        params = {
            "mdOrder": order.order_id,
            "orderNumber": order.order_number,
            "operation": operation,
            "status": str(status),
            "amount": str(order.amount),
        }
        checksum = overrides.pop("checksum", None)
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        params["checksum"] = (
            checksum if checksum is not None else sber_checksum(params, self.callback_token)
        )
        return params

    async def send_callback(
        self,
        url: str,
        order_id: str,
        operation: str = "deposited",
        status: int = 1,
        *,
        timeout: float = NOTIFY_TIMEOUT,
        ssl: SSLContext | bool = True,
        **overrides: str | None,
    ) -> tuple[int, str]:
        """GET ``url`` with :meth:`callback_params` as the query; return (status, body)."""
        params = self.callback_params(order_id, operation, status, **overrides)
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as session,
            session.get(url, params=params, ssl=ssl) as response,
        ):
            return response.status, await response.text()

    # --- request plumbing -----------------------------------------------------------------

    def _get(self, order_id: str) -> _Order:
        order = self._orders.get(order_id)
        if order is not None:
            return order
        for candidate in self._orders.values():
            if candidate.order_number == order_id:
                return candidate
        raise KeyError(order_id)

    def _op(
        self, name: str, handler: _Handler
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def run(request: web.Request) -> web.Response:
            raw = await request.read()
            params = dict(request.query)
            if request.method == "POST" and request.content_type == (
                "application/x-www-form-urlencoded"
            ):
                charset = request.charset or "utf-8"
                params.update(parse_qsl(raw.decode(charset), keep_blank_values=True))
            self.requests.append(
                SeenRequest(name, request.method, request.path, dict(request.headers), params, raw)
            )
            failure = self._take_failure(name)
            if failure is not None and failure.failure == "garbage":
                return web.Response(
                    text=GARBAGE_HTML, status=failure.garbage_status, content_type="text/html"
                )
            if failure is not None and isinstance(failure.failure, int):
                return web.json_response(
                    {"errorCode": "7", "errorMessage": "Системная ошибка"},
                    status=failure.failure,
                )
            try:
                self._authenticate(params)
                answer = handler(params)
            except _Fail as fail:
                answer = {"errorCode": fail.code, "errorMessage": fail.message}
            else:
                if self.omit_success_error_code and answer.get("errorCode") == "0":
                    answer.pop("errorCode")
                    answer.pop("errorMessage", None)
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

    def _authenticate(self, params: dict[str, str]) -> None:
        user = params.get("userName", "").encode()
        password = params.get("password", "").encode()
        user_ok = hmac.compare_digest(user, self.username.encode())
        password_ok = hmac.compare_digest(password, self.password.encode())
        if not (user_ok and password_ok):
            raise _Fail("5", "Доступ запрещён.")

    def _find(self, params: dict[str, str]) -> _Order:
        order_id, order_number = params.get("orderId"), params.get("orderNumber")
        if order_id:
            order = self._orders.get(order_id)
        elif order_number:
            order = next(
                (o for o in self._orders.values() if o.order_number == order_number), None
            )
        else:
            raise _Fail("4", "Не указан номер заказа")
        if order is None:
            raise _Fail("6", "Заказ не найден")
        return order

    def _render(self, order: _Order) -> JSON:
        paid_states = (1, 2, 4)
        out: JSON = {
            "errorCode": "0",
            "errorMessage": "Успешно",
            "orderNumber": order.order_number,
            "orderStatus": order.status,
            "actionCode": order.action_code,
            "actionCodeDescription": _ACTION_TEXT.get(order.action_code, ""),
            "amount": order.amount,
            "currency": order.currency,
            "date": int(order.created_at.timestamp() * 1000),
            "orderDescription": order.request.get("description", ""),
            "merchantOrderParams": [],
            "attributes": [{"name": "mdOrder", "value": order.order_id}],
            "paymentAmountInfo": {
                "paymentState": _PAYMENT_STATE.get(order.status, "DECLINED"),
                "approvedAmount": order.amount if order.status in paid_states else 0,
                "depositedAmount": order.deposited,
                "refundedAmount": order.refunded,
            },
        }
        if self.omit_amount_info:
            del out["paymentAmountInfo"]
        if order.deposited_at is not None:
            out["depositedDate"] = int(order.deposited_at.timestamp() * 1000)
        if order.status in (*paid_states, 3):
            out["cardAuthInfo"] = {
                "maskedPan": "220220**2424",
                "expiration": "202812",
                "cardholderName": "CARDHOLDER NAME",
                "approvalCode": "123456",
                "paymentSystem": "MIR",
            }
        return out

    # --- methods --------------------------------------------------------------------------

    def _register(self, params: dict[str, str]) -> JSON:
        order_number = params.get("orderNumber", "")
        if not order_number or len(order_number) > 32:
            raise _Fail("4", "Номер заказа не указан или слишком длинный")
        amount = _kopecks(params.get("amount"), "amount")
        if not params.get("returnUrl"):
            raise _Fail("4", "URL возврата не указан")
        currency = params.get("currency", "643")
        if currency != "643":
            raise _Fail("4", "Неверная валюта")
        for name in ("jsonParams", "orderBundle"):
            if name in params:
                try:
                    parsed = json.loads(params[name])
                except ValueError:
                    raise _Fail("4", f"Неверный формат {name}") from None
                if not isinstance(parsed, dict):
                    raise _Fail("4", f"Неверный формат {name}")
                if name == "orderBundle":
                    self._check_bundle(parsed, amount)
        timeout = params.get("sessionTimeoutSecs")
        if timeout is not None and not timeout.isdigit():
            raise _Fail("4", "Неверный параметр sessionTimeoutSecs")
        if any(o.order_number == order_number for o in self._orders.values()):
            raise _Fail("1", "Заказ с таким номером уже обработан")
        order = _Order(
            order_id=str(uuid.uuid4()),
            order_number=order_number,
            amount=amount,
            currency=currency,
            created_at=datetime.now(MOSCOW),
            request=copy.deepcopy(params),
        )
        self._orders[order.order_id] = order
        self.orders_created += 1
        return {
            "errorCode": "0",
            "orderId": order.order_id,
            "formUrl": (
                "https://3dsec.sberbank.ru/payment/merchants/sbersafe_sberid/payment_ru.html"
                f"?mdOrder={order.order_id}"
            ),
        }

    @staticmethod
    def _check_bundle(bundle: JSON, amount: int) -> None:
        cart = bundle.get("cartItems")
        items = cart.get("items") if isinstance(cart, dict) else None
        if not isinstance(items, list) or not items:
            raise _Fail("4", "orderBundle.cartItems.items пуст")
        total = 0
        for item in items:
            item_amount = item.get("itemAmount") if isinstance(item, dict) else None
            if not isinstance(item_amount, int) or isinstance(item_amount, bool):
                raise _Fail("4", "Неверный itemAmount")
            total += item_amount
        if total != amount:
            raise _Fail("8", "Сумма позиций корзины не равна сумме заказа")

    def _status(self, params: dict[str, str]) -> JSON:
        return self._render(self._find(params))

    def _refund(self, params: dict[str, str]) -> JSON:
        order = self._find(params)
        amount = _kopecks(params.get("amount"), "amount")
        if order.status not in (2, 4):
            raise _Fail("5", "Неверное состояние заказа для возврата")
        if amount > order.deposited - order.refunded:
            raise _Fail("7", "Сумма возврата превышает сумму списания")
        order.refunded += amount
        order.status = 4
        self.refunds_made += 1
        return {"errorCode": "0", "errorMessage": "Успешно"}

    def _reverse(self, params: dict[str, str]) -> JSON:
        order = self._find(params)
        if "amount" in params and _kopecks(params["amount"], "amount") != order.amount:
            raise _Fail("5", "Частичная отмена не поддерживается")
        same_day = (
            order.status == 2
            and order.refunded == 0
            and order.deposited_at is not None
            and order.deposited_at.astimezone(MOSCOW).date() == datetime.now(MOSCOW).date()
        )
        if order.status not in (0, 1) and not same_day:
            raise _Fail("5", "Отмена невозможна: заказ не в том состоянии")
        order.status = 3
        order.deposited = 0
        return {"errorCode": "0", "errorMessage": "Успешно"}
