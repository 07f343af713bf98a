"""What the calendar may cache between requests, and when the cache must be dropped.

Every flush that adds, changes or deletes a booking, closure, hall or opening hour moves the
process's calendar epoch forward; cached answers remember the epoch they were computed in.
Another process's changes cannot move this epoch, so cached answers also live at most
`MAX_AGE` — the hold itself always checks the database.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from db.models import Booking, Closure, Hall, StudioHours

MAX_AGE = timedelta(seconds=2)
HOURS_MAX_AGE = timedelta(seconds=30)
WATCHED = (Booking, Closure, Hall, StudioHours)

_counter = itertools.count(1)
_epoch = 0


def epoch() -> int:
    return _epoch


def calendar_changed() -> None:
    global _epoch
    _epoch = next(_counter)


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, WATCHED):
            calendar_changed()
            return


if not event.contains(Session, "after_flush", _after_flush):
    event.listen(Session, "after_flush", _after_flush)


class TimedCache:
    """A small map whose entries are good for one epoch and until a moment passes."""

    def __init__(self, max_entries: int = 512) -> None:
        self._entries: dict[Any, tuple[int, datetime, Any]] = {}
        self._max = max_entries

    def get(self, key: Any, now: datetime) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != _epoch or now >= entry[1]:
            return None
        return entry[2]

    def put(self, key: Any, value: Any, valid_until: datetime, at_epoch: int) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = (at_epoch, valid_until, value)


class SingleFlight:
    """Concurrent misses for one key wait for a single computation instead of repeating it."""

    def __init__(self) -> None:
        self._running: dict[Any, asyncio.Future[Any]] = {}

    async def run(self, key: Any, compute: Callable[[], Awaitable[Any]]) -> Any:
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an unwatched failure is not reported
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]
