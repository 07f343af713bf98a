"""The official `yookassa` SDK, run in worker threads for payments.yookassa.

The SDK is synchronous and keeps its credentials in a global `Configuration`. Here each
provider owns an SDK `ApiClient` built from its own shop id, key and URL instead, so two shops
(or a test and its fake) never share settings, and runs it in a small thread pool of its own
with a deadline on every call.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import requests
from pydantic import SecretStr
from requests.adapters import HTTPAdapter
from urllib3 import Retry
from yookassa.client import ApiClient
from yookassa.domain.common import HttpVerb, UserAgent
from yookassa.domain.exceptions import (
    ApiError,
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorizedError,
)
from yookassa.domain.request import PaymentRequest as SdkPaymentRequest
from yookassa.domain.request import RefundRequest as SdkRefundRequest

from payments.base import GatewayError


class UnknownAtGateway(GatewayError):
    """ЮKassa answered 404: no such payment or refund in this shop."""


class Refused(GatewayError):
    """ЮKassa answered a call with an error that means it was not performed."""


class _TimeoutSession(requests.Session):
    """A session with a socket timeout on every request, kept for its worker thread.

    The SDK opens a session for each call and closes it afterwards, so every call to ЮKassa
    would open a new connection with a new TLS handshake. Each worker thread keeps one session
    instead (a `requests.Session` is not shared between threads), and the SDK's close after a
    call leaves its connections open; `shutdown` closes them when the provider closes. The
    SDK gives requests no timeout either: a stuck socket must not hold a thread for ever.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)

    def close(self) -> None:
        """Called by the SDK after every call: the connections stay for the next one."""

    def shutdown(self) -> None:
        super().close()


class _ShopClient(ApiClient):
    """The SDK's client with this shop's settings instead of the global Configuration."""

    def __init__(self, shop_id: str, secret_key: str, api_url: str, socket_timeout: float) -> None:
        # ApiClient.__init__ would read the global Configuration; set what it sets instead.
        self.configuration = SimpleNamespace(verify=None)
        self.endpoint = api_url.rstrip("/")
        self.shop_id = shop_id
        self.shop_password = secret_key
        self.auth_token = None
        self.timeout = 1800  # the SDK's pause (ms) between retries of a 202 answer
        self.max_attempts = 3
        self.user_agent = UserAgent()
        self._socket_timeout = socket_timeout
        self._per_thread = threading.local()
        self._sessions: list[_TimeoutSession] = []
        self._sessions_lock = threading.Lock()

    def get_session(self) -> requests.Session:
        session: _TimeoutSession | None = getattr(self._per_thread, "session", None)
        if session is None:
            session = _TimeoutSession(self._socket_timeout)
            # As the SDK's own session, plus GET: a kept connection that the server closed
            # while idle fails the next read, and a status fetch is safe to send again.
            retries = Retry(
                total=self.max_attempts,
                backoff_factor=self.timeout / 1000,
                allowed_methods=["POST", "GET"],
                status_forcelist=[202],
            )
            for scheme in ("https://", "http://"):
                session.mount(scheme, HTTPAdapter(max_retries=retries))
            self._per_thread.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close_sessions(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.shutdown()

    def log_request(self, *args: Any) -> None:
        """Never log: the SDK's request log would carry the Authorization header."""

    @staticmethod
    def log_response(*args: Any) -> None:
        """Never log answers either (they hold payer data)."""


class SdkYooKassaApi:
    """The SDK in worker threads, each call with a deadline; failures → GatewayError."""

    def __init__(
        self, shop_id: str, secret_key: SecretStr, api_url: str, timeout: float, workers: int = 8
    ) -> None:
        self._client = _ShopClient(
            shop_id, secret_key.get_secret_value(), api_url, socket_timeout=timeout * 4
        )
        self._timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yookassa")

    async def _run(self, what: str, call: Callable[[], Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout):
                answer = await loop.run_in_executor(self._executor, call)
        except TimeoutError:
            raise GatewayError(f"ЮKassa {what}: no answer in {self._timeout:g} s") from None
        except NotFoundError:
            raise UnknownAtGateway(f"ЮKassa {what}: not found") from None
        except (BadRequestError, UnauthorizedError, ForbiddenError, TooManyRequestsError) as exc:
            # Answered and not performed (ЮKassa's 400, 401, 403 and 429).
            raise Refused(f"ЮKassa {what}: {type(exc).__name__} {str(exc)[:200]}") from None
        except ApiError as exc:
            raise GatewayError(f"ЮKassa {what}: {type(exc).__name__} {str(exc)[:200]}") from None
        except Exception as exc:  # the SDK's AttributeError, ValueError, requests errors
            raise GatewayError(f"ЮKassa {what}: {type(exc).__name__}") from None
        if not isinstance(answer, dict):
            raise GatewayError(f"ЮKassa {what}: the answer is not a JSON object")
        return answer

    async def create_payment(self, params: dict[str, Any], key: str) -> dict[str, Any]:
        def call() -> Any:
            body = SdkPaymentRequest(params)
            return self._client.request(
                HttpVerb.POST, "/payments", None, {"Idempotence-Key": key}, body
            )

        return await self._run("create payment", call)

    async def get_payment(self, payment_id: str) -> dict[str, Any]:
        return await self._run(
            "get payment",
            lambda: self._client.request(HttpVerb.GET, f"/payments/{payment_id}"),
        )

    async def create_refund(self, params: dict[str, Any], key: str) -> dict[str, Any]:
        def call() -> Any:
            body = SdkRefundRequest(params)
            return self._client.request(
                HttpVerb.POST, "/refunds", None, {"Idempotence-Key": key}, body
            )

        return await self._run("create refund", call)

    async def get_refund(self, refund_id: str) -> dict[str, Any]:
        return await self._run(
            "get refund", lambda: self._client.request(HttpVerb.GET, f"/refunds/{refund_id}")
        )

    async def aclose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._client.close_sessions()
