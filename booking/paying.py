"""Payments of a booking: starting one at a gateway and applying what a gateway verified.

Transactions are never held open across a gateway call: the payment row is committed first
(with an idempotency key derived from its id), then the gateway is asked, then the answer is
stored. A retried call reuses the same row and key, so it cannot charge twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.config import BookingDeps
from booking.domain.states import BookingStatus, check_transition
from booking.errors import (
    BookingRuleError,
    GatewayUnavailable,
    InvalidTransition,
    NotFound,
    PaymentMismatch,
)
from booking.events import EventType, batched_events, record_event
from booking.holds import expire_one
from booking.refunds import create_refund, execute_refunds
from booking.settle import confirm_unpaid, is_balance, settle_payment
from booking.studio import hall_copy
from db import queries
from db.models import Booking, Client, Payment, Refund
from payments.base import (
    GatewayError,
    PaymentProvider,
    PaymentRequest,
    PaymentState,
    PaymentStatus,
)

log = logging.getLogger(__name__)

# A payment link is offered again (a double tap, a page reload) only while it is fresh;
# gateways let unpaid links lapse, so an older one is replaced by a new payment.
REUSE_PAYMENT_FOR = timedelta(minutes=30)


class PaymentKind(StrEnum):
    PREPAYMENT = "prepayment"
    FULL = "full"
    BALANCE = "balance"


def amount_due(booking: Booking, now: datetime) -> tuple[int, PaymentKind | None]:
    """What the client can pay now and what that payment is."""
    if booking.status == BookingStatus.PENDING_PAYMENT:
        if booking.hold_expires_at is not None and booking.hold_expires_at <= now:
            return 0, None
        if booking.prepay_amount < booking.total:
            return booking.prepay_amount, PaymentKind.PREPAYMENT
        return booking.total, PaymentKind.FULL
    if booking.status == BookingStatus.CONFIRMED and booking.paid < booking.total:
        return booking.total - booking.paid, PaymentKind.BALANCE
    return 0, None


async def start_payment(
    session: AsyncSession, deps: BookingDeps, booking_id: int, gateway: str
) -> Payment:
    """Create (or reuse) the payment for what is due now and get its confirmation URL."""
    provider = _provider_for(deps, gateway)
    booking = await queries.booking_for_update(session, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "No such booking.")
    now = deps.now()
    if booking.status == BookingStatus.PENDING_PAYMENT and (
        booking.hold_expires_at is not None and booking.hold_expires_at <= now
    ):
        expire_one(session, booking)
        await session.commit()
        raise InvalidTransition("hold_expired", "The hold has expired; please book again.")
    amount, kind = _due_now(booking, now)
    payment = await queries.open_payment(
        session, booking.id, gateway, kind, amount, since=now - REUSE_PAYMENT_FOR
    )
    if payment is not None and payment.confirmation_url:
        await session.commit()
        return payment
    if payment is None:
        payment = await _new_payment(session, booking, gateway, kind, amount, now)
    return await ask_gateway(session, deps, provider, booking, payment)


async def payment_for_hold(
    session: AsyncSession, deps: BookingDeps, booking: Booking, gateway: str
) -> tuple[PaymentProvider, Payment]:
    """The first payment of a hold made in this same transaction, and the gateway to ask:
    nobody else can see the booking yet, so there is no lock to take and no earlier payment
    to reuse. `ask_gateway` commits the hold and the payment's intent together, then asks."""
    provider = _provider_for(deps, gateway)
    now = deps.now()
    amount, kind = _due_now(booking, now)
    return provider, await _new_payment(session, booking, gateway, kind, amount, now)


def _provider_for(deps: BookingDeps, gateway: str) -> PaymentProvider:
    provider = deps.provider(gateway)
    if provider is None:
        raise BookingRuleError("unknown_gateway", f"Payment gateway {gateway!r} is not available.")
    return provider


def _due_now(booking: Booking, now: datetime) -> tuple[int, PaymentKind]:
    amount, kind = amount_due(booking, now)
    if kind is None or amount <= 0:
        raise InvalidTransition(
            "not_payable", f"A booking that is {booking.status} has nothing to pay."
        )
    return amount, kind


async def _new_payment(
    session: AsyncSession,
    booking: Booking,
    gateway: str,
    kind: PaymentKind,
    amount: int,
    now: datetime,
) -> Payment:
    """The pending payment row and its event; its idempotency key derives from its id."""
    payment = Payment(
        booking_id=booking.id,
        gateway=gateway,
        kind=kind,
        amount=amount,
        status=PaymentStatus.PENDING,
        created_at=now,
        updated_at=now,
    )
    await queries.add_with_derived_key(session, payment, lambda id_: f"pay-{id_}-{booking.code}")
    record_event(session, EventType.PAYMENT_CREATED, booking=booking, payment=payment)
    return payment


