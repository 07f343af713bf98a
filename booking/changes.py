"""Changes of a confirmed booking: a move to another start or hall, more time.

One mechanism for both. The new span is checked like a new booking's and priced again
(change_parts). What the client owes for it (`owed_for`) decides the path:
- nothing: the booking is moved at once, in one statement the database's no-overlap guard
  judges, so the client never holds both spans nor neither; money paid above a cheaper
  price is refunded or kept (RESCHEDULE_CHEAPER);
- a difference: the time the change adds is held in `change_hold` rows (a race for it is
  lost at that insert), and the booking asks for a `change` payment (booking.paying). Its
  success releases the held rows and moves the booking in one transaction; unpaid when the
  hold lapses, the rows are freed and the booking stays where it was.

A client moves no later than RESCHEDULE_CUTOFF_HOURS before the start, RESCHEDULE_LIMIT
times; admins without limits. Every change writes an event naming who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import change_parts as parts
from booking import stock
from booking.availability import active_hall, load_schedule
from booking.deps import BookingDeps
from booking.domain.calendar import Interval, blocked_interval, check_bounds, validate_booking
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, InvalidTransition, NotFound, SoldOut
from booking.events import EventType, record_event
from booking.refunds import execute_refunds, refund_across_payments
from db import queries
from db.changes import BookingChange
from db.models import Booking, Hall, Payment, Refund


class ChangeKind(StrEnum):
    RESCHEDULE = "reschedule"
    EXTEND = "extend"


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    LAPSED = "lapsed"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: the booking's client, or an admin (`who` names them in the events)."""

    admin: bool
    who: str = "client"


STEP = 15


