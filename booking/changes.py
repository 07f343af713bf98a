"""Changes of a confirmed booking: a move to another start or hall, more time.

One mechanism for both. The new span is checked like a new booking's and priced as one
with the booking's recorded choices (change_price); another hall must take the people its
client chose and offer its add-ons. What the client owes for it (`owed_for`) decides the
path:
- nothing: the booking is moved at once, in one statement the database's no-overlap guard
  judges, so the client never holds both spans nor neither; money paid above a cheaper
  price is refunded or kept (RESCHEDULE_CHEAPER);
- a difference asked of the client: the time the change adds is held in `change_hold` rows
  (a race for it is lost at that insert), and the booking asks for a `change` payment
  (booking.paying). Its success releases the held rows and moves the booking in one
  transaction; unpaid when the hold lapses, the rows are freed and the booking stays.

Overtime billed and waiting for its payment is not replaced by a move or more time (409
`change_pending`); a client's move or more time replaces their own earlier one.

A client moves no later than RESCHEDULE_CUTOFF_HOURS before the start, RESCHEDULE_LIMIT
times. Admins move without those limits, and at once: a difference they cause is left for
the client to pay as the booking's balance. Every change writes an event naming who made it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking import change_parts as parts
from booking.admin_ops import resolve_hall
from booking.availability import active_hall, load_schedule
from booking.change_making import (
    Actor,
    ChangeKind,
    ChangeStatus,
    check_stock_at,
    drop_pending,
    make_change,
    refuse_pending,
    spans,
)
from booking.change_price import reprice
from booking.change_quote import ChangeQuote, Shown, check_priced, check_unchanged, quote_for
from booking.deps import BookingDeps
from booking.domain.calendar import Interval, blocked_interval, check_bounds, validate_booking
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, InvalidTransition, NotFound
from booking.events import EventType, record_event
from booking.hours_lock import second_look, share_hours
from booking.refunds import execute_refunds, owed_back
from db import queries
from db.changes import BookingChange
from db.models import Booking, Hall

STEP = 15


async def reschedule(
    session: AsyncSession,
    deps: BookingDeps,
    booking_id: int,
    hall_id: int,
    start: datetime,
    end: datetime,
    actor: Actor,
    *,
    shown: Shown | None = None,
    dearer: bool = False,
) -> Booking:
    """Move a confirmed booking to [start, end) in `hall_id` (see the module's doc).
    `shown`: what the client confirmed (booking/change_quote.py); refused if it differs.
    `dearer`: the client was quoted a difference to pay first; 400 `price_changed` when the
    move costs no more by now, so it is not made (nor money refunded) unconfirmed."""
    span = Interval(start, end)
    booking, change, now = await _prepared_move(
        session, deps, booking_id, hall_id, span, actor, shown
    )
    if shown is not None:
        check_priced(await quote_for(session, deps, booking, change), shown)
    elif dearer and change.due == 0:
        raise BookingRuleError("price_changed", "The price of the change has changed.")
    return await _go(session, deps, booking, change, actor, now)


async def quote_move(
    session: AsyncSession, deps: BookingDeps, booking_id: int, hall_id: int, span: Interval
) -> ChangeQuote:
    """What the client's move to `span` in `hall_id` would cost and do with the money paid,
    checked as the move itself is; nothing is kept (the transaction is rolled back)."""
    try:
        booking, change, _ = await _prepared_move(
            session, deps, booking_id, hall_id, span, Actor(admin=False), None
        )
        await check_stock_at(session, deps, booking, change)
        return await quote_for(session, deps, booking, change)
    finally:
        await session.rollback()


async def _prepared_move(
    session: AsyncSession,
    deps: BookingDeps,
    booking_id: int,
    hall_id: int,
    span: Interval,
    actor: Actor,
    shown: Shown | None,
) -> tuple[Booking, BookingChange, datetime]:
    """The booking locked and checked, and the move priced (not added to the session)."""
    start, end = span.start, span.end
    booking = await _changeable(session, booking_id)
    if shown is not None:
        check_unchanged(booking, hall_id, start, end, shown)
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
    await refuse_pending(session, booking, (ChangeKind.OVERTIME,))
    await drop_pending(session, booking, ChangeStatus.SUPERSEDED, by_admin=_admin(actor))
    hall = await active_hall(session, hall_id)
    await parts.check_fits(session, booking, hall)
    check_bounds(start, end, deps.rules.window, now)
    await _check_free(session, deps, booking, hall, start, end, now)
    change = await _new_change(
        session, deps, booking, ChangeKind.RESCHEDULE, hall, start, end, actor
    )
    return booking, change, now


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
    await refuse_pending(session, booking, (ChangeKind.OVERTIME,))
    await drop_pending(session, booking, ChangeStatus.SUPERSEDED, by_admin=_admin(actor))
    hall = await session.get(Hall, booking.hall_id)
    assert hall is not None
    end = booking.end_at + timedelta(minutes=minutes)
    # The start is the booking's own, already begun perhaps, and an extension starts
    # nothing: it is judged as of a moment before it with its notice (none or more).
    as_of = booking.start_at - deps.rules.min_notice - timedelta(minutes=1)
    await _check_free(session, deps, booking, hall, booking.start_at, end, as_of)
    change = await _new_change(
        session, deps, booking, ChangeKind.EXTEND, hall, booking.start_at, end, actor
    )
    return await _go(session, deps, booking, change, actor, as_of)


def _admin(actor: Actor) -> str | None:
    """Who ends a client's pending change by changing the booking themselves."""
    return actor.who if actor.admin else None


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
    """The new span by the calendar's rules, the booking's own time not counted as busy
    (a shift by half an hour overlaps it): the same as the bot shows during a move."""
    await share_hours(session)  # no change of the hours until this one is made
    schedule = await load_schedule(session, deps, hall, start, end, besides=booking.id)
    validate_booking(
        start, end, schedule.calendar, deps.rules.window, schedule.busy, schedule.closures, now
    )


async def _new_change(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    kind: ChangeKind,
    hall: Hall,
    start: datetime,
    end: datetime,
    actor: Actor,
) -> BookingChange:
    now = deps.now()
    priced = await reprice(session, booking, hall, start, end, deps.rules.tz)
    owed = await owed_back(session, booking.id)
    prepay, due = parts.owed_for(booking, priced.total, deps.rules.prepayment_percent, owed)
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
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    change: BookingChange,
    actor: Actor,
    as_of: datetime,
) -> Booking:
    """Make a change that costs nothing more (or one an admin makes), or hold its added
    time and ask for the rest. `as_of`: the moment its span was checked as of (_check_free)."""
    session.add(change)
    await session.flush()
    # The hours read by _check_free may have changed since on SQLite (booking.hours_lock).
    await second_look(session, deps, change.hall_id, change.start_at, change.end_at, as_of)
    if change.due == 0 or actor.admin:
        refunds = await make_change(
            session, deps, booking, change, refund_limit=actor.refund_limit
        )
        await session.commit()
        await execute_refunds(session, deps, [r.id for r in refunds])
        return booking
    await check_stock_at(session, deps, booking, change)
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
        **spans(change),
    )
    await session.commit()
    return booking


async def move_by_code(
    session: AsyncSession,
    deps: BookingDeps,
    code: str,
    start: datetime,
    hall_ref: str | None,
    actor: Actor,
) -> Booking:
    """An admin's move by the booking's code: its length kept, its hall unless named (by
    id or slug)."""
    booking = await by_code(session, code)
    hall_id = (await resolve_hall(session, hall_ref)).id if hall_ref else booking.hall_id
    end = start + (booking.end_at - booking.start_at)
    return await reschedule(session, deps, booking.id, hall_id, start, end, actor)


async def by_code(session: AsyncSession, code: str) -> Booking:
    """A client's booking by its code (the rows holding time for changes are no one's)."""
    booking = await queries.booking_by_code(session, code.strip())
    if booking is None or queries.is_change_hold(booking):
        raise NotFound("booking_not_found", f"No booking with code {code!r}.")
    return booking
