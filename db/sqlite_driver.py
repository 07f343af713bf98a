"""SQLite calls made at once on the event loop's thread, behind aiosqlite's interface.

aiosqlite hands every call (cursor, execute, fetch, close, commit) to its own thread and back:
four or five thread hops a statement, which cost more than the statement itself on a local
file (measured in docs/BENCHMARKS.md: half the CPU of a select, update and commit). Here the
same calls run directly. They are short: the process keeps one connection (db.session) and
every query is bounded by an index.

What a thread would hide is a wait for another process's write lock. The connection
therefore never waits inside SQLite (busy timeout 0): a call refused with SQLITE_BUSY is
retried after an asyncio sleep that grows to 50 ms, for up to `busy_seconds`, so the loop
keeps serving while another process writes. A busy statement has had no effect, which is
what makes the retry safe; SQLITE_BUSY_SNAPSHOT (a stale read snapshot) is not retried,
as SQLite's own busy handler would not retry it either.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

BUSY_SECONDS = 30.0
_FIRST_PAUSE, _LONGEST_PAUSE = 0.001, 0.05


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its thread: whatever is queued runs now."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the waiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """Plain SQLITE_BUSY: another connection holds the lock; waiting may help."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the caller's thread."""

    def __init__(
        self, connector: Callable[[], sqlite3.Connection], busy_seconds: float = BUSY_SECONDS
    ) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]
        self._busy_seconds = busy_seconds

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        return await self._retry_while_busy(fn, args, kwargs)

    async def _retry_while_busy(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        deadline = time.monotonic() + self._busy_seconds
        pause = _FIRST_PAUSE
        while True:
            await asyncio.sleep(pause)
            if self._connection is None:
                raise ValueError("Connection closed")
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() >= deadline:
                    raise
            pause = min(pause * 2, _LONGEST_PAUSE)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Any:
        return self._connect().__await__()

    def stop(self) -> asyncio.Future[Any] | None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        return None

    def __del__(self) -> None:  # aiosqlite's warns and stops its thread; there is none
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_creator(
    args: list[Any], kwargs: dict[str, Any], busy_seconds: float = BUSY_SECONDS
) -> Callable[[], Awaitable[InlineConnection]]:
    """`async_creator` for SQLAlchemy's aiosqlite dialect, from the dialect's connect args."""
    options = {**kwargs, "timeout": 0}

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(*args, **options)

    async def create() -> InlineConnection:
        return await InlineConnection(connect, busy_seconds)

    return create
