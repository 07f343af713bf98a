"""Reminders before a session (REMINDER_HOURS, default 24 and 2 hours), each queued once.

A reminder is an event (REMINDER_DUE, payload ``{"hours": h}``) that the outbox relay turns
into messages. The job writes it together with a ``Reminder`` row whose unique key
(booking, hours) makes it happen once, whichever process gets there first.

Which reminder is due: the windows split the time before a start into bands, e.g.
``(start - 24 h, start - 2 h]`` for the 24-hour one and ``(start - 2 h, start)`` for the
2-hour one. A booking gets the reminder of the band it is in, and only if it was booked
before that band began (booked 3 h ahead: no 24-hour reminder, a 2-hour one). After downtime
the larger reminders are skipped for the smaller one, so nobody hears "in 24 h" 3 h before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.events import EventType, record_event
from db.models import Booking
from db.outbox import Reminder

log = logging.getLogger(__name__)

DEFAULT_EVERY_SECONDS = 60.0


def reminder_windows(hours: Iterable[int]) -> list[tuple[int, int]]:
    """(hours, the next smaller window or 0) pairs, smallest first; bad values dropped."""
    ordered = sorted({int(h) for h in hours if int(h) > 0})
    return [(h, ordered[i - 1] if i else 0) for i, h in enumerate(ordered)]


async def queue_due_reminders(
    session: AsyncSession, deps: BookingDeps, hours: Sequence[int]
) -> int:
    """Record the reminders due now (Reminder row + REMINDER_DUE event); commits once.

    Returns how many were queued. Safe to run in several processes at once.
    """
    now = deps.now()
    queued = 0
    for window, smaller in reminder_windows(hours):
        band_start = now + timedelta(hours=smaller)
        band_end = now + timedelta(hours=window)
        already = exists().where(
            Reminder.booking_id == Booking.id, Reminder.hours_before == window
        )
        stmt = (
            select(Booking)
            .where(
                Booking.status == BookingStatus.CONFIRMED,
                Booking.start_at > band_start,
                Booking.start_at <= band_end,
                ~already,
            )
            .order_by(Booking.start_at, Booking.id)
        )
        lead = timedelta(hours=window)
        for booking in (await session.scalars(stmt)).all():
            booked_at = booking.confirmed_at or booking.created_at
            if booked_at > booking.start_at - lead:
                continue  # booked inside this window: the confirmation said it all
            if await _claim(session, booking.id, window, now):
                record_event(session, EventType.REMINDER_DUE, booking=booking, hours=window)
                queued += 1
    await session.commit()
    if queued:
        log.info("reminders queued", extra={"count": queued})
    return queued


async def _claim(session: AsyncSession, booking_id: int, hours: int, now: datetime) -> bool:
    """Insert the Reminder row unless it exists; another process's row wins quietly."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Reminder)
        .values(booking_id=booking_id, hours_before=hours, created_at=now)
        .on_conflict_do_nothing(index_elements=["booking_id", "hours_before"])
        .returning(Reminder.id)
    )
    return (await session.execute(stmt)).first() is not None


async def run_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, hours: Sequence[int]
) -> int:
    """One run of the job, in its own session."""
    async with sessionmaker() as session:
        return await queue_due_reminders(session, deps, hours)


def reminder_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    hours: Sequence[int],
    every: float = DEFAULT_EVERY_SECONDS,
) -> tuple[str, Callable[[], Awaitable[object]], float]:
    """An entry for `JobContext.extra_jobs`: (name, coroutine function, interval seconds)."""
    chosen = tuple(hours)

    async def queue_reminders() -> int:
        return await run_reminders(sessionmaker, deps, chosen)

    return "queue_reminders", queue_reminders, every
