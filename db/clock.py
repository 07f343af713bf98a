"""The service's one clock, and the row stamps it writes.

Every timestamp the service writes or compares comes from one clock object that the
composition root builds (`system_clock`) and tests replace. The models carry no wall-clock
defaults: a session made by `db.session.create_sessionmaker` holds the clock in its `info`,
and before each flush `created_at` and `updated_at` are stamped from it. A session without
a clock cannot write such a row: a second clock would creep back in unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

Clock = Callable[[], datetime]

CLOCK_KEY = "clock"


def system_clock() -> datetime:
    """The wall clock, in UTC: the one production uses."""
    return datetime.now(UTC)


def session_clock(session: Session | AsyncSession) -> Clock:
    """The clock the session was made with."""
    clock = session.info.get(CLOCK_KEY)
    if clock is None:
        raise RuntimeError("a session writes rows only with the service's clock in its info")
    return clock


@event.listens_for(Session, "before_flush")
def _stamp_rows(session: Session, _context: Any, _instances: Any) -> None:
    """New rows get `created_at` (and `updated_at`) now, changed rows `updated_at`, unless
    the use case set them itself."""
    stamped = [obj for obj in session.new if hasattr(obj, "created_at")]
    changed = [
        obj
        for obj in session.dirty
        if hasattr(obj, "updated_at") and session.is_modified(obj, include_collections=False)
    ]
    if not stamped and not changed:
        return
    now = session_clock(session)()
    for obj in stamped:
        if obj.created_at is None:
            obj.created_at = now
        if hasattr(obj, "updated_at") and obj.updated_at is None:
            obj.updated_at = now
    for obj in changed:
        if not inspect(obj).attrs.updated_at.history.has_changes():
            obj.updated_at = now
