"""Refunds: reserved in the database first, then sent to the gateway with a stable key.

Here a refund is reserved and sent; booking.refund_outcome records what became of it, and
booking.refund_checks reads what a call is sent with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.events import EventType, record_event
from booking.refund_checks import OtherRefunds, claim, locked, other_refunds, refund_receipt
from booking.refund_outcome import REFUSED, failed, finish, settled_meanwhile, touch
from db import payment_queries
from db.models import Booking, Payment, Refund
from payments.base import (
    GatewayError,
    GatewayRefused,
    PaymentStatus,
    RefundInDoubt,
    RefundRequest,
    RefundStatus,
)

REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
#: Money an admin recorded by hand; it is returned at the studio, not through a gateway.
CASH = "cash"
#: How long after a refund's last attempt or failure a call about it may still be under way
#: (a gateway's late answer is read for four times its deadline); an admin settles after
#: (booking.money_by_hand.settle_by_hand).
IN_FLIGHT = timedelta(minutes=1)
#: In a refund's `raw`: cash a client's own cancellation or cheaper move gives back; nobody
#: has handed it over yet, so it waits, pending, for an admin to settle it (money_by_hand).
CASH_DUE = "cash_to_hand_back"


async def create_refund(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    payment: Payment,
    amount: int,
    reason: str,
    *,
    by_client: bool = False,
) -> Refund:
    """Reserve `amount` of a payment for refund; the caller commits, then executes it.

    Cash an admin gives back is returned as they record it; cash returned `by_client` (their
    own cancellation or cheaper move) stays pending until an admin hands it over and settles
    it, and the admins are told."""
    now = deps.now()
    cash_due = by_client and payment.gateway == CASH
    refund = Refund(
        payment_id=payment.id,
        booking_id=booking.id,
        amount=amount,
        status=RefundStatus.PENDING,
        reason=reason[:500],
        raw={CASH_DUE: True} if cash_due else None,
        created_at=now,
        updated_at=now,
    )
    await payment_queries.add_with_derived_key(
        session, refund, lambda id_: f"refund-{id_}-{booking.code}"
    )
    payment.refunded += amount
    record_event(
        session, EventType.REFUND_CREATED, booking=booking, payment=payment, refund=refund
    )
    if cash_due:
        record_event(
            session, EventType.REFUND_CASH_DUE, booking=booking, payment=payment, refund=refund
        )
    return refund


async def owed_back(session: AsyncSession, booking_id: int) -> int:
    """Money of the booking's counted payments reserved for refunds not made yet (cash still
    to be handed over, a gateway's refund under way): no longer the client's with the studio."""
    return (await owed_back_of(session, [booking_id])).get(booking_id, 0)


async def owed_back_of(session: AsyncSession, booking_ids: Sequence[int]) -> dict[int, int]:
    """owed_back of each of the bookings in one query (a list answer); those with nothing
    under way are left out."""
    if not booking_ids:
        return {}
    stmt = (
        select(Refund.booking_id, func.sum(Refund.amount))
        .join(Payment, Payment.id == Refund.payment_id)
        .where(
            Refund.booking_id.in_(booking_ids),
            Refund.status == RefundStatus.PENDING,
            Payment.applied.is_(True),
        )
        .group_by(Refund.booking_id)
    )
    return {booking_id: int(total) for booking_id, total in await session.execute(stmt)}


async def refund_across_payments(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    amount: int,
    reason: str,
    *,
    by_client: bool = False,
) -> list[Refund]:
    """Spread a booking's refund over the payments counted in what it paid, newest first
    (`by_client`: see create_refund)."""
    refunds: list[Refund] = []
    for payment in reversed(await payment_queries.payments_of(session, booking.id)):
        if amount <= 0:
            break
        if payment.status not in REFUNDABLE or not payment.applied:
            continue
        part = min(amount, payment.amount - payment.refunded)
        if part > 0:
            refunds.append(
                await create_refund(
                    session, deps, booking, payment, part, reason, by_client=by_client
                )
            )
            amount -= part
    return refunds


async def execute_refunds(
    session: AsyncSession, deps: BookingDeps, refund_ids: Sequence[int]
) -> None:
    for refund_id in refund_ids:
        await execute_refund(session, deps, refund_id)


async def execute_refund(
    session: AsyncSession,
    deps: BookingDeps,
    refund_id: int,
    *,
    stale_before: datetime | None = None,
) -> Refund | None:
    """Ask the gateway to return the money; safe to repeat (reconciliation retries it).

    With `stale_before` (a retry), the refund is first claimed: only the process whose update
    moves its stamp forward goes on, so two processes never send the same refund at once.
    """
    raw = await session.scalar(select(Refund.raw).where(Refund.id == refund_id))
    if (raw or {}).get(CASH_DUE):
        return None  # handed over at the studio: an admin settles it
    if stale_before is not None and not await claim(session, refund_id, stale_before, deps.now()):
        return None
    refund = await session.get(Refund, refund_id)
    if refund is None or refund.status != RefundStatus.PENDING:
        return refund
    payment = await session.get(Payment, refund.payment_id)
    booking = await session.get(Booking, refund.booking_id)
    assert payment is not None and booking is not None
    provider = deps.provider(payment.gateway)
    if provider is None and payment.gateway != CASH:
        # The gateway's keys are gone (or it was switched off): nothing can be sent, and
        # nothing may be called returned. It stays pending, retried once the gateway is back.
        error = f"gateway {payment.gateway} is not set up"
        await failed(session, refund, payment, booking, error, deps.now())
        return refund
    attempt, others, receipt = 1, OtherRefunds(0, 0, frozenset()), None
    if provider is not None:
        # Count the calls before making one: a later call knows an earlier one may have been
        # performed (a gateway without refund idempotency checks before refunding again).
        attempt = int((refund.raw or {}).get("attempts", 0)) + 1
        earlier = {k: v for k, v in (refund.raw or {}).items() if k != REFUSED}
        refund.raw = {**earlier, "attempts": attempt}
        touch(refund, deps.now())
        others = await other_refunds(session, refund)
        receipt = await refund_receipt(session, deps, booking, payment)
    await session.commit()
    if provider is None:
        # Cash is returned at the studio; the log records it.
        finish(session, deps, refund, payment, booking, RefundStatus.SUCCEEDED, None)
        await session.commit()
        return refund
    request = RefundRequest(
        refund_id=refund.id,
        gateway_payment_id=payment.gateway_payment_id or "",
        amount=refund.amount,
        payment_amount=payment.amount,
        reason=refund.reason,
        idempotency_key=refund.idempotency_key,
        receipt=receipt,
        attempt=attempt,
        refunded_before=others.returned,
        in_doubt_before=others.in_doubt,
        gateway_refund_id=refund.gateway_refund_id,
        asked_ago=deps.now() - refund.created_at,
    )
    try:
        result = await provider.refund(request)
        if result.judged_by_total and await other_refunds(session, refund) != others:
            # Made, judged by the payment's refunded total: true only of the other refunds
            # as they were; one sent or settled meanwhile may be what the total shows.
            raise GatewayError("other refunds of the payment moved while this one was checked")
    except GatewayError as exc:
        await failed(
            session,
            refund,
            payment,
            booking,
            str(exc),
            deps.now(),
            needs_admin=isinstance(exc, RefundInDoubt),
            refused=isinstance(exc, GatewayRefused),
        )
        return refund
    booking, payment = await locked(session, booking, payment)
    if await settled_meanwhile(session, refund):
        return refund
    refund.gateway_refund_id = result.gateway_refund_id or refund.gateway_refund_id
    refund.raw = {**dict(result.raw), "attempts": attempt}
    if result.status == RefundStatus.PENDING:
        touch(refund, deps.now())
    else:
        finish(session, deps, refund, payment, booking, result.status, None)
    await session.commit()
    return refund
