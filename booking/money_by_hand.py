"""Money an admin handles by hand: a booking paid in cash confirmed, a cancellation with a
full refund, a refund of an amount, a refund the service cannot settle settled from the
gateway's cabinet, a gift certificate issued. An admin who is not an owner refunds at most
ADMIN_REFUND_LIMIT at once. Each use case commits (itself or through the one it calls) and
leaves the session clean when it refuses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, refund_outcome, refunds
from booking.admin_ops import find_booking
from booking.cancel import cancel_booking
from booking.cash import confirm_by_hand
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, DomainError, Forbidden, InvalidTransition, NotFound
from booking.events import EventType, record_event
from booking.refund_requests import request_refund
from db import payment_queries, queries
from db.certificates import GiftCertificate
from db.models import Booking, Payment, Refund
from payments.base import RefundStatus


async def confirm_paid_by_hand(
    session: AsyncSession, deps: BookingDeps, code: str, amount: int | None, note: str
) -> Booking:
    """Confirm a booking paid outside the gateways (cash); `amount` None: the usual due."""
    booking = await find_booking(session, code)
    try:
        return await confirm_by_hand(session, deps, booking.id, amount, note)
    except DomainError:
        await session.rollback()
        raise


def check_refund_limit(amount: int, limit: int | None) -> None:
    """An admin who is not an owner refunds at most ADMIN_REFUND_LIMIT at once (`limit`
    None: an owner, no limit)."""
    if limit is not None and amount > limit:
        raise Forbidden(
            "refund_over_limit", f"Refunds above {limit} kopecks need an owner.", limit=limit
        )


async def cancel_by_admin(
    session: AsyncSession, deps: BookingDeps, code: str, reason: str, limit: int | None = None
) -> tuple[Booking, int, list[Refund]]:
    """Cancel with a full refund; returns the booking, the refund total and its refunds.
    A refund above `limit` is refused before anything changes."""
    booking = await find_booking(session, code)
    check_refund_limit(refundable(await payment_queries.payments_of(session, booking.id)), limit)
    before = {r.id for r in await payment_queries.refunds_of(session, booking.id)}
    try:
        booking, amount = await cancel_booking(
            session, deps, booking.id, by_admin=True, reason=reason
        )
    except DomainError:
        await session.rollback()
        raise
    made = [r for r in await payment_queries.refunds_of(session, booking.id) if r.id not in before]
    return booking, amount, made


def refundable(payments: Sequence[Payment]) -> int:
    return sum(p.amount - p.refunded for p in payments if p.status in refunds.REFUNDABLE)


async def refund_booking(
    session: AsyncSession,
    deps: BookingDeps,
    code: str,
    amount: int | None,
    reason: str,
    limit: int | None = None,
) -> list[Refund]:
    """Refund an amount of a booking (None: all that is left), newest payments first.

    Each payment's part goes through `request_refund`, which re-checks it under a lock.
    """
    booking = await find_booking(session, code)
    payments = list(await payment_queries.payments_of(session, booking.id))
    left = refundable(payments)
    amount = left if amount is None else amount
    if left <= 0:
        raise BookingRuleError("nothing_to_refund", "Nothing paid is left to refund.")
    if amount <= 0:
        raise BookingRuleError("bad_amount", "The refund amount must be positive.")
    if amount > left:
        raise BookingRuleError(
            "refund_too_large", f"At most {left} kopecks can be refunded.", most=left
        )
    check_refund_limit(amount, limit)
    made: list[Refund] = []
    for payment in reversed(payments):
        part = min(amount, payment.amount - payment.refunded)
        if amount <= 0 or part <= 0 or payment.status not in refunds.REFUNDABLE:
            continue
        try:
            made.append(await request_refund(session, deps, payment.id, part, reason))
        except DomainError:
            await session.rollback()
            if not made:
                raise
            break  # the parts made so far stand; the admin sees what was refunded
        amount -= part
    return made


async def settle_by_hand(
    session: AsyncSession, deps: BookingDeps, refund_id: int, *, made: bool, note: str
) -> Refund:
    """An admin settles a refund the service cannot: made (the gateway's cabinet shows it)
    or not made (its reserved amount is freed). Only a pending refund can be settled.

    The booking and the payment are locked before the refund, the order the retries take
    them in; a retry whose answer comes after this sees the refund settled and leaves it."""
    found = await session.get(Refund, refund_id)
    if found is None:
        raise NotFound("refund_not_found", "No such refund.")
    booking = await queries.booking_for_update(session, found.booking_id)
    payment = await payment_queries.payment_for_update(session, found.payment_id)
    refund = await payment_queries.refund_for_update(session, refund_id)
    assert booking is not None and payment is not None and refund is not None
    if refund.status != RefundStatus.PENDING:
        raise InvalidTransition("not_pending", f"A {refund.status} refund cannot be settled.")
    cash_due = bool((refund.raw or {}).get(refunds.CASH_DUE))  # no call can be under way
    if not cash_due and refund.updated_at > deps.now() - refunds.IN_FLIGHT:
        raise InvalidTransition(
            "refund_in_flight",
            "A call about this refund may still be under way; try again in a minute.",
        )
    refund.raw = {**(refund.raw or {}), "settled_by_admin": made, "note": note}
    status = RefundStatus.SUCCEEDED if made else RefundStatus.CANCELED
    error = None if made else f"settled by an admin as not made: {note}"[:500]
    refund_outcome.finish(session, deps, refund, payment, booking, status, error)
    await session.commit()
    return refund


async def issue_certificate(
    session: AsyncSession, deps: BookingDeps, amount: int
) -> GiftCertificate:
    """A gift certificate issued by an admin, with its event (who issued it)."""
    made = await certificates.issue(session, deps, amount, issued_by="admin", commit=False)
    record_event(
        session, EventType.CERTIFICATE_ISSUED, certificate_id=made.id, certificate_amount=amount
    )
    await session.commit()
    return made