async def reschedule(
    session: AsyncSession,
    deps: BookingDeps,
    booking_id: int,
    hall_id: int,
    start: datetime,
    end: datetime,
    actor: Actor,
) -> Booking:
    """Move a confirmed booking to [start, end) in `hall_id` (see the module's doc)."""
    booking = await _changeable(session, booking_id)
    now = deps.now()
    if not actor.admin:
        if now > booking.start_at - deps.rules.reschedule_cutoff:
            hours = int(deps.rules.reschedule_cutoff.total_seconds() // 3600)
            raise InvalidTransition(
                "reschedule_closed",
                f"A booking can be moved until {hours} h before its start.",
                hours=hours,
            )
        if booking.moves_made >= deps.rules.reschedule_limit:
            raise InvalidTransition(
                "reschedule_limit",
                "This booking has been moved as many times as allowed.",
                limit=deps.rules.reschedule_limit,
            )
    if (hall_id, start, end) == (booking.hall_id, booking.start_at, booking.end_at):
        raise BookingRuleError("same_slot", "The booking is already at that time.")
    await _drop_pending(session, booking, ChangeStatus.SUPERSEDED)
    hall = await active_hall(session, hall_id)
    check_bounds(start, end, deps.rules.window, now)
    await _check_free(session, deps, booking, hall, start, end, now)
    change = _new_change(deps, booking, ChangeKind.RESCHEDULE, hall, start, end, actor)
    return await _go(session, deps, booking, change)


async def extend(
    session: AsyncSession, deps: BookingDeps, booking_id: int, minutes: int, actor: Actor
) -> Booking:
    """Add `minutes` (15-minute steps) after a confirmed booking, before or during it."""
    if minutes <= 0 or minutes % STEP or minutes > 24 * 60:
        raise BookingRuleError("bad_minutes", "Time is added in 15-minute steps.")
    booking = await _changeable(session, booking_id)
    now = deps.now()
    if booking.end_at <= now:
        raise InvalidTransition("too_late", "The session is over; an admin records overtime.")
    await _drop_pending(session, booking, ChangeStatus.SUPERSEDED)
    hall = await session.get(Hall, booking.hall_id)
    assert hall is not None
    end = booking.end_at + timedelta(minutes=minutes)
    # The start is the booking's own, already begun perhaps: judged as of when it was made.
    as_of = booking.start_at - deps.rules.min_notice
    await _check_free(session, deps, booking, hall, booking.start_at, end, as_of)
    change = _new_change(deps, booking, ChangeKind.EXTEND, hall, booking.start_at, end, actor)
    return await _go(session, deps, booking, change)


async def _changeable(session: AsyncSession, booking_id: int) -> Booking:
    booking = await queries.booking_for_update(session, booking_id)
    if booking is None or booking.status == BookingStatus.CHANGE_HOLD:
        raise NotFound("booking_not_found", "No such booking.")
    if booking.status != BookingStatus.CONFIRMED:
        raise InvalidTransition(
            "invalid_state", f"A {booking.status} booking cannot be changed.",
            status=booking.status,
        )  # fmt: skip
    return booking


async def _check_free(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    hall: Hall,
    start: datetime,
    end: datetime,
    now: datetime,
) -> None:
    """The new span by the calendar's rules, the booking's own time not counted as busy."""
    schedule = await load_schedule(session, deps, hall, start, end)
    own = Interval(booking.start_at, booking.blocked_until)
    busy = [i for i in schedule.busy if not (hall.id == booking.hall_id and i == own)]
    validate_booking(
        start, end, schedule.calendar, deps.rules.window, busy, schedule.closures, now
    )


def _new_change(
    deps: BookingDeps,
    booking: Booking,
    kind: ChangeKind,
    hall: Hall,
    start: datetime,
    end: datetime,
    actor: Actor,
) -> BookingChange:
    now = deps.now()
    priced = parts.reprice(booking, hall, start, end, deps.rules.tz)
    prepay, due = parts.owed_for(booking, priced.total, deps.rules.prepayment_percent)
    return BookingChange(
        booking_id=booking.id,
        kind=kind,
        status=ChangeStatus.PENDING,
        by=actor.who,
        old_hall_id=booking.hall_id,
        old_start_at=booking.start_at,
        old_end_at=booking.end_at,
        hall_id=hall.id,
        start_at=start,
        end_at=end,
        blocked_until=blocked_interval(start, end, hall.buffer_minutes).end,
        old_total=booking.total,
        total=priced.total,
        prepay_amount=prepay,
        price_lines=priced.lines,
        due=due,
        expires_at=now + deps.rules.hold if due else None,
        created_at=now,
        updated_at=now,
    )


async def _go(
    session: AsyncSession, deps: BookingDeps, booking: Booking, change: BookingChange
) -> Booking:
    """Make a change that costs nothing more, or hold its added time and ask for the rest."""
    session.add(change)
    await session.flush()
    if change.due == 0:
        refunds = await _make(session, deps, booking, change)
        await session.commit()
        await execute_refunds(session, deps, [r.id for r in refunds])
        return booking
    await _check_stock_at(session, deps, booking, change)
    await parts.hold_added_time(session, booking, change, deps.now())
    booking.change_id = change.id
    booking.change_due = change.due
    booking.change_expires_at = change.expires_at
    booking.updated_at = deps.now()
    record_event(
        session,
        EventType.CHANGE_REQUESTED,
        booking=booking,
        change=change.kind,
        due=change.due,
        by=change.by,
        **_spans(change),
    )
    await session.commit()
    return booking


async def _make(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    change: BookingChange,
    *,
    check_stock: bool = True,
) -> list[Refund]:
    """Put the booking at the change's span and price, in the caller's transaction. The
    add-ons' stock is checked when the change is asked for (not again when it is paid)."""
    now = deps.now()
    await parts.move_span(
        session, booking, change.hall_id, change.start_at, change.end_at, change.blocked_until
    )
    if check_stock and not await stock.still_free(session, booking, now):
        raise SoldOut("addon_unavailable", "An add-on of the booking is taken at that time.")
    booking.total, booking.prepay_amount = change.total, change.prepay_amount
    booking.price_lines = change.price_lines
    booking.ics_sequence += 1
    if change.kind == ChangeKind.RESCHEDULE and change.by == "client":
        booking.moves_made += 1
    booking.change_id, booking.change_due, booking.change_expires_at = None, 0, None
    booking.updated_at = now
    change.status, change.updated_at = ChangeStatus.APPLIED, now
    surplus = booking.paid - booking.refunded - booking.total
    refunds: list[Refund] = []
    if surplus > 0 and deps.rules.reschedule_cheaper == "refund":
        refunds = await refund_across_payments(
            session, deps, booking, surplus, f"{change.kind}: the new price is lower"
        )
    kind = EventType.BOOKING_MOVED if change.kind == ChangeKind.RESCHEDULE else (
        EventType.BOOKING_EXTENDED
    )  # fmt: skip
    record_event(
        session,
        kind,
        booking=booking,
        by=change.by,
        old_total=change.old_total,
        total=change.total,
        refund_total=sum(r.amount for r in refunds),
        sequence=booking.ics_sequence,
        **_spans(change),
    )
    return refunds


async def _check_stock_at(
    session: AsyncSession, deps: BookingDeps, booking: Booking, change: BookingChange
) -> None:
    """The booking's add-ons at the change's span (the booking itself not counted)."""
    wanted = await stock.booking_addons(session, booking.id)
    await stock.lock_addons(session, [addon.id for addon, _ in wanted if addon.stock is not None])
    await stock.check_stock(
        session, wanted, change.start_at, change.blocked_until, deps.now(), besides=booking.id
    )


def _spans(change: BookingChange) -> dict[str, Any]:
    return {
        "from_hall_id": change.old_hall_id,
        "from_start": change.old_start_at.isoformat(),
        "from_end": change.old_end_at.isoformat(),
        "hall_id": change.hall_id,
        "start": change.start_at.isoformat(),
        "end": change.end_at.isoformat(),
    }


async def apply_change_payment(
    session: AsyncSession, deps: BookingDeps, booking: Booking, payment: Payment
) -> bool:
    """A succeeded `change` payment makes its pending change (the caller has both rows
    locked). False when there is none it pays for (superseded, lapsed and its time freed):
    the caller treats the money like any other (a balance, or refunded)."""
    if booking.change_id is None or booking.status != BookingStatus.CONFIRMED:
        return False
    change = await session.get(BookingChange, booking.change_id)
    if change is None or change.status != ChangeStatus.PENDING or change.due != payment.amount:
        return False
    if not await parts.release(session, change.id):
        return False
    booking.paid += payment.amount
    payment.applied = True
    await _make(session, deps, booking, change, check_stock=False)
    return True


async def _drop_pending(session: AsyncSession, booking: Booking, status: ChangeStatus) -> None:
    """End the booking's pending change (a new one replaces it, the hold lapsed, the booking
    is cancelled): its held time is freed and it asks for nothing more."""
    if booking.change_id is None:
        return
    change = await session.get(BookingChange, booking.change_id)
    await parts.release(session, booking.change_id)
    booking.change_id, booking.change_due, booking.change_expires_at = None, 0, None
    if change is not None and change.status == ChangeStatus.PENDING:
        change.status = status
        if status == ChangeStatus.LAPSED:
            record_event(session, EventType.CHANGE_LAPSED, booking=booking, change=change.kind)


async def drop_pending_change(session: AsyncSession, booking: Booking) -> None:
    """For a cancellation: the booking's pending change ends with it."""
    await _drop_pending(session, booking, ChangeStatus.SUPERSEDED)


async def lapse_changes(session: AsyncSession, deps: BookingDeps, limit: int = 200) -> int:
    """Pending changes whose hold has lapsed unpaid: their time is freed, the bookings stay.
    Each booking is locked and read again, so a payment applied meanwhile wins."""
    now = deps.now()
    stmt = (
        select(BookingChange.booking_id)
        .where(BookingChange.status == ChangeStatus.PENDING, BookingChange.expires_at <= now)
        .order_by(BookingChange.booking_id)
        .limit(limit)
    )
    lapsed = 0
    for booking_id in dict.fromkeys((await session.scalars(stmt)).all()):
        booking = await queries.booking_for_update(session, booking_id)
        assert booking is not None
        stale = select(BookingChange).where(
            BookingChange.booking_id == booking_id,
            BookingChange.status == ChangeStatus.PENDING,
            BookingChange.expires_at <= now,
        )
        for change in (await session.scalars(stale)).all():
            if booking.change_id == change.id:
                await _drop_pending(session, booking, ChangeStatus.LAPSED)
            else:  # left behind by a booking that moved on: only its rows to free
                await parts.release(session, change.id)
                change.status = ChangeStatus.SUPERSEDED
            lapsed += 1
    await session.commit()
    return lapsed
