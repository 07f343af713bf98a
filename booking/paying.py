"""Payments of a booking: starting one at a gateway, money an admin records, a refund asked.

What a gateway reports is applied by `booking.payment_reports`.

Transactions are never held open across a gateway call: the payment row is committed first
(with an idempotency key derived from its id), then the gateway is asked, then the answer is
stored. A retried call reuses the same row and key, so it cannot charge twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import (
    BookingRuleError,
    GatewayUnavailable,
    InvalidTransition,
    NotFound,
)
from booking.events import EventType, record_event
from booking.lapsing import expire_one
from booking.pricing import booking_receipt
from booking.refunds import create_refund, execute_refunds
from db import payment_queries, queries
from db.models import Booking, Client, Hall, Payment, Refund
from payments.base import (
    GatewayError,
    PaymentProvider,
    PaymentRequest,
    PaymentStatus,
)

log = logging.getLogger(__name__)

# A payment link is offered again (a double tap, a page reload) only while it is fresh;
# gateways let unpaid links lapse, so an older one is replaced by a new payment.
REUSE_PAYMENT_FOR = timedelta(minutes=30)
#: While a gateway is being asked to create a payment, another request for it waits for that
#: answer instead of asking again: a second registration of the order would cancel the first
#: one's link. The asking request renews its mark every ASKING_RENEW_SECONDS for as long as
#: the gateway takes; a mark older than ASKING_FOR is one whose process died.
ASKING_FOR = timedelta(minutes=1)
ASKING_RENEW_SECONDS = 20.0
#: How long that other request waits for the link before it gives up ("try again").
WAIT_FOR_LINK_SECONDS = 10.0
_POLL_SECONDS = 0.1


class PaymentKind(StrEnum):
    PREPAYMENT = "prepayment"
    FULL = "full"
    BALANCE = "balance"
    #: The difference a change of the booking costs (booking/changes.py).
    CHANGE = "change"


def amount_due(booking: Booking, now: datetime) -> tuple[int, PaymentKind | None]:
    """What the client can pay now and what that payment is."""
    if booking.status == BookingStatus.PENDING_PAYMENT:
        if booking.hold_expires_at is not None and booking.hold_expires_at <= now:
            return 0, None
        if booking.prepay_amount < booking.total:
            return booking.prepay_amount, PaymentKind.PREPAYMENT
        return booking.total, PaymentKind.FULL
    live = booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
    if live and pending_change_due(booking, now):
        return booking.change_due, PaymentKind.CHANGE
    if booking.status == BookingStatus.CONFIRMED and booking.paid < booking.total:
        return booking.total - booking.paid, PaymentKind.BALANCE
    return 0, None


def pending_change_due(booking: Booking, now: datetime) -> bool:
    """A change of the booking waits for its difference, and its held time has not lapsed
    (overtime has no hold: it waits until paid)."""
    return booking.change_due > 0 and (
        booking.change_expires_at is None or booking.change_expires_at > now
    )


async def start_payment(
    session: AsyncSession,
    deps: BookingDeps,
    booking_id: int,
    gateway: str,
    *,
    may_wait: bool = True,
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
    payment = await payment_queries.open_payment(
        session, booking.id, gateway, kind, amount, since=now - REUSE_PAYMENT_FOR
    )
    if payment is not None and payment.confirmation_url:
        await session.commit()
        return payment
    if payment is not None and _being_asked(payment, now):
        await session.commit()  # the booking's lock, for the request that is asking
        if not may_wait:
            raise _still_being_created()
        if await _wait_for_link(session, payment):
            return payment
        # That request failed: this one asks, from the start (and the lock).
        return await start_payment(session, deps, booking_id, gateway, may_wait=False)
    if payment is None:
        payment = await _new_payment(session, booking, gateway, kind, amount, now)
    return await ask_gateway(session, deps, provider, booking, payment)


def _being_asked(payment: Payment, now: datetime) -> bool:
    """Another request is asking the gateway to create this payment (its mark is fresh)."""
    return payment.asked_at is not None and payment.asked_at > now - ASKING_FOR


def _still_being_created() -> GatewayUnavailable:
    return GatewayUnavailable(
        "gateway_unavailable", "The payment is still being created; please try again."
    )


async def _wait_for_link(session: AsyncSession, payment: Payment) -> bool:
    """Another request is asking the gateway for this payment: wait for its answer. True
    once the link is stored; False as soon as that request failed (it clears `asked_at`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_FOR_LINK_SECONDS
    while loop.time() < deadline:
        await asyncio.sleep(_POLL_SECONDS)
        await session.refresh(payment)
        await session.commit()  # no transaction (SQLite's one connection) kept while waiting
        if payment.confirmation_url:
            return True
        if payment.asked_at is None:
            return False
    raise _still_being_created()


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
    await payment_queries.add_with_derived_key(
        session, payment, lambda id_: f"pay-{id_}-{booking.code}"
    )
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
    payment.asked_at = deps.now()
    await session.commit()
    try:
        async with _renewing_mark(session, deps, payment.id):
            created = await provider.create_payment(request)
    except GatewayError as exc:
        log.warning(
            "payment create failed",
            extra={"payment_id": payment.id, "booking_id": booking.id, "gateway": payment.gateway},
        )
        payment.error = str(exc)[:500]
        payment.asked_at = None  # a retry asks again at once
        await session.commit()
        raise GatewayUnavailable(
            "gateway_unavailable", "The payment service did not answer; please try again."
        ) from exc
    if created.status != PaymentStatus.PENDING:
        log.info("gateway created payment in status %s", created.status)
    if not await payment_queries.link_payment(
        session,
        payment.id,
        created.gateway_payment_id,
        created.confirmation_url,
        created.raw,
        deps.now(),
        created.retired,
    ):
        # Another request asked again meanwhile (this process stalled past ASKING_FOR) and
        # stored a live order first; its link is the one handed out, this order never shown.
        # (Had it stored the order this answer cancelled, this answer would have replaced it.)
        log.warning(
            "payment linked by another request",
            extra={"payment_id": payment.id, "gateway": payment.gateway},
        )
    await session.refresh(payment)  # what is stored, this answer or the other request's
    await session.commit()
    return payment


@asynccontextmanager
async def _renewing_mark(
    session: AsyncSession, deps: BookingDeps, payment_id: int
) -> AsyncIterator[None]:
    """Keep the payment's `asked_at` fresh while its gateway call lasts, in a session of its
    own (the caller's holds no transaction meanwhile)."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(ASKING_RENEW_SECONDS)
            async with AsyncSession(session.bind) as own:
                await payment_queries.mark_asked(own, payment_id, deps.now())
                await own.commit()

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _payment_request(
    session: AsyncSession, deps: BookingDeps, booking: Booking, payment: Payment
) -> PaymentRequest:
    hall = await session.get(Hall, booking.hall_id)
    client = await session.get(Client, booking.client_id)
    assert hall is not None and client is not None
    local = booking.start_at.astimezone(deps.rules.tz)
    description = f"{hall.name}, {local:%d.%m.%Y %H:%M}, бронь {booking.code}"
    mode = {
        PaymentKind.PREPAYMENT: "partial_prepayment",
        PaymentKind.FULL: "full_prepayment",
        PaymentKind.BALANCE: "full_payment",
        PaymentKind.CHANGE: "full_prepayment",
    }[PaymentKind(payment.kind)]
    base = deps.base_url.rstrip("/")
    return PaymentRequest(
        payment_id=payment.id,
        amount=payment.amount,
        description=description[:128],
        return_url=deps.return_url or f"{base}/pay/return/{booking.code}",
        notification_url=f"{base}/api/payments/webhook/{payment.gateway}",
        idempotency_key=payment.idempotency_key,
        receipt=booking_receipt(deps, booking, hall, client, mode),
        metadata={"payment_id": str(payment.id), "booking_code": booking.code},
    )


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
            f"At most {left} kopecks of this payment can be refunded.",
            most=left,
        )
    refund = await create_refund(session, deps, booking, payment, amount, reason)
    await session.commit()
    await execute_refunds(session, deps, [refund.id])
    await session.refresh(refund)
    return refund
