"""What the calendar may cache between requests, and when the cache must be dropped.

Every flush that adds, changes or deletes a booking, closure, hall or opening hour moves the
process's calendar epoch forward; cached answers remember the epoch they were computed in.
Finer marks serve the hot paths of the bot and the hold:

- the *base* epoch moves only with halls, opening hours and closures (rare admin changes), so
  halls and hours stay cached while clients book;
- each (hall, UTC day) has a version that moves when a booking touching that day changes, so
  one hold does not drop the cached spans of the hall's other days.

Marks move after the flush and again after the commit: a reader that fetched before another
session committed keeps the version it saw before fetching, which the commit has moved on.
Another process's changes cannot move them, so cached values also live at most `MAX_AGE` —
the hold itself always checks the database.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from db.models import Booking, Closure, Hall, StudioHours

MAX_AGE = timedelta(seconds=2)
HOURS_MAX_AGE = timedelta(seconds=30)
WATCHED = (Booking, Closure, Hall, StudioHours)
MAX_DAY_MARKS = 20_000
_TOUCHED = "calendar_touched"

_counter = itertools.count(1)
_epoch = 0
_base_epoch = 0
_day_versions: dict[tuple[int, date], int] = {}


def epoch() -> int:
    return _epoch


def base_epoch() -> int:
    return _base_epoch


def day_version(hall_id: int, day: date) -> int:
    return _day_versions.get((hall_id, day), 0)


def calendar_changed() -> None:
    """Everything cached is stale (a closure, a hall or the hours changed)."""
    global _epoch, _base_epoch
    _epoch = _base_epoch = next(_counter)


def days_changed(keys: Iterable[tuple[int, date]]) -> None:
    """Bookings changed on these (hall, UTC day)s: their spans and every answer are stale."""
    global _epoch
    _epoch = next(_counter)
    if len(_day_versions) > MAX_DAY_MARKS:  # forget old marks; the base epoch covers them
        _day_versions.clear()
        calendar_changed()
    for key in keys:
        _day_versions[key] = next(_counter)


def utc_days(start: datetime, end: datetime) -> Iterator[date]:
    """The UTC days [start, end] touches (end included: a span ending at midnight still
    bounds the next day's first start by its buffer)."""
    return utc_days_between(start.astimezone(UTC).date(), end.astimezone(UTC).date())


def utc_days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


_SPAN_ATTRIBUTES = ("start_at", "blocked_until", "hall_id")


def _booking_days(booking: Booking) -> set[tuple[int, date]]:
    state = inspect(booking)
    if not any(name in state.committed_state for name in _SPAN_ATTRIBUTES):
        # Hall and times as they were (a status change, a payment, a new or deleted row):
        # the current values are all there is, without building three attribute histories.
        if None in (booking.hall_id, booking.start_at, booking.blocked_until):
            return set()
        return {
            (booking.hall_id, day) for day in utc_days(booking.start_at, booking.blocked_until)
        }
    starts = set(state.attrs.start_at.history.sum()) | {booking.start_at}
    ends = set(state.attrs.blocked_until.history.sum()) | {booking.blocked_until}
    halls = set(state.attrs.hall_id.history.sum()) | {booking.hall_id}
    values = [v for v in (*starts, *ends) if v is not None]
    if not values or None in halls:
        return set()
    return {(hall, day) for hall in halls for day in utc_days(min(values), max(values))}


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    keys: set[tuple[int, date]] = set()
    everything = False
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Booking):
            keys |= _booking_days(obj)
        elif isinstance(obj, WATCHED):
            everything = True
    if not keys and not everything:
        return
    touched = session.info.setdefault(_TOUCHED, [set(), False])
    touched[0] |= keys
    touched[1] = touched[1] or everything
    _mark(keys, everything)


def _after_commit(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if touched is not None:
        _mark(touched[0], touched[1])


def _after_soft_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_TOUCHED, None)


def _mark(keys: set[tuple[int, date]], everything: bool) -> None:
    if everything:
        calendar_changed()
    if keys:
        days_changed(keys)


for _name, _listener in (
    ("after_flush", _after_flush),
    ("after_commit", _after_commit),
    ("after_soft_rollback", _after_soft_rollback),
):
    if not event.contains(Session, _name, _listener):
        event.listen(Session, _name, _listener)


class TimedCache:
    """A small map whose entries are good for one epoch and until a moment passes."""

    def __init__(self, max_entries: int = 512, current: Callable[[], int] = epoch) -> None:
        self._entries: dict[Any, tuple[int, datetime, Any]] = {}
        self._max = max_entries
        self._current = current

    def get(self, key: Any, now: datetime) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != self._current() or now >= entry[1]:
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


Span = tuple[str, datetime, datetime, datetime | None]  # kind, start, end, hold expiry


class DaySpans:
    """Busy spans and closures of a hall, kept per UTC day with the marks they were read
    under; a day is served while its hall-day version and the base epoch are unchanged and
    none of its holds has lapsed."""

    def __init__(self, max_entries: int = 8192) -> None:
        self._entries: dict[tuple[int, date], tuple[int, int, datetime, tuple[Span, ...]]] = {}
        self._max = max_entries

    def get(
        self, hall_id: int, day: date, now: datetime
    ) -> tuple[datetime, tuple[Span, ...]] | None:
        """(valid until, spans) of a day still good now, or None."""
        entry = self._entries.get((hall_id, day))
        if (
            entry is None
            or entry[0] != _base_epoch
            or entry[1] != _day_versions.get((hall_id, day), 0)
            or now >= entry[2]
        ):
            return None
        return entry[2], entry[3]

    def put(
        self,
        hall_id: int,
        day: date,
        spans: tuple[Span, ...],
        valid_until: datetime,
        marks: tuple[int, int],
    ) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[(hall_id, day)] = (marks[0], marks[1], valid_until, spans)


Marks = tuple[int, tuple[int, ...]]


def window_marks(hall_id: int, start: datetime, end: datetime) -> Marks:
    """The base epoch and the versions of the hall's UTC days [start, end] touches."""
    versions = tuple(_day_versions.get((hall_id, day), 0) for day in utc_days(start, end))
    return _base_epoch, versions


class WindowCache:
    """Answers computed over a window of one hall's days (a month of free starts), good
    while the marks of those days are the ones seen before computing and a moment has not
    passed. While nothing at all has changed since (the epoch), the marks are not even
    looked at: the common case costs one comparison."""

    def __init__(self, max_entries: int = 512) -> None:
        # key -> [epoch last seen valid, marks, valid until, value]
        self._entries: dict[Any, list[Any]] = {}
        self._max = max_entries

    def get(self, key: Any, now: datetime, marks: Callable[[], Marks]) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or now >= entry[2]:
            return None
        if entry[0] != _epoch:
            if marks() != entry[1]:
                return None
            entry[0] = _epoch  # something changed elsewhere; this window is still right
        return entry[3]

    def put(
        self, key: Any, value: Any, marks: Marks, valid_until: datetime, at_epoch: int
    ) -> None:
        """`marks` and `at_epoch` must both be taken before the answer was computed."""
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = [at_epoch, marks, valid_until, value]
