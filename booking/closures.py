"""Closures: an owner closes a hall or the whole studio for a period, refused over live
bookings unless forced (the bookings stay as they are either way), and removes a closure;
admins see the closures to come. Closing and reopening commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.admin_ops import BookingView, resolve_hall, with_refunds_under_way
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, DomainError, NotFound
from booking.events import EventType, record_event
from db import queries
from db.changes import BookingChange
from db.models import Booking, Client, Closure, Hall


class ClosureConflict(DomainError):
    """The period overlaps live bookings; closing it anyway needs `force`."""

    def __init__(self, bookings: Sequence[BookingView]) -> None:
        super().__init__(
            "closure_conflict", f"The period overlaps {len(bookings)} live booking(s)."
        )
        self.bookings = list(bookings)


async def live_bookings_between(
    session: AsyncSession, deps: BookingDeps, hall_id: int | None, start: datetime, end: datetime
) -> list[BookingView]:
    """Confirmed bookings and unexpired holds (a hold paid later would confirm) overlapping,
    and the bookings whose pending change holds time there (paid later, it moves them)."""
    now = deps.now()
    held, parent, holding = queries.held_for_changes(now)
    holding = holding.where(held.start_at < end, held.end_at > start, BookingChange.end_at > start)
    if hall_id is not None:
        holding = holding.where(held.hall_id == hall_id)
    own = (Booking.start_at < end) & (Booking.end_at > start)
    if hall_id is not None:
        own = own & (Booking.hall_id == hall_id)
    stmt = (
        select(Booking, Hall, Client)
        .join(Hall, Hall.id == Booking.hall_id)
        .join(Client, Client.id == Booking.client_id)
        .where(
            or_(
                own
                & or_(
                    Booking.status == BookingStatus.CONFIRMED,
                    (Booking.status == BookingStatus.PENDING_PAYMENT)
                    & (Booking.hold_expires_at > now),
                ),
                Booking.id.in_(holding.with_only_columns(parent.id)),
            ),
        )
        .order_by(Booking.start_at, Booking.id)
    )
    return await with_refunds_under_way(session, list(await session.execute(stmt)))


async def close_period(
    session: AsyncSession,
    deps: BookingDeps,
    hall_ref: str | None,
    start: datetime,
    end: datetime,
    reason: str,
    *,
    force: bool = False,
) -> tuple[Closure, Hall | None, list[BookingView]]:
    """Close a hall (or, `hall_ref` None, the studio) for [start, end).

    Refused with ClosureConflict when live bookings overlap, unless `force`; the bookings
    stay as they are either way (an admin cancels them one by one if needed).
    """
    if end <= start:
        raise BookingRuleError("bad_range", "The end must be after the start.")
    if end <= deps.now():
        raise BookingRuleError("in_past", "The period is already over.")
    hall = await resolve_hall(session, hall_ref) if hall_ref is not None else None
    conflicts = await live_bookings_between(session, deps, hall.id if hall else None, start, end)
    if conflicts and not force:
        raise ClosureConflict(conflicts)
    closure = Closure(
        hall_id=hall.id if hall else None,
        start_at=start,
        end_at=end,
        reason=reason[:500],
        created_at=deps.now(),
    )
    session.add(closure)
    await session.flush()
    record_event(
        session,
        EventType.CLOSURE_CREATED,
        closure_id=closure.id,
        hall_id=closure.hall_id,
        start=start.isoformat(),
        end=end.isoformat(),
        reason=closure.reason,
        forced=bool(conflicts),
    )
    await session.commit()
    return closure, hall, conflicts


async def reopen(session: AsyncSession, closure_id: int) -> tuple[Closure, Hall | None]:
    """Remove a closure; its time is bookable again."""
    closure = await session.get(Closure, closure_id)
    if closure is None:
        raise NotFound("closure_not_found", f"No closure {closure_id}.")
    hall = await session.get(Hall, closure.hall_id) if closure.hall_id is not None else None
    record_event(
        session,
        EventType.CLOSURE_REMOVED,
        closure_id=closure.id,
        hall_id=closure.hall_id,
        start=closure.start_at.isoformat(),
        end=closure.end_at.isoformat(),
    )
    await session.delete(closure)
    await session.commit()
    return closure, hall


async def upcoming_closures(
    session: AsyncSession, deps: BookingDeps
) -> list[tuple[Closure, Hall | None]]:
    stmt = (
        select(Closure, Hall)
        .outerjoin(Hall, Hall.id == Closure.hall_id)
        .where(Closure.end_at > deps.now())
        .order_by(Closure.start_at, Closure.id)
    )
    return [(c, h) for c, h in await session.execute(stmt)]
