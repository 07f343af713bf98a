"""Making a change of a booking (booking/changes.py decides which and whether): the span,
price and money moved in the caller's transaction; a `change` payment that makes its pending
change; pending changes ended when replaced, cancelled with their booking, or lapsed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, stock
from booking import change_parts as parts
from booking.change_price import record_repriced
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import Forbidden, InvalidTransition, SoldOut
from booking.events import EventType, record_event
from booking.pricing import certificate_paid
from booking.refunds import owed_back, refund_across_payments
from db import queries
from db.changes import BookingChange
from db.models import Booking, Payment, Refund
from db.outbox import Reminder


class ChangeKind(StrEnum):
    RESCHEDULE = "reschedule"
    EXTEND = "extend"
    #: Time used past the end, recorded by an admin after the session (booking/overtime.py).
    OVERTIME = "overtime"


#: A booking whose pending change a payment can still make: overtime comes after the session.
PAYABLE = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
EVENTS = {
    ChangeKind.RESCHEDULE: EventType.BOOKING_MOVED,
    ChangeKind.EXTEND: EventType.BOOKING_EXTENDED,
    ChangeKind.OVERTIME: EventType.OVERTIME_PAID,
}


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    LAPSED = "lapsed"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: the booking's client, or an admin (`who` names them in the events).
    `refund_limit`: the most (kopecks) a change of theirs may refund at once (an admin who
    is not an owner: ADMIN_REFUND_LIMIT); None: no limit."""

    admin: bool
    who: str = "client"
    refund_limit: int | None = None


async def make_change(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    change: BookingChange,
    *,
    check_stock: bool = True,
    refund_limit: int | None = None,
) -> list[Refund]:
    """Put the booking at the change's span and price, in the caller's transaction. The
    add-ons' stock is checked when the change is asked for (not again when it is paid).
    A refund above `refund_limit` is refused (403 `refund_over_limit`): the caller rolls
    back."""
    now = deps.now()
    if change.kind != ChangeKind.OVERTIME:  # overtime changes the price, not the time
        await parts.move_span(
            session, booking, change.hall_id, change.start_at, change.end_at, change.blocked_until
        )
        booking.ics_sequence += 1
    if change.kind == ChangeKind.RESCHEDULE:  # the reminders sent were for the old time
        await session.execute(delete(Reminder).where(Reminder.booking_id == booking.id))
    if check_stock and not await stock.still_free(session, booking, now):
        raise SoldOut("addon_unavailable", "An add-on of the booking is taken at that time.")
    if change.kind != ChangeKind.OVERTIME:
        await record_repriced(session, booking, change)
    gift = certificate_paid(booking)
    booking.total, booking.prepay_amount = change.total, change.prepay_amount
    booking.price_lines = change.price_lines
    if gift > certificate_paid(booking):  # cheaper than the certificate paid: the rest back
        await certificates.spend_less(session, booking, gift - certificate_paid(booking), now)
    if change.kind == ChangeKind.RESCHEDULE and change.by == "client":
        booking.moves_made += 1
    booking.change_id, booking.change_due, booking.change_expires_at = None, 0, None
    booking.updated_at = now
    change.status, change.updated_at = ChangeStatus.APPLIED, now
    # Refunds reserved and not made yet (cash still to hand over) are not the client's to
    # get back a second time.
    surplus = (
        booking.paid - booking.refunded - await owed_back(session, booking.id) - booking.total
    )
    refunds: list[Refund] = []
    if surplus > 0 and deps.rules.reschedule_cheaper == "refund":
        if refund_limit is not None and surplus > refund_limit:
            raise Forbidden(
                "refund_over_limit",
                f"Refunds above {refund_limit} kopecks need an owner.",
                limit=refund_limit,
            )
        refunds = await refund_across_payments(
            session,
            deps,
            booking,
            surplus,
            f"{change.kind}: the new price is lower",
            by_client=change.by == "client",
        )
    refund_total = sum(r.amount for r in refunds)
    record_event(
        session,
        EVENTS[ChangeKind(change.kind)],
        booking=booking,
        by=change.by,
        old_total=change.old_total,
        total=change.total,
        refund_total=refund_total,
        money=await money_after(session, booking, refund_total),
        sequence=booking.ics_sequence,
        **spans(change),
        **freed(change),
    )
    return refunds


async def money_after(
    session: AsyncSession, booking: Booking, refund_total: int
) -> dict[str, int]:
    """The booking's money as its change leaves it (booking.pricing.MoneyState), for the
    messages about the change, written later: what is asked for, what was paid and is kept
    (every refund made or under way taken off), the refunds made and those under way, both
    without this change's own (`refund_total`, told apart), what a gift certificate pays."""
    under_way = await owed_back(session, booking.id)
    own_under_way = min(refund_total, under_way)  # reserved just now, made after the commit
    return {
        "to_pay": booking.total,
        "paid": max(booking.paid - booking.refunded - under_way, 0),
        "refunded": max(booking.refunded - (refund_total - own_under_way), 0),
        "returning": under_way - own_under_way,
        "certificate": certificate_paid(booking),
    }


