"""One lock between the opening hours and the bookings made by them.

A change of the hours checks the live bookings against the new hours; a hold checks the
hours it is made in. Run at the same moment, each could miss the other (the hold read the
old hours, the change did not yet see the hold) and leave a booking outside the hours.
They are serialised here, so that one of them waits and then sees the other:

- PostgreSQL: a transaction-scoped advisory lock, taken shared by holds and moves (they do
  not wait on each other) and exclusively by a change of the hours;
- SQLite: the database has one writer; a change of the hours writes before it reads the
  bookings, and a hold, a move or more time reads the hours again after its own first
  write (`second_look`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall, hall_calendar
from booking.deps import BookingDeps
from booking.domain.calendar import validate_booking
from db import queries

_KEY = int.from_bytes(hashlib.sha256(b"studio:hours").digest()[:8], "big", signed=True)


async def share_hours(session: AsyncSession) -> None:
    """Before a booking's time is checked against the hours: no change of them until this
    transaction ends (PostgreSQL)."""
    if queries.is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": _KEY})


async def take_hours(session: AsyncSession) -> None:
    """Before the hours are changed: waits for the holds being made, and keeps new ones
    waiting until this transaction ends (PostgreSQL)."""
    if queries.is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _KEY})


async def second_look(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
) -> None:
    """SQLite, after the first write of a hold or a change (under the write lock now): the
    calendar's rules once more for [start, end) in the hall, with the hours as they are now,
    since those read before that write may have changed meanwhile."""
    if queries.is_postgres(session):
        return
    hall = await active_hall(session, hall_id)
    calendar = await hall_calendar(session, hall)
    validate_booking(start, end, calendar, deps.rules.window, (), (), now)
