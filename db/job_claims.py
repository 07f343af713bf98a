"""The rows background jobs claim: holds to expire, bookings to complete, events to hand on
and messages to send. Each claim locks its rows skipping those another process holds, so
that two processes never take the same one (db/queries.py `locked`). None of them commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased

from db.models import Booking
from db.outbox import Event, Notification
from db.queries import locked


async def due_holds(session: AsyncSession, now: datetime, limit: int) -> Sequence[Booking]:
    """Expired holds, claimed so that two processes never expire the same one."""
    return await _claimed_when_due(session, "pending_payment", Booking.hold_expires_at, now, limit)


async def finished_bookings(session: AsyncSession, now: datetime, limit: int) -> Sequence[Booking]:
    return await _claimed_when_due(session, "confirmed", Booking.end_at, now, limit)


async def _claimed_when_due(
    session: AsyncSession, status: str, due_at: QueryableAttribute[Any], now: datetime, limit: int
) -> Sequence[Booking]:
    """Bookings of `status` whose `due_at` has come, soonest first, locked skipping the rows
    another process holds: each of the processes a job runs in takes its own."""
    stmt = (
        select(Booking)
        .where(Booking.status == status, due_at <= now)
        .order_by(due_at)
        .limit(limit)
    )
    return (await session.scalars(locked(stmt, session, skip_locked=True))).all()


async def pending_events(session: AsyncSession, now: datetime, limit: int) -> Sequence[Event]:
    stmt = (
        select(Event)
        .where(
            Event.processed_at.is_(None),
            or_(Event.next_attempt_at.is_(None), Event.next_attempt_at <= now),
        )
        .order_by(Event.id)
        .limit(limit)
    )
    stmt = locked(stmt, session, skip_locked=True)
    return (await session.scalars(stmt)).all()


async def due_notifications(
    session: AsyncSession,
    now: datetime,
    limit: int,
    channels: Sequence[str],
    per_recipient: int | None = None,
) -> Sequence[Notification]:
    """Pending messages that are due, and claimed ones whose sender's lease ran out.

    A recipient with a message being sent under a live lease (by this process or another)
    is left out, and at most `per_recipient` messages of one recipient are returned: one
    chat takes a message a second, so a claim of a whole backlog for one chat would hold
    its tail past the lease. The rows not returned stay unlocked for the next claim."""
    sending = aliased(Notification)
    busy = (
        select(sending.id)
        .where(
            sending.channel == Notification.channel,
            sending.recipient == Notification.recipient,
            sending.status == "sending",
            sending.next_attempt_at > now,
        )
        .exists()
    )
    stmt = (
        select(Notification)
        .where(
            Notification.status.in_(("pending", "sending")),
            Notification.channel.in_(channels),
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            ~busy,
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    stmt = locked(stmt, session, skip_locked=True)
    rows = (await session.scalars(stmt)).all()
    if per_recipient is None:
        return rows
    taken: dict[tuple[str, str], int] = {}
    kept = []
    for row in rows:
        key = (row.channel, row.recipient)
        if taken.get(key, 0) < per_recipient:
            taken[key] = taken.get(key, 0) + 1
            kept.append(row)
    return kept
