"""A gateway's verified report applied to its payment and booking: once, in its own transaction.

The webhook handler (`webhooks.gateways`) and the reconciliation job (`jobs.reconcile`) both
call `apply_payment_report`; it returns only after the change is committed, so a gateway
that hears 200 can rely on it.

Gateways deliver a report several times and sometimes out of order. A report is applied only
if it moves the payment forward (`MOVES`): a repeat or a stale one changes nothing. The
booking and then the payment are read locked on PostgreSQL, the order every use case takes
them in, so two deliveries of one report, or a report and a cancellation, wait for each
other and the second judges the rows the first left; SQLite's single writer does the same.

A succeeded payment confirms its booking or tops it up (`apply_success`, also used for money
an admin records by hand); money the booking cannot use is refunded whole.

Which payment a report is about is found by `booking.reported_payment`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificate_reports
from booking.change_making import apply_change_payment
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import SlotTakenError
from booking.events import EventType, record_event
from booking.lapsing import codes_still_hold, retake_slot
from booking.refunds import create_refund, execute_refunds, owed_back
from booking.reported_payment import find_payment
from db import payment_queries, queries
from db.models import Booking, Payment, Refund
from payments.base import PaymentState, PaymentStatus

log = logging.getLogger(__name__)

# The statuses each reported status may follow; anything else is a repeat or stale.
MOVES: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.SUCCEEDED: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.CANCELED}
    ),
    PaymentStatus.CANCELED: frozenset({PaymentStatus.PENDING, PaymentStatus.AUTHORIZED}),
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.PENDING}),
    PaymentStatus.REFUNDED: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset(
        {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED}
    ),
}

#: A booking that takes money toward its balance.
BALANCE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


async def apply_payment_report(
    session: AsyncSession, deps: BookingDeps, gateway: str, state: PaymentState
) -> str:
    """Apply one verified report, commit, then send any refund it reserved.

    Returns what happened, for the log: "applied", "duplicate" or "stale". A report that
    names no payment of ours, or another order or amount, raises its DomainError and
    changes nothing. A report about a gift certificate bought online (its order number
    starts with `cert-`) is the certificate order's (booking.certificate_reports).
    """
    order = await certificate_reports.reported(session, gateway, state)
    if order is not None:
        return await certificate_reports.apply_report(session, deps, order, state, MOVES)
    found = await find_payment(session, gateway, state)
    booking = await queries.booking_for_update(session, found.booking_id)
    payment = await payment_queries.payment_for_update(session, found.id)
    assert booking is not None and payment is not None
    refunds: list[Refund] = []
    old = PaymentStatus(payment.status)
    if old != state.status and old in MOVES.get(state.status, frozenset()):
        refunds = await _apply(session, deps, booking, payment, state)
        outcome = "applied"
    else:
        outcome = "duplicate" if old == state.status else "stale"
        log.info(
            "payment report ignored",
            extra={"payment_id": payment.id, "outcome": outcome, "reported": str(state.status)},
        )
    await session.commit()
    await execute_refunds(session, deps, [refund.id for refund in refunds])
    return outcome


async def _apply(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    payment: Payment,
    state: PaymentState,
) -> list[Refund]:
    """Move the payment to the reported status; a success acts on its booking."""
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
            # A change's payment makes its change, or else `payment.late_applied` tells.
            balance=payment.kind != "change" and is_balance(booking, payment),
        )
        return await apply_success(session, deps, booking, payment)
    if state.status == PaymentStatus.CANCELED:
        record_event(session, EventType.PAYMENT_CANCELED, booking=booking, payment=payment)
    return []


async def apply_success(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    payment: Payment,
    *,
    refund_on_conflict: bool = True,
) -> list[Refund]:
    """What a succeeded payment does to its booking: confirm it or top it up, or else refund
    the payment whole (reserved here; the caller sends it after committing).

    A payment after the hold expired confirms the booking if its slot is still free;
    otherwise (slot taken, closed meanwhile, booking cancelled or over, or paid twice) the
    payment is refunded and the event tells client and admins. Without `refund_on_conflict`
    (money an admin records by hand) a booking that cannot take it raises SlotTakenError.
    """
    late_change = payment.kind == "change"  # unless its change is still there to make
    if late_change and await apply_change_payment(session, deps, booking, payment):
        return []
    status = BookingStatus(booking.status)
    now = deps.now()
    late = status == BookingStatus.EXPIRED and booking.start_at > now
    # A hold past its expiry that the sweep has not marked yet holds its slot still, but
    # its codes' uses and balance were free for others meanwhile.
    lapsed = booking.hold_expires_at is not None and booking.hold_expires_at <= now
    held = status == BookingStatus.PENDING_PAYMENT and (
        not lapsed or await codes_still_hold(session, booking, now)
    )
    if held or (late and await retake_slot(session, booking, now)):
        booking.status = BookingStatus.CONFIRMED
        _count(booking, payment)
        booking.confirmed_at = now
        record_event(
            session, EventType.BOOKING_CONFIRMED, booking=booking, payment=payment, late=late
        )
        return []
    if is_balance(booking, payment):
        _count(booking, payment)
        if late_change:
            _late_applied(session, booking, payment, payment.amount)
        return []
    owed = await _still_owed(session, booking)
    if owed > 0 and refund_on_conflict:  # more than the balance: the rest goes back
        _count(booking, payment)
        reason = f"paid {payment.amount - owed} above the balance owed"
        refund = await create_refund(
            session, deps, booking, payment, payment.amount - owed, reason
        )
        _late_applied(session, booking, payment, owed, refund)
        return [refund]
    if not refund_on_conflict:
        raise SlotTakenError("slot_taken", "The slot is no longer free.")
    refund = await create_refund(
        session,
        deps,
        booking,
        payment,
        payment.amount - payment.refunded,
        reason=f"payment could not be used: booking {booking.status}",
    )
    record_event(
        session, EventType.PAYMENT_LATE_REFUNDED, booking=booking, payment=payment, refund=refund
    )
    return [refund]


def _late_applied(
    session: AsyncSession,
    booking: Booking,
    payment: Payment,
    to_balance: int,
    refund: Refund | None = None,
) -> None:
    """Money the booking did not ask for (its change gone, or above the balance) counted
    toward the balance, the rest refunded: client and admins are told how it was split."""
    back = payment.amount - to_balance
    extra: dict[str, Any] = {"refund_id": refund.id} if refund is not None else {}
    record_event(
        session,
        EventType.PAYMENT_LATE_APPLIED,
        booking=booking,
        payment=payment,
        to_balance=to_balance,
        back=back,
        **extra,
    )


async def _still_owed(session: AsyncSession, booking: Booking) -> int:
    """What a live or just-ended booking still owes of its price (its refunds under way
    counted as gone): a payment it did not ask for pays that much of it."""
    if booking.status not in BALANCE_STATUSES:
        return 0
    kept = booking.paid - booking.refunded - await owed_back(session, booking.id)
    return max(0, booking.total - kept)


def _count(booking: Booking, payment: Payment) -> None:
    """The payment's money now counts in the booking's; so will its refunds."""
    booking.paid += payment.amount
    payment.applied = True


def is_balance(booking: Booking, payment: Payment) -> bool:
    """A payment that tops up a confirmed booking without paying more than its price.

    A session that has just ended counts too: a client who paid the rest in its last
    minutes must not be refunded because the completion job ran before the webhook came."""
    return booking.status in BALANCE_STATUSES and booking.paid + payment.amount <= booking.total
