"""The outbox relay: every event reaches its handlers once, retried until it does."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db import job_claims, queries
from db.outbox import Event
from notifications.channels import Channels
from notifications.outbox import render_event
from notifications.retries import backoff

log = logging.getLogger(__name__)


async def relay_events(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    limit: int = 200,
) -> int:
    """Hand pending events to their handlers, each in a transaction of its own, so that one
    whose handler fails (retried later, with a back-off) holds back none of the others."""
    async with sessionmaker() as session:
        ids = [event.id for event in await job_claims.pending_events(session, deps.now(), limit)]
    done = 0
    for event_id in ids:
        if await _relay_one(sessionmaker, deps, channels, event_id):
            done += 1
    return done


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
