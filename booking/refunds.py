"""Refunds: reserved in the database first, then sent to the gateway with a stable key."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from booking.deps import BookingDeps
from booking.events import EventType, record_event
from booking.pricing import booking_receipt
from db import payment_queries, queries
from db.models import Booking, Client, Hall, Payment, Refund
from payments.base import (
    GatewayError,
    GatewayRefused,
    PaymentStatus,
    ReceiptInfo,
    RefundInDoubt,
    RefundRequest,
    RefundStatus,
)

log = logging.getLogger(__name__)

REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
#: Money an admin recorded by hand; it is returned at the studio, not through a gateway.
CASH = "cash"
#: After a failed attempt a refund waits FIRST_PAUSE, doubled with each attempt up to
#: LONGEST_PAUSE: a gateway that keeps refusing is not asked every two minutes for good.
FIRST_PAUSE = timedelta(minutes=2)
LONGEST_PAUSE = timedelta(hours=1)


#: How long after a refund's last attempt or failure a call about it may still be under way
#: (a gateway's late answer is read for four times its deadline); an admin settles after
#: (booking.admin_ops.settle_by_hand).
IN_FLIGHT = timedelta(minutes=1)
#: In a refund's `raw`: its last call was refused (not performed), so it is not in doubt.
REFUSED = "refused"
#: In a refund's `raw`: admins were told it cannot tell whether it was made.
ADMIN_TOLD = "admins_told_in_doubt"
#: In a refund's `raw`: cash a client's own cancellation or cheaper move gives back; nobody
#: has handed it over yet, so it waits, pending, for an admin to settle it (admin_ops).
CASH_DUE = "cash_to_hand_back"


def retry_pause(attempts: int) -> timedelta:
    """The wait before the next attempt, after `attempts` attempts (1, 2, ...)."""
    return min(FIRST_PAUSE * 2 ** min(max(attempts - 1, 0), 10), LONGEST_PAUSE)


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
    stmt = (
        select(func.coalesce(func.sum(Refund.amount), 0))
        .join(Payment, Payment.id == Refund.payment_id)
        .where(
            Refund.booking_id == booking_id,
            Refund.status == RefundStatus.PENDING,
            Payment.applied.is_(True),
        )
    )
    return int(await session.scalar(stmt) or 0)


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
    if stale_before is not None and not await _claim(session, refund_id, stale_before, deps.now()):
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
        await _failed(session, refund, payment, booking, error, deps.now())
        return refund
    attempt, others, receipt = 1, _Others(0, 0, frozenset()), None
    if provider is not None:
        # Count the calls before making one: a later call knows an earlier one may have been
        # performed (a gateway without refund idempotency checks before refunding again).
        attempt = int((refund.raw or {}).get("attempts", 0)) + 1
        earlier = {k: v for k, v in (refund.raw or {}).items() if k != REFUSED}
        refund.raw = {**earlier, "attempts": attempt}
        _touch(refund, deps.now())
        others = await _others(session, refund)
        receipt = await _refund_receipt(session, deps, booking, payment)
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
        if result.judged_by_total and await _others(session, refund) != others:
            # Made, judged by the payment's refunded total: true only of the other refunds
            # as they were; one sent or settled meanwhile may be what the total shows.
            raise GatewayError("other refunds of the payment moved while this one was checked")
    except GatewayError as exc:
        await _failed(
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
    booking, payment = await _locked(session, booking, payment)
    if await _settled_meanwhile(session, refund):
        return refund
    refund.gateway_refund_id = result.gateway_refund_id or refund.gateway_refund_id
    refund.raw = {**dict(result.raw), "attempts": attempt}
    if result.status == RefundStatus.PENDING:
        _touch(refund, deps.now())
    else:
        finish(session, deps, refund, payment, booking, result.status, None)
    await session.commit()
    return refund


async def _settled_meanwhile(session: AsyncSession, refund: Refund) -> bool:
    """Whether an admin settled the refund by hand while the gateway was asked; its row is
    read again, locked, either way."""
    fresh = await payment_queries.refund_for_update(session, refund.id)
    if fresh is not None and fresh.status == RefundStatus.PENDING:
        return False
    log.warning("refund settled by an admin meanwhile", extra={"refund_id": refund.id})
    await session.commit()
    return True


async def _failed(
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
    if await _settled_meanwhile(session, refund):
        return
    if refused:
        refund.raw = {**(refund.raw or {}), REFUSED: True}
    first_failure = refund.error is None
    tell_needs_admin = needs_admin and not (refund.raw or {}).get(ADMIN_TOLD)
    if tell_needs_admin:
        refund.raw = {**(refund.raw or {}), ADMIN_TOLD: True}
    refund.error = error[:500]
    _touch(refund, now)
    refund.retry_at = now + retry_pause(int((refund.raw or {}).get("attempts", 1)))
    if first_failure or tell_needs_admin:
        flags = {"needs_admin": True} if tell_needs_admin else {}
        _failure_event(session, refund, payment, booking, refund.error, **flags)
    log.warning("refund failed", extra={"refund_id": refund.id, "payment_id": payment.id})
    await session.commit()


async def _claim(
    session: AsyncSession, refund_id: int, stale_before: datetime, now: datetime
) -> bool:
    result = await session.execute(
        update(Refund)
        .where(
            Refund.id == refund_id,
            Refund.status == RefundStatus.PENDING,
            Refund.updated_at <= stale_before,
        )
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def _touch(refund: Refund, now: datetime) -> None:
    """Stamp the row with the service clock even when the value is unchanged (a frozen test
    clock); otherwise the column's onupdate would put the wall clock there."""
    refund.updated_at = now
    flag_modified(refund, "updated_at")


