"""What the HTTP gateways share: a deadline on every call, and late answers kept for retries.

Every failure whose outcome is unknown (timeout, connection error, 5xx, a body that is not
JSON) becomes `GatewayError`. The aiohttp session is made on first use, inside the running
loop, and closed by `aclose()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiohttp import ClientError, ClientSession, ClientTimeout, ContentTypeError

from payments.base import GatewayError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A late answer is still collected this many times the caller's deadline, then dropped.
LATE_FACTOR = 4
#: How long an uncollected late answer is kept for the caller's retry.
KEEP_LATE_SECONDS = 3600.0


class GatewayHttp:
    """POST JSON or a form to one gateway and read a JSON object back."""

    def __init__(self, gateway: str, timeout: float) -> None:
        self.gateway = gateway
        self.timeout = timeout
        self._session: ClientSession | None = None

    def _client(self) -> ClientSession:
        if self._session is None or self._session.closed:
            # The session's own limit is longer than the caller's deadline, so an answer
            # that comes late can still be read by a call kept in `Inflight`.
            self._session = ClientSession(
                timeout=ClientTimeout(total=self.timeout * LATE_FACTOR),
                headers={"User-Agent": "studio-booking"},
            )
        return self._session

    async def post_json(self, url: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self._post(url, json=dict(payload))

    async def post_form(self, url: str, params: Mapping[str, str]) -> dict[str, Any]:
        return await self._post(url, data=dict(params))

    async def _post(self, url: str, **kwargs: Any) -> dict[str, Any]:
        """One call with no deadline of its own (callers add one); errors → GatewayError."""
        try:
            async with self._client().post(url, **kwargs) as response:
                if response.status >= 500:
                    raise GatewayError(f"{self.gateway}: HTTP {response.status}")
                try:
                    answer = await response.json(content_type=None)
                except (ContentTypeError, ValueError):
                    raise GatewayError(
                        f"{self.gateway}: HTTP {response.status}, not JSON"
                    ) from None
        except (ClientError, TimeoutError) as exc:
            raise GatewayError(f"{self.gateway}: {type(exc).__name__}") from None
        if not isinstance(answer, dict):
            raise GatewayError(f"{self.gateway}: the answer is not a JSON object")
        return answer

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def within(deadline: float, call: Awaitable[T], what: str) -> T:
    """Wait for `call` at most `deadline` seconds; a timeout is a GatewayError.

    A timeout scope, not `wait_for`: that wraps each call in a task of its own, and a Sber
    webhook makes one such call (its status) on the way to being applied."""
    try:
        async with asyncio.timeout(deadline):
            return await call
    except TimeoutError:
        raise GatewayError(f"{what}: no answer in {deadline:g} s") from None


class Inflight:
    """Creation calls whose answer came after the caller gave up, kept by order reference.

    A gateway without idempotency keys (T-Bank Init, Sber register.do) refuses a second call
    with the same order number; the retry of a timed-out create then takes the first call's
    answer instead of asking again. Only this process remembers: after a restart the
    adapters fall back to checking the order at the gateway.
    """

    def __init__(self) -> None:
        self._tasks: dict[str, tuple[asyncio.Task[Any], float]] = {}

    async def run(
        self, key: str, start: Callable[[], Awaitable[T]], deadline: float, what: str
    ) -> T:
        self._prune()
        entry = self._tasks.get(key)
        if entry is None:
            task: asyncio.Task[Any] = asyncio.ensure_future(start())
            task.add_done_callback(_retrieve)
            self._tasks[key] = (task, time.monotonic())
        else:
            task = entry[0]
            log.info("reusing an earlier call's answer", extra={"order": key, "what": what})
        try:
            result: T = await within(deadline, asyncio.shield(task), what)
            return result
        finally:
            if task.done() and self._tasks.get(key, (None, 0.0))[0] is task:
                del self._tasks[key]

    def forget(self) -> None:
        """Drop what this process remembers (as a restart would); pending calls are cancelled."""
        for task, _ in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    def _prune(self) -> None:
        now = time.monotonic()
        for key, (task, started) in list(self._tasks.items()):
            if task.done() and now - started > KEEP_LATE_SECONDS:
                del self._tasks[key]

    async def aclose(self) -> None:
        tasks = [task for task, _ in self._tasks.values()]
        self.forget()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark a late failure as seen, so asyncio does not report it at shutdown."""
    if not task.cancelled():
        task.exception()
