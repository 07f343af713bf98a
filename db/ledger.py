"""Read-only queries of the money audit (`booking.audit`): where the stored totals and the
rows they sum disagree. None of them writes; each reads the whole ledger once, which a
daily check can afford (a studio has thousands of bookings, not millions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.models import Booking, Payment, Refund
from db.outbox import Event

PAID = ("succeeded", "partially_refunded", "refunded")
WAITING = ("pending", "authorized")
#: Refunds that hold their amount of the payment: made, or still to be made.
HOLDING = ("pending", "succeeded")
LIVE = ("pending_payment", "confirmed", "completed", "change_hold")

Rows: TypeAlias = Sequence[Row[*tuple[Any, ...]]]


async def sizes(session: AsyncSession) -> dict[str, int]:
    """How many bookings, payments and refunds the audit looked at."""
    found = {}
    for name, model in (("bookings", Booking), ("payments", Payment), ("refunds", Refund)):
        found[name] = int(await session.scalar(select(func.count()).select_from(model)) or 0)
    return found


async def paid_mismatches(session: AsyncSession) -> Rows:
    """Bookings whose `paid` is not the sum of the paid payments counted in it."""
    counted = select(func.sum(Payment.amount)).where(
        Payment.booking_id == Booking.id, Payment.applied, Payment.status.in_(PAID)
    )
    return await _total_mismatches(session, Booking.paid, counted)


async def refunded_mismatches(session: AsyncSession) -> Rows:
    """Bookings whose `refunded` is not the sum of the succeeded refunds of their counted
    payments (a refund of a payment that never counted returns money never counted)."""
    returned = (
        select(func.sum(Refund.amount))
        .join(Payment, Payment.id == Refund.payment_id)
        .where(Refund.booking_id == Booking.id, Refund.status == "succeeded", Payment.applied)
    )
    return await _total_mismatches(session, Booking.refunded, returned)


async def _total_mismatches(
    session: AsyncSession, stored: InstrumentedAttribute[int], rows_sum: Select[int]
) -> Rows:
    """Bookings whose stored total is not the sum of their rows (`rows_sum`, correlated to
    the booking; no rows sum to 0): id, code, `stored` and `summed`."""
    summed = func.coalesce(rows_sum.scalar_subquery(), 0)
    stmt = (
        select(Booking.id, Booking.code, stored.label("stored"), summed.label("summed"))
        .where(stored != summed)
        .order_by(Booking.id)
    )
    return (await session.execute(stmt)).all()


async def payment_refund_totals(session: AsyncSession) -> Rows:
    """Every payment with refunds, a refunded total, or money that counts in no booking: its
    amount, status, recorded `refunded`, the refunds that hold part of it (made or still to
    be made), and its smallest refund."""
    holding = (
        select(Refund.payment_id, func.sum(Refund.amount).label("held"))
        .where(Refund.status.in_(HOLDING))
        .group_by(Refund.payment_id)
        .subquery()
    )
    smallest = (
        select(Refund.payment_id, func.min(Refund.amount).label("smallest"))
        .group_by(Refund.payment_id)
        .subquery()
    )
    stmt = (
        select(
            Payment.id,
            Payment.booking_id,
            Payment.amount,
            Payment.status,
            Payment.applied,
            Payment.refunded,
            func.coalesce(holding.c.held, 0).label("held"),
            smallest.c.smallest,
        )
        .outerjoin(holding, holding.c.payment_id == Payment.id)
        .outerjoin(smallest, smallest.c.payment_id == Payment.id)
        .where(
            holding.c.held.is_not(None)
            | (Payment.refunded != 0)
            | (~Payment.applied & Payment.status.in_(PAID))
        )
        .order_by(Payment.id)
    )
    return (await session.execute(stmt)).all()


async def orphan_payments(session: AsyncSession) -> Rows:
    """Payments whose booking does not exist."""
    stmt = (
        select(Payment.id, Payment.booking_id)
        .outerjoin(Booking, Booking.id == Payment.booking_id)
        .where(Booking.id.is_(None))
        .order_by(Payment.id)
    )
    return (await session.execute(stmt)).all()


async def misplaced_refunds(session: AsyncSession) -> Rows:
    """Refunds whose payment does not exist or belongs to another booking."""
    stmt = (
        select(
            Refund.id,
            Refund.booking_id,
            Refund.payment_id,
            Payment.booking_id.label("payment_booking_id"),
        )
        .outerjoin(Payment, Payment.id == Refund.payment_id)
        .where((Payment.id.is_(None)) | (Payment.booking_id != Refund.booking_id))
        .order_by(Refund.id)
    )
    return (await session.execute(stmt)).all()


async def confirmed_without_money(session: AsyncSession) -> Rows:
    """Confirmed or completed bookings with a price and no paid payment counted in them
    (the audit then looks for an admin's confirmation by hand)."""
    paid = (
        select(Payment.id)
        .where(Payment.booking_id == Booking.id, Payment.applied, Payment.status.in_(PAID))
        .exists()
    )
    stmt = (
        select(Booking.id, Booking.code, Booking.status, Booking.total)
        .where(Booking.status.in_(("confirmed", "completed", "no_show")), Booking.total > 0, ~paid)
        .order_by(Booking.id)
    )
    return (await session.execute(stmt)).all()


async def confirmation_payloads(session: AsyncSession, booking_ids: Sequence[int]) -> Rows:
    """The `booking.confirmed` events of these bookings: who confirmed each, and how."""
    if not booking_ids:
        return []
    stmt = select(Event.booking_id, Event.payload).where(
        Event.type == "booking.confirmed", Event.booking_id.in_(booking_ids)
    )
    return (await session.execute(stmt)).all()


async def priced_bookings(session: AsyncSession) -> Rows:
    """Every booking's total and price lines (None for those made before the lines), to
    check that the lines add up to the total however the booking was changed."""
    stmt = select(Booking.id, Booking.code, Booking.total, Booking.price_lines).order_by(
        Booking.id
    )
    return (await session.execute(stmt)).all()


async def live_spans(session: AsyncSession) -> Rows:
    """Every booking that occupies its hall, by hall and start: what the overlap check
    sweeps (in one pass, rather than a self-join over each hall's whole history)."""
    stmt = (
        select(Booking.id, Booking.code, Booking.hall_id, Booking.start_at, Booking.blocked_until)
        .where(Booking.status.in_(LIVE))
        .order_by(Booking.hall_id, Booking.start_at, Booking.id)
    )
    return (await session.execute(stmt)).all()


async def waiting_payments(session: AsyncSession, created_before: datetime) -> Rows:
    """Payments still waiting for the gateway's word, made before the given time, that no
    admin has been told about; with their booking's code."""
    stmt = (
        select(Payment.id, Payment.gateway, Payment.amount, Payment.created_at, Booking.code)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(
            Payment.status.in_(WAITING),
            Payment.created_at < created_before,
            Payment.stuck_told_at.is_(None),
        )
        .order_by(Payment.id)
    )
    return (await session.execute(stmt)).all()
