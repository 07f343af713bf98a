"""Payments of a booking: starting one at a gateway, or handing out the link of one that is
already being made.

What is due is said by `booking.payment_due`, the gateway asked by `booking.payment_links`, an
admin's refund made by `booking.refund_requests`, and what a gateway reports applied by
`booking.payment_reports`.

Transactions are never held open across a gateway call: the payment row is committed first
(with an idempotency key derived from its id), then the gateway is asked, then the answer is
stored. A retried call reuses the same row and key, so it cannot charge twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, GatewayUnavailable, InvalidTransition, NotFound
from booking.events import EventType, record_event
from booking.lapsing import expire_one
from booking.payment_due import PaymentKind, amount_due
from booking.payment_links import ask_gateway
from db import payment_queries, queries
from db.models import Booking, Payment
from payments.base import PaymentProvider, PaymentStatus

log = logging.getLogger(__name__)

# A payment link is offered again (a double tap, a page reload) only while it is fresh;
# gateways let unpaid links lapse, so an older one is replaced by a new payment.
REUSE_PAYMENT_FOR = timedelta(minutes=30)
#: While a gateway is being asked to create a payment, another request for it waits for that
#: answer instead of asking again: a second registration of the order would cancel the first
#: one's link. The asking request renews its mark every ASKING_RENEW_SECONDS for as long as
#: the gateway takes; a mark older than ASKING_FOR is one whose process died.
ASKING_FOR = timedelta(minutes=1)
#: How long that other request waits for the link before it gives up ("try again").
WAIT_FOR_LINK_SECONDS = 10.0
_POLL_SECONDS = 0.1


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
