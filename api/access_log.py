"""The access log: one JSON line per request, written in batches.

Requests are the hottest path of the service; the standard logging machinery (a record, a
handler lock, a formatter, a flush per line) cost about half of a cached answer. Lines are
the same shape as every other log line, collected in memory and written every half second
and at shutdown, so at most half a second of access lines is lost if the process dies.
They carry only method, path (never the query string), status, time and ids: no secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

FLUSH_SECONDS = 0.5


class AccessLog:
    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self._stream = stream
        self._lines: list[bytes] = []

    def record(self, fields: dict[str, Any]) -> None:
        if not self.enabled:
            return
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "studio.http",
            "msg": "request",
            **fields,
        }
        self._lines.append(orjson.dumps(line, default=str))

    def flush(self) -> None:
        if not self._lines:
            return
        chunk = b"\n".join(self._lines).decode() + "\n"
        self._lines.clear()
        stream = self._stream or sys.stderr
        stream.write(chunk)
        stream.flush()

    async def run(self, _app: object) -> AsyncIterator[None]:
        """An aiohttp cleanup context: flush on a timer, and once more at the end."""
        task = asyncio.create_task(self._flusher())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.flush()

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.flush()
