"""What becomes of a refund once it is sent: made, failed for good, or waiting to be tried
again; the payment's and the booking's totals and the events follow."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from booking.deps import BookingDeps
from booking.events import EventType, record_event
from db import payment_queries
from db.models import Booking, Payment, Refund
from payments.base import PaymentStatus, RefundStatus

log = logging.getLogger(__name__)

#: After a failed attempt a refund waits FIRST_PAUSE, doubled with each attempt up to
#: LONGEST_PAUSE: a gateway that keeps refusing is not asked every two minutes for good.
FIRST_PAUSE = timedelta(minutes=2)
LONGEST_PAUSE = timedelta(hours=1)
#: In a refund's `raw`: its last call was refused (not performed), so it is not in doubt.
REFUSED = "refused"
#: In a refund's `raw`: admins were told it cannot tell whether it was made.
ADMIN_TOLD = "admins_told_in_doubt"


def retry_pause(attempts: int) -> timedelta:
    """The wait before the next attempt, after `attempts` attempts (1, 2, ...)."""
    return min(FIRST_PAUSE * 2 ** min(max(attempts - 1, 0), 10), LONGEST_PAUSE)


def finish(
    session: AsyncSession,
    deps: BookingDeps,
    refund: Refund,
    payment: Payment,
    booking: Booking,
    status: RefundStatus,
    error: str | None,
) -> None:
    refund.status = status
    refund.error = error
    touch(refund, deps.now())
    if status == RefundStatus.SUCCEEDED:
        if payment.applied:  # an unusable payment's money never counted in `paid`
            booking.refunded += refund.amount
        payment.status = (
            PaymentStatus.REFUNDED
            if payment.refunded >= payment.amount
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        record_event(
            session, EventType.REFUND_SUCCEEDED, booking=booking, payment=payment, refund=refund
        )
    else:
        payment.refunded -= refund.amount
        error = error or "canceled by the gateway"
        failure_event(session, refund, payment, booking, error, final=True)


async def settled_meanwhile(session: AsyncSession, refund: Refund) -> bool:
    """Whether an admin settled the refund by hand while the gateway was asked; its row is
    read again, locked, either way."""
    fresh = await payment_queries.refund_for_update(session, refund.id)
    if fresh is not None and fresh.status == RefundStatus.PENDING:
        return False
    log.warning("refund settled by an admin meanwhile", extra={"refund_id": refund.id})
    await session.commit()
    return True


async def failed(
    session: AsyncSession,
    refund: Refund,
    payment: Payment,
    booking: Booking,
    error: str,
    now: datetime,
    *,
    needs_admin: bool = False,
    refused: bool = False,
) -> None:
    """The refund stays pending, to be retried; admins hear of its first failure, and once
    more when it cannot tell whether it was made (they may settle it in the cabinet). A
    refusal (not performed) marks it as not in doubt for the payment's other refunds."""
    if await settled_meanwhile(session, refund):
        return
    if refused:
        refund.raw = {**(refund.raw or {}), REFUSED: True}
    first_failure = refund.error is None
    tell_needs_admin = needs_admin and not (refund.raw or {}).get(ADMIN_TOLD)
    if tell_needs_admin:
        refund.raw = {**(refund.raw or {}), ADMIN_TOLD: True}
    refund.error = error[:500]
    touch(refund, now)
    refund.retry_at = now + retry_pause(int((refund.raw or {}).get("attempts", 1)))
    if first_failure or tell_needs_admin:
        flags = {"needs_admin": True} if tell_needs_admin else {}
        failure_event(session, refund, payment, booking, refund.error, **flags)
    log.warning("refund failed", extra={"refund_id": refund.id, "payment_id": payment.id})
    await session.commit()


def touch(refund: Refund, now: datetime) -> None:
    """Stamp the row with the service clock even when the value is unchanged (a frozen test
    clock); otherwise the column's onupdate would put the wall clock there."""
    refund.updated_at = now
    flag_modified(refund, "updated_at")


def failure_event(
    session: AsyncSession,
    refund: Refund,
    payment: Payment,
    booking: Booking,
    error: str,
    **flags: bool,
) -> None:
    """`final`: the refund will not be retried; `needs_admin`: it waits for an admin."""
    record_event(
        session,
        EventType.REFUND_FAILED,
        booking=booking,
        payment=payment,
        refund=refund,
        error=error,
        **flags,
    )