async def _locked(
    session: AsyncSession, booking: Booking, payment: Payment
) -> tuple[Booking, Payment]:
    """Re-read the rows whose totals change, locked: other refunds may have moved them."""
    fresh_booking = await queries.booking_for_update(session, booking.id)
    fresh_payment = await payment_queries.payment_for_update(session, payment.id)
    assert fresh_booking is not None and fresh_payment is not None
    return fresh_booking, fresh_payment


@dataclass(frozen=True)
class _Others:
    """The payment's other refunds, as a retry judges by them."""

    #: What they have returned, by our records.
    returned: int
    #: What those still pending would return that were sent and not refused: made, for
    #: all we know.
    in_doubt: int
    #: Each one's state, to see whether any moved meanwhile.
    states: frozenset[tuple[int, str, int, bool, str | None]]


async def _others(session: AsyncSession, refund: Refund) -> _Others:
    """The payment's other refunds: returned, in doubt, and their states."""
    others = await session.scalars(
        select(Refund)
        .where(
            Refund.payment_id == refund.payment_id,
            Refund.id != refund.id,
            Refund.status.in_((RefundStatus.SUCCEEDED, RefundStatus.PENDING)),
        )
        # Fresh, not the session's copies: the second look must see what moved.
        .execution_options(populate_existing=True)
    )
    returned = in_doubt = 0
    states = set()
    for other in others:
        raw = other.raw or {}
        sent, refused = int(raw.get("attempts", 0)) > 0, bool(raw.get(REFUSED))
        states.add(
            (other.id, other.status, int(raw.get("attempts", 0)), refused, other.gateway_refund_id)
        )
        if other.status == RefundStatus.SUCCEEDED:
            returned += other.amount
        elif (other.gateway_refund_id or sent) and not refused:
            in_doubt += other.amount
    return _Others(returned, in_doubt, frozenset(states))


_RECEIPT_MODES = {
    "prepayment": "partial_prepayment",
    "full": "full_prepayment",
    "balance": "full_payment",
}


async def _refund_receipt(
    session: AsyncSession, deps: BookingDeps, booking: Booking, payment: Payment
) -> ReceiptInfo | None:
    """The 54-FZ receipt of a refund mirrors its payment's (same item, same payment mode)."""
    if deps.receipts.vat_code is None:
        return None
    hall = await session.get(Hall, booking.hall_id)
    client = await session.get(Client, booking.client_id)
    if hall is None or client is None:
        return None
    return booking_receipt(
        deps, booking, hall, client, _RECEIPT_MODES.get(payment.kind, "full_payment")
    )


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
    _touch(refund, deps.now())
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
        _failure_event(session, refund, payment, booking, error, final=True)


def _failure_event(
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