async def check_stock_at(
    session: AsyncSession, deps: BookingDeps, booking: Booking, change: BookingChange
) -> None:
    """The booking's add-ons at the change's span (the booking itself not counted)."""
    wanted = await stock.booking_addons(session, booking.id)
    await stock.lock_addons(session, [addon.id for addon, _ in wanted if addon.stock is not None])
    await stock.check_stock(
        session, wanted, change.start_at, change.blocked_until, deps.now(), besides=booking.id
    )


def freed(change: BookingChange) -> dict[str, Any]:
    """A move frees the booking's old time: the waitlist of that day hears of it."""
    if change.kind != ChangeKind.RESCHEDULE:
        return {}
    return {"freed_hall_id": change.old_hall_id, "freed_start": change.old_start_at.isoformat()}


def spans(change: BookingChange) -> dict[str, Any]:
    """The change's old and new times for its event, all UTC like every event's: a change
    made at once still holds the times as the request gave them (with its offset)."""
    from datetime import UTC  # here, so the change stays within this function

    return {
        "from_hall_id": change.old_hall_id,
        "from_start": change.old_start_at.astimezone(UTC).isoformat(),
        "from_end": change.old_end_at.astimezone(UTC).isoformat(),
        "hall_id": change.hall_id,
        "start": change.start_at.astimezone(UTC).isoformat(),
        "end": change.end_at.astimezone(UTC).isoformat(),
    }


async def apply_change_payment(
    session: AsyncSession, deps: BookingDeps, booking: Booking, payment: Payment
) -> bool:
    """A succeeded `change` payment makes its pending change (the caller has both rows
    locked). False when there is none it pays for (superseded, lapsed and its time freed):
    the caller treats the money like any other (a balance, or refunded)."""
    if booking.change_id is None or booking.status not in PAYABLE:
        return False
    change = await session.get(BookingChange, booking.change_id)
    if change is None or change.status != ChangeStatus.PENDING or change.due != payment.amount:
        return False
    held = change.kind != ChangeKind.OVERTIME and parts.added_time(
        booking, change.hall_id, change.start_at, change.blocked_until
    )
    if not await parts.release(session, change.id) and held:
        return False  # its time was freed: the change lapsed
    booking.paid += payment.amount
    payment.applied = True
    await make_change(session, deps, booking, change, check_stock=False)
    return True


async def refuse_pending(
    session: AsyncSession, booking: Booking, kinds: tuple[ChangeKind, ...]
) -> None:
    """409 `change_pending` when the booking waits for payment of a change of one of `kinds`:
    a change of another kind must not silently replace overtime billed or more time asked
    for (a client's move or more time replaces their own earlier one)."""
    if booking.change_id is None:
        return
    change = await session.get(BookingChange, booking.change_id)
    if change is not None and change.status == ChangeStatus.PENDING and change.kind in kinds:
        raise InvalidTransition(
            "change_pending",
            f"The booking waits for the payment of its {change.kind}; settle it first.",
            change=change.kind,
            due=booking.change_due,
        )


async def drop_pending(
    session: AsyncSession, booking: Booking, status: ChangeStatus, *, by_admin: str | None = None
) -> None:
    """End the booking's pending change (a new one replaces it, the hold lapsed, the booking
    is cancelled): its held time is freed and it asks for nothing more. One lapsed, or
    replaced by an admin's change (`by_admin` names them), ends with `change_lapsed`: its
    payment link may still be paid, and that money then counts toward the balance or is
    refunded (booking.payment_reports)."""
    if booking.change_id is None:
        return
    change = await session.get(BookingChange, booking.change_id)
    await parts.release(session, booking.change_id)
    booking.change_id, booking.change_due, booking.change_expires_at = None, 0, None
    if change is not None and change.status == ChangeStatus.PENDING:
        change.status = status
        if status == ChangeStatus.LAPSED or by_admin:  # the held time is free: the waitlist
            held = await queries.first_held(session, change.id, booking.id)  # hears of it
            span: dict[str, Any] = {}
            if held is not None:
                span = {"freed_hall_id": held.hall_id, "freed_start": held.start_at.isoformat()}
            if by_admin:
                span["superseded_by"] = by_admin
            record_event(
                session, EventType.CHANGE_LAPSED, booking=booking, change=change.kind, **span
            )


async def drop_pending_change(session: AsyncSession, booking: Booking) -> None:
    """For a cancellation: the booking's pending change ends with it."""
    await drop_pending(session, booking, ChangeStatus.SUPERSEDED)


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
                await drop_pending(session, booking, ChangeStatus.LAPSED)
            else:  # left behind by a booking that moved on: only its rows to free
                await parts.release(session, change.id)
                change.status = ChangeStatus.SUPERSEDED
            lapsed += 1
    await session.commit()
    return lapsed
