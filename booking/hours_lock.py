"""One lock between the opening hours and the bookings made by them.

A change of the hours checks the live bookings against the new hours; a hold checks the
hours it is made in. Run at the same moment, each could miss the other (the hold read the
old hours, the change did not yet see the hold) and leave a booking outside the hours.
They are serialised here, so that one of them waits and then sees the other:

- PostgreSQL: a transaction-scoped advisory lock, taken shared by holds and moves (they do
  not wait on each other) and exclusively by a change of the hours;
- SQLite: the database has one writer; a change of the hours writes before it reads the
  bookings, and a hold reads the hours again after its own first write.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

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


def needs_second_look(session: AsyncSession) -> bool:
    """SQLite: the hours a hold read before its first write may have changed since."""
    return not queries.is_postgres(session)
