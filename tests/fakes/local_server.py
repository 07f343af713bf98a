"""The lifecycle the fake gateway servers share: a free port on loopback, start and stop."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from aiohttp import web

#: How long a fake gateway waits for the app to answer its notification. T-Bank documents
#: 10 s (it waits that long before redirecting the payer); ЮKassa and Sber publish no limit.
#: Under CI load (2 cores, 4 test workers) a webhook's handler was measured at up to ~2.2 s
#: with three CPU burners beside it, all of it CPU and database time, so 5 s left too thin a
#: margin; a handler slower than the gateway's own limit still fails the test.
NOTIFY_TIMEOUT = 10.0


class LocalServer:
    """An aiohttp server on 127.0.0.1; subclasses add their routes in `_routes`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._base_url: str | None = None

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._base_url is None:
            raise RuntimeError("the fake is not started")
        return self._base_url

    async def start(self) -> str:
        """Listen on a free port; return ``base_url``."""
        if self._runner is not None:
            raise RuntimeError("already started")
        self._stopping = asyncio.Event()
        app = web.Application()
        self._routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._base_url = f"http://{self.host}:{runner.addresses[0][1]}"
        return self._base_url

    async def stop(self) -> None:
        """Release held ("timeout") answers and shut the server down."""
        self._stopping.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
