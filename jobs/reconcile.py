"""Reconciliation: ask gateways about payments and refunds whose webhook never came, and
tell the admins about payments no answer settled before their gateway's lifetime ran out."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking import certificate_order_checks
from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.events import EventType, record_event
from booking.payment_reports import apply_payment_report
from booking.refunds import execute_refund
from db import ledger, payment_queries
from db.models import Booking, Payment
from payments.base import (
    LONGEST_PAYMENT_LIFETIME,
    PAYMENT_LIFETIME,
    STUCK_GRACE,
    GatewayError,
    stuck_before,
)

log = logging.getLogger(__name__)

PAYMENT_AGE = timedelta(minutes=3)
#: Past every gateway's lifetime (and the grace after it): the answer will not change.
PAYMENT_GIVE_UP = LONGEST_PAYMENT_LIFETIME + STUCK_GRACE
REFUND_AGE = timedelta(minutes=2)


async def reconcile_payments(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, limit: int = 50
) -> int:
    """Apply the gateway's word on payments pending for a while; returns how many changed."""
    now = deps.now()
    async with sessionmaker() as session:
        found = await payment_queries.stale_pending_payments(
            session, now - PAYMENT_AGE, limit, newer_than=now - PAYMENT_GIVE_UP
        )
        stale = [(p.gateway, p.gateway_payment_id) for p in found]
        # Marked before asking: a gateway that fails or hangs on one payment must not keep
        # it at the head of the queue either.
        await payment_queries.mark_checked(session, [p.id for p in found], now)
        # Gift certificates bought online wait for the same word, on the same terms.
        orders = await certificate_order_checks.stale_orders(
            session, now, now - PAYMENT_AGE, limit, newer_than=now - PAYMENT_GIVE_UP
        )
        stale += [(o.gateway, o.gateway_payment_id) for o in orders]
        await session.commit()
    changed = 0
    for gateway, gateway_payment_id in stale:
        provider = deps.provider(gateway)
        if provider is None or gateway_payment_id is None:
            continue
        try:
            state = await provider.fetch_payment(gateway_payment_id)
        except GatewayError as exc:
            log.info(
                "reconcile: gateway did not answer", extra={"gateway": gateway, "error": str(exc)}
            )
            continue
        async with sessionmaker() as session:
            try:
                if await apply_payment_report(session, deps, gateway, state) == "applied":
                    changed += 1
            except DomainError as exc:
                log.warning(
                    "reconcile: report refused",
                    extra={
                        "gateway": gateway,
                        "gateway_payment_id": gateway_payment_id,
                        "code": exc.code,
                    },
                )
    return changed


async def retry_refunds(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, limit: int = 50
) -> int:
    """Send again the refunds a gateway failed or has not finished (same idempotency key)."""
    now = deps.now()
    stale_before = now - REFUND_AGE
    async with sessionmaker() as session:
        ids = [
            r.id for r in await payment_queries.pending_refunds(session, stale_before, limit, now)
        ]
    sent = 0
    for refund_id in ids:
        async with sessionmaker() as session:
            if await execute_refund(session, deps, refund_id, stale_before=stale_before):
                sent += 1
    return sent


async def tell_stuck_payments(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> int:
    """Payments (and gift certificate orders) still waiting after their gateway's lifetime
    and the grace after it: the admins are told once about each (they look it up in the
    gateway's cabinet). Each is claimed first, so several processes tell about it once."""
    now = deps.now()
    shortest = min(PAYMENT_LIFETIME.values()) + STUCK_GRACE
    told = 0
    async with sessionmaker() as session:
        waiting = await ledger.waiting_payments(session, now - shortest)
        for row in waiting:
            if row.created_at >= stuck_before(row.gateway, now):
                continue
            if not await payment_queries.claim_stuck_notice(session, row.id, now):
                continue
            payment = await session.get(Payment, row.id)
            assert payment is not None
            booking = await session.get(Booking, payment.booking_id)
            record_event(session, EventType.PAYMENT_STUCK, booking=booking, payment=payment)
            log.warning(
                "payment stuck past its gateway's lifetime",
                extra={"payment_id": row.id, "gateway": row.gateway},
            )
            told += 1
        told += await certificate_order_checks.tell_stuck(session, now)
        await session.commit()
    return told
