"""Verified gateway reports applied to payments and bookings: once, and several at a time.

Gateways deliver each report several times and sometimes out of order. A report is applied
only if it moves the payment forward (`booking.report_rules.MOVES`), so a repeat or a stale
report changes nothing.

Reports that arrive together are applied in one transaction (`apply_payment_states`): one
read of their payments, one write per table and one commit for all of them, which is most of
a report's cost. Each report is still judged on its own, in arrival order, on the rows as
the reports before it left them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound
from booking.events import EventType, batched_events, record_event
from booking.plain_reports import apply_plain_reports
from booking.refunds import execute_refunds
from booking.report_rules import (
    SIBLING_MARK,
    Applied,
    Report,
    Result,
    changes,
    check_amount,
    check_order,
    ignored,
)
from booking.settle import is_balance, settle_payment
from db import queries
from db.models import Booking, Payment, Refund
from payments.base import PaymentState, PaymentStatus

log = logging.getLogger(__name__)


async def apply_payment_state(
    session: AsyncSession, deps: BookingDeps, gateway: str, state: PaymentState
) -> str:
    """Apply one verified report and send any refund it reserved.

    Returns what happened, for the log: "applied", "duplicate" or "stale"; a report that
    names no payment of ours, or another order or amount, raises its DomainError.
    """
    applied = await apply_payment_states(session, deps, [Report(gateway, state)])
    await execute_refunds(session, deps, applied.refund_ids)
    [result] = applied.results
    if isinstance(result, DomainError):
        raise result
    return result


async def apply_payment_states(
    session: AsyncSession, deps: BookingDeps, reports: Sequence[Report]
) -> Applied:
    """Apply verified reports in one transaction, in their order, and commit: the commonest
    ones without the ORM (`booking.plain_reports`), any other batch by `apply_any_reports`."""
    applied = await apply_plain_reports(session, deps, reports)
    if applied is None:
        applied = await apply_any_reports(session, deps, reports)
    return applied


async def apply_any_reports(
    session: AsyncSession, deps: BookingDeps, reports: Sequence[Report]
) -> Applied:
    """Apply verified reports of any kind in one transaction, in their order, and commit.

    A report that does not match its payment (unknown, another order, another amount) gets
    its error and changes nothing; the others go on. Any failure while applying raises and
    leaves the transaction to be rolled back: nothing of any report is kept.

    A report that changes nothing is settled by the unlocked read. Changes on PostgreSQL read
    the rows again under lock first: another process may have applied the same report.
    """
    found = await queries.reported_payments(
        session, [(report.gateway, report.state.gateway_payment_id) for report in reports]
    )
    results: list[Result | None] = [None] * len(reports)
    matched: list[tuple[int, PaymentState, Payment, Booking]] = []
    for index, report in enumerate(reports):
        try:
            payment, booking = await _find_payment(
                session, report.gateway, report.state, found, deps.now()
            )
            check_amount(payment, report.state)
        except DomainError as exc:
            results[index] = exc
            continue
        if booking is None:
            # Read now, before any report of the batch changes it: a re-read later (one that
            # refreshes the session's copy) would drop the unflushed changes of the reports
            # before it, such as another payment of the same booking.
            booking = await session.get(Booking, payment.booking_id)
            assert booking is not None
        matched.append((index, report.state, payment, booking))
    if queries.is_postgres(session):
        await _lock(session, [(p, s.status) for _, s, p, _ in matched if changes(p, s.status)])
    refunds: dict[int, list[int]] = {}
    async with batched_events(session):
        for index, state, payment, booking in matched:
            if not changes(payment, state.status):
                results[index] = ignored(payment, state)
                continue
            reserved = await _apply(session, deps, payment, booking, state)
            if reserved:
                refunds[index] = [refund.id for refund in reserved]
            results[index] = "applied"
    await session.commit()
    judged = [result for result in results if result is not None]
    assert len(judged) == len(reports)  # every report matched or refused
    return Applied(judged, refunds)


async def _lock(session: AsyncSession, changing: list[tuple[Payment, PaymentStatus]]) -> None:
    """Lock the rows about to change and read them fresh, in place.

    The bookings are locked first, the order every use case takes the two in (a refund, a
    cancellation, a new payment), so a report and a refund cannot deadlock; those of other
    changes than successes too, since their events reference the booking (the foreign key
    takes a share lock on it). Each kind in id order, so two processes' batches cannot
    deadlock either.
    """
    if not changing:
        return
    booking_ids = {p.booking_id for p, _ in changing}
    await queries.lock_in_id_order(session, Booking, sorted(booking_ids))
    await queries.lock_in_id_order(session, Payment, sorted({p.id for p, _ in changing}))


async def _apply(
    session: AsyncSession,
    deps: BookingDeps,
    payment: Payment,
    booking: Booking,
    state: PaymentState,
) -> list[Refund]:
    """Move the payment to the reported status; a success settles its booking (read and, on
    PostgreSQL, locked with the batch's other rows before any report was applied)."""
    payment.status = state.status
    payment.raw = dict(state.raw)
    if state.status == PaymentStatus.SUCCEEDED:
        payment.paid_at = deps.now()
        payment.gateway_payment_id = payment.gateway_payment_id or state.gateway_payment_id
        record_event(
            session,
            EventType.PAYMENT_SUCCEEDED,
            booking=booking,
            payment=payment,
            balance=is_balance(booking, payment),
        )
        return await settle_payment(session, deps, booking, payment)
    if state.status == PaymentStatus.CANCELED:
        record_event(session, EventType.PAYMENT_CANCELED, payment=payment)
    return []


async def _sibling(
    session: AsyncSession, now: datetime, payment: Payment, state: PaymentState
) -> Payment:
    """A payment of ours for money paid on another registration of its order (`-r2`).

    Two requests that registered one order twice leave the payment linked to one of the
    gateway's payments; the payer may have paid the other. That money is real and verified:
    it is recorded beside the payment and settled like any success (it confirms the booking,
    or is refunded if the booking is paid already)."""
    # Recorded by an earlier report of this batch (the session flushes it for this query).
    stmt = select(Payment).where(
        Payment.gateway == payment.gateway,
        Payment.gateway_payment_id == state.gateway_payment_id,
    )
    earlier = (await session.scalars(stmt)).first()
    if earlier is not None:
        return earlier
    digest = hashlib.sha256(state.gateway_payment_id.encode()).hexdigest()[:16]
    sibling = Payment(
        booking_id=payment.booking_id,
        gateway=payment.gateway,
        gateway_payment_id=state.gateway_payment_id,
        kind=payment.kind,
        amount=payment.amount,
        currency=payment.currency,
        status=PaymentStatus.PENDING,
        idempotency_key=f"{payment.idempotency_key}{SIBLING_MARK}{digest}",
        created_at=now,
        updated_at=now,
    )
    session.add(sibling)
    await session.flush()  # its id, for the batch's locks and events
    log.warning(
        "payment on another registration of an order",
        extra={"payment_id": payment.id, "gateway_payment_id": state.gateway_payment_id},
    )
    return sibling


async def _find_payment(
    session: AsyncSession,
    gateway: str,
    state: PaymentState,
    found: dict[tuple[str, str], tuple[Payment, Booking]],
    now: datetime,
) -> tuple[Payment, Booking | None]:
    """The reported payment, by the gateway's id (with its booking, read for the whole
    batch), or else by our order number or payment id for a payment whose create timed out;
    a success on another registration of our order is recorded as a payment of its own."""
    payment, booking = found.get((gateway, state.gateway_payment_id), (None, None))
    if payment is None and state.order_key is not None:
        # The gateway's order number (signed or fetched) names our payment better than an
        # unsigned field such as T-Bank's DATA; it links a payment whose create timed out.
        stmt = select(Payment).where(Payment.idempotency_key == state.order_key)
        candidate = (await session.scalars(stmt)).first()
        if candidate is not None and candidate.gateway == gateway:
            if candidate.gateway_payment_id in (None, state.gateway_payment_id):
                payment = candidate
            elif state.status == PaymentStatus.SUCCEEDED:
                check_amount(candidate, state)
                payment = await _sibling(session, now, candidate, state)
    if payment is None and state.our_payment_id is not None:
        candidate = await session.get(Payment, state.our_payment_id)
        if (
            candidate is not None
            and candidate.gateway == gateway
            and candidate.gateway_payment_id in (None, state.gateway_payment_id)
        ):
            payment = candidate
    if payment is None:
        raise NotFound("unknown_payment", "No such payment.")
    check_order(payment, state)
    return payment, booking