async def ask_gateway(
    session: AsyncSession,
    deps: BookingDeps,
    provider: PaymentProvider,
    booking: Booking,
    payment: Payment,
) -> Payment:
    """Commit the intent, then ask the gateway (no transaction is open meanwhile), then
    store its answer; a failure is stored and reported as GatewayUnavailable."""
    request = await _payment_request(session, deps, booking, payment)
    await session.commit()
    try:
        created = await provider.create_payment(request)
    except GatewayError as exc:
        log.warning(
            "payment create failed",
            extra={"payment_id": payment.id, "booking_id": booking.id, "gateway": payment.gateway},
        )
        payment.error = str(exc)[:500]
        await session.commit()
        raise GatewayUnavailable(
            "gateway_unavailable", "The payment service did not answer; please try again."
        ) from exc
    payment.gateway_payment_id = created.gateway_payment_id
    payment.confirmation_url = created.confirmation_url
    payment.raw = dict(created.raw)
    payment.error = None
    if created.status != PaymentStatus.PENDING:
        log.info("gateway created payment in status %s", created.status)
    await session.commit()
    return payment


async def _payment_request(
    session: AsyncSession, deps: BookingDeps, booking: Booking, payment: Payment
) -> PaymentRequest:
    hall = await hall_copy(session, booking.hall_id, deps.now())
    client = await session.get(Client, booking.client_id)
    assert hall is not None and client is not None
    local = booking.start_at.astimezone(deps.rules.tz)
    description = f"{hall.name}, {local:%d.%m.%Y %H:%M}, бронь {booking.code}"
    mode = {
        PaymentKind.PREPAYMENT: "partial_prepayment",
        PaymentKind.FULL: "full_prepayment",
        PaymentKind.BALANCE: "full_payment",
    }[PaymentKind(payment.kind)]
    base = deps.base_url.rstrip("/")
    return PaymentRequest(
        payment_id=payment.id,
        booking_code=booking.code,
        amount=payment.amount,
        description=description[:128],
        return_url=deps.return_url or f"{base}/pay/return/{booking.code}",
        notification_url=f"{base}/api/payments/webhook/{payment.gateway}",
        idempotency_key=payment.idempotency_key,
        receipt=deps.receipts.receipt(
            f"Аренда фотостудии: {hall.name}", mode, client.email, client.phone
        ),
        metadata={"payment_id": str(payment.id), "booking_code": booking.code},
    )


