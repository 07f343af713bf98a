"""An admin's refund of a payment, full or partial: checked against what is left of the
payment, reserved, then sent to the gateway by booking.refunds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.pricing import rubles
from booking.errors import BookingRuleError, InvalidTransition, NotFound
from booking.refunds import create_refund, execute_refunds
from db import payment_queries, queries
from db.models import Payment, Refund
from payments.base import PaymentStatus


async def request_refund(
    session: AsyncSession, deps: BookingDeps, payment_id: int, amount: int | None, reason: str
) -> Refund:
    """An admin's refund of a payment, full (amount None) or partial.

    The booking is locked before the payment, the order the other use cases and the gateway
    reports take them in, so a refund and a report of the same payment cannot deadlock."""
    found = await session.get(Payment, payment_id)
    if found is None:
        raise NotFound("payment_not_found", "No such payment.")
    booking = await queries.booking_for_update(session, found.booking_id)
    payment = await payment_queries.payment_for_update(session, payment_id)
    assert booking is not None and payment is not None
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED):
        raise InvalidTransition(
            "not_refundable", f"A {payment.status} payment cannot be refunded."
        )
    left = payment.amount - payment.refunded
    amount = left if amount is None else amount
    if amount <= 0:
        raise BookingRuleError("bad_amount", "The refund amount must be positive.")
    if amount > left:
        raise BookingRuleError(
            "refund_too_large",
            f"At most {rubles(left)} rubles of this payment can be refunded.",
            most=left,
        )
    refund = await create_refund(session, deps, booking, payment, amount, reason)
    await session.commit()
    await execute_refunds(session, deps, [refund.id])
    await session.refresh(refund)
    return refund
