"""The outbox relay: every event reaches its handlers once, retried until it does."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db import queries
from db.models import Booking, Client, Event, Hall
from notifications.outbox import (
    Channels,
    admin_languages,
    backoff,
    read_known_keys,
    render_event,
)

log = logging.getLogger(__name__)


async def relay_events(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    limit: int = 200,
) -> int:
    """Hand pending events to their handlers: the claimed batch in one transaction (its
    rows stay locked, and a booking or hall shared by several events is read once); if any
    handler fails, the batch is undone and relayed again one event per transaction, so one
    bad event cannot hold back the others."""
    async with sessionmaker() as session:
        events = await queries.pending_events(session, deps.now(), limit)
        ids = [event.id for event in events]
        try:
            # Referenced here so the session's identity map keeps them while the batch renders.
            _subjects, languages = await _load_subjects(session, channels, events)
            await read_known_keys(session, ids)
            for event in events:
                await render_event(session, deps, channels, event, languages)
                event.processed_at = deps.now()
            await session.commit()
            return len(ids)
        except Exception:  # a handler bug: find the event, keep the rest moving
            await session.rollback()
            log.warning("event batch failed; relaying one by one", extra={"events": len(ids)})
    done = 0
    for event_id in ids:
        if await _relay_one(sessionmaker, deps, channels, event_id):
            done += 1
    return done


async def _load_subjects(
    session: AsyncSession, channels: Channels, events: Sequence[Event]
) -> tuple[list[object], dict[int, str]]:
    """The batch's bookings, their halls and clients in three statements, so that
    render_event finds them in the session instead of reading each one by one; and the
    admins' languages, read with the clients."""
    booking_ids = {event.booking_id for event in events if event.booking_id is not None}
    if not booking_ids:  # events about no booking (the audit's) still go to the admins
        return [], await admin_languages(session, channels)
    bookings = (await session.scalars(select(Booking).where(Booking.id.in_(booking_ids)))).all()
    hall_ids = {booking.hall_id for booking in bookings}
    client_ids = {booking.client_id for booking in bookings}
    admins = channels.admin_telegram_ids if channels.telegram else ()
    halls = (await session.scalars(select(Hall).where(Hall.id.in_(hall_ids)))).all()
    stmt = select(Client).where(or_(Client.id.in_(client_ids), Client.telegram_id.in_(admins)))
    clients = (await session.scalars(stmt)).all()
    languages = {c.telegram_id: c.language for c in clients if c.telegram_id in admins}
    return [*bookings, *halls, *clients], languages


async def _relay_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    event_id: int,
) -> bool:
    async with sessionmaker() as session:
        stmt = select(Event).where(Event.id == event_id, Event.processed_at.is_(None))
        stmt = queries.locked(stmt, session, skip_locked=True)
        event = (await session.scalars(stmt)).first()
        if event is None:
            return False  # another process has it, or it is done
        try:
            await render_event(session, deps, channels, event)
            event.processed_at = deps.now()
            await session.commit()
            return True
        except Exception as exc:  # a handler bug must not stop the relay of other events
            await session.rollback()
            log.exception("event handler failed", extra={"event_id": event_id})
            error = f"{type(exc).__name__}: {exc}"[:500]
    async with sessionmaker() as session:
        event = await session.get(Event, event_id)
        if event is not None and event.processed_at is None:
            event.attempts += 1
            event.last_error = error
            event.next_attempt_at = backoff(event.attempts, deps.now())
            await session.commit()
    return False