# The statuses each reported status may follow; anything else is a repeat or stale.
_MOVES: dict[PaymentStatus, frozenset[PaymentStatus]] = {
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


def _changes(payment: Payment, new: PaymentStatus) -> bool:
    old = PaymentStatus(payment.status)
    return old != new and old in _MOVES.get(new, frozenset())


async def apply_payment_state(
    session: AsyncSession, deps: BookingDeps, gateway: str, state: PaymentState
) -> str:
    """Apply a verified gateway report once; repeats and stale reports change nothing.

    Returns what happened, for the log: "applied", "duplicate" or "stale".

    Gateways deliver each report several times, so a report that changes nothing is settled
    by one unlocked read. A change on PostgreSQL reads the rows again under lock: another
    process may have applied the same report in between.
    """
    payment, booking = await _find_payment(session, gateway, state)
    _check_amount(payment, state)
    if _changes(payment, state.status) and queries.is_postgres(session):
        payment, booking = await _lock(session, payment, state.status)
    if not _changes(payment, state.status):
        await session.commit()
        outcome = "duplicate" if payment.status == state.status else "stale"
        log.info(
            "payment report ignored",
            extra={"payment_id": payment.id, "outcome": outcome, "reported": str(state.status)},
        )
        return outcome
    async with batched_events(session):
        refunds = await _apply(session, deps, payment, booking, state)
    await session.commit()
    await execute_refunds(session, deps, [r.id for r in refunds])
    return "applied"


def _check_amount(payment: Payment, state: PaymentState) -> None:
    if state.amount is not None and (
        state.amount != payment.amount or state.currency.upper() != payment.currency
    ):
        raise PaymentMismatch(
            "amount_mismatch",
            f"Gateway reports {state.amount} {state.currency}, "
            f"payment {payment.id} asked {payment.amount} {payment.currency}.",
        )


async def _lock(
    session: AsyncSession, payment: Payment, new: PaymentStatus
) -> tuple[Payment, Booking | None]:
    """The payment locked with fresh values; with its booking, locked too, for a success.
    The booking is locked first, the order every use case takes the two in (a refund, a
    cancellation, a new payment), so a webhook and a refund cannot deadlock."""
    if new == PaymentStatus.SUCCEEDED:
        booking = await queries.booking_for_update(session, payment.booking_id)
        fresh_payment = await queries.payment_for_update(session, payment.id)
        assert booking is not None and fresh_payment is not None
        return fresh_payment, booking
    fresh = await queries.payment_for_update(session, payment.id)
    assert fresh is not None
    return fresh, None


async def _apply(
    session: AsyncSession,
    deps: BookingDeps,
    payment: Payment,
    booking: Booking | None,
    state: PaymentState,
) -> list[Refund]:
    """Move the payment to the reported status; a success settles its booking."""
    payment.status = state.status
    payment.raw = dict(state.raw)
    if state.status == PaymentStatus.SUCCEEDED:
        payment.paid_at = deps.now()
        payment.gateway_payment_id = payment.gateway_payment_id or state.gateway_payment_id
        if booking is None:
            booking = await queries.booking_for_update(session, payment.booking_id)
            assert booking is not None
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


async def _find_payment(
    session: AsyncSession, gateway: str, state: PaymentState
) -> tuple[Payment, Booking | None]:
    """The reported payment, by the gateway's id (with its booking), or else by our order
    number or payment id for a payment whose create timed out. Unlocked: a change re-reads
    the rows under lock (`_lock`)."""
    found = await queries.reported_payment(session, gateway, state.gateway_payment_id)
    payment, booking = found if found is not None else (None, None)
    if payment is None and state.order_key is not None:
        # The gateway's order number (signed or fetched) names our payment better than an
        # unsigned field such as T-Bank's DATA; it links a payment whose create timed out.
        stmt = select(Payment).where(Payment.idempotency_key == state.order_key)
        candidate = (await session.scalars(stmt)).first()
        if (
            candidate is not None
            and candidate.gateway == gateway
            and candidate.gateway_payment_id in (None, state.gateway_payment_id)
        ):
            payment = candidate
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
    if state.order_key is not None and state.order_key != payment.idempotency_key:
        raise PaymentMismatch(
            "order_mismatch", f"Gateway reports another order for payment {payment.id}."
        )
    return payment, booking


async def confirm_by_hand(
    session: AsyncSession, deps: BookingDeps, booking_id: int, amount: int | None, note: str
) -> Booking:
    """An admin records money paid outside the gateways (cash, transfer) and confirms.

    `amount` None means what is due now (the prepayment, or the balance of a confirmed
    booking); 0 confirms a trusted client's booking with nothing paid yet.
    """
    booking = await queries.booking_for_update(session, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "No such booking.")
    status = BookingStatus(booking.status)
    now = deps.now()
    if status == BookingStatus.CONFIRMED and booking.paid >= booking.total:
        raise InvalidTransition("not_payable", "The booking is confirmed and fully paid.")
    if status not in (BookingStatus.CONFIRMED, BookingStatus.EXPIRED):
        check_transition(status, BookingStatus.CONFIRMED)
    if status == BookingStatus.EXPIRED and booking.start_at <= now:
        raise InvalidTransition("too_late", "The booking's time has already begun.")
    due = booking.total - booking.paid
    if amount is None:
        amount = booking.prepay_amount if status != BookingStatus.CONFIRMED else due
    if amount < 0 or amount > due or (amount == 0 and status == BookingStatus.CONFIRMED):
        raise BookingRuleError("bad_amount", f"The amount must be between 0 and {due} kopecks.")
    if amount == 0:
        await confirm_unpaid(session, deps, booking)
        await session.commit()
        return booking
    payment = Payment(
        booking_id=booking.id,
        gateway="cash",
        kind=_cash_kind(booking, amount),
        amount=amount,
        status=PaymentStatus.SUCCEEDED,
        idempotency_key=f"cash-{uuid.uuid4().hex}",
        raw={"note": note[:200]},
        created_at=now,
        updated_at=now,
        paid_at=now,
    )
    session.add(payment)
    await session.flush()
    record_event(
        session,
        EventType.PAYMENT_SUCCEEDED,
        booking=booking,
        payment=payment,
        by="admin",
        balance=status == BookingStatus.CONFIRMED,
    )
    await settle_payment(session, deps, booking, payment, refund_on_conflict=False)
    await session.commit()
    return booking


def _cash_kind(booking: Booking, amount: int) -> PaymentKind:
    if booking.status == BookingStatus.CONFIRMED:
        return PaymentKind.BALANCE
    return PaymentKind.FULL if amount == booking.total else PaymentKind.PREPAYMENT


async def request_refund(
    session: AsyncSession, deps: BookingDeps, payment_id: int, amount: int | None, reason: str
) -> Refund:
    """An admin's refund of a payment, full (amount None) or partial."""
    payment = await queries.payment_for_update(session, payment_id)
    if payment is None:
        raise NotFound("payment_not_found", "No such payment.")
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
            "refund_too_large", f"At most {left} kopecks of this payment can be refunded."
        )
    booking = await queries.booking_for_update(session, payment.booking_id)
    assert booking is not None
    refund = await create_refund(session, deps, booking, payment, amount, reason)
    await session.commit()
    await execute_refunds(session, deps, [refund.id])
    await session.refresh(refund)
    return refund
