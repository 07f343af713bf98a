"""Reconciliation: ask gateways about payments and refunds whose webhook never came."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.payment_reports import apply_payment_report
from booking.refunds import execute_refund
from db import queries
from payments.base import GatewayError

log = logging.getLogger(__name__)

PAYMENT_AGE = timedelta(minutes=3)
PAYMENT_GIVE_UP = timedelta(days=2)
REFUND_AGE = timedelta(minutes=2)


async def reconcile_payments(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, limit: int = 50
) -> int:
    """Apply the gateway's word on payments pending for a while; returns how many changed."""
    now = deps.now()
    async with sessionmaker() as session:
        found = await queries.stale_pending_payments(
            session, now - PAYMENT_AGE, limit, newer_than=now - PAYMENT_GIVE_UP
        )
        stale = [(p.gateway, p.gateway_payment_id) for p in found]
        # Marked before asking: a gateway that fails or hangs on one payment must not keep
        # it at the head of the queue either.
        await queries.mark_checked(session, [p.id for p in found], now)
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
        ids = [r.id for r in await queries.pending_refunds(session, stale_before, limit, now)]
    sent = 0
    for refund_id in ids:
        async with sessionmaker() as session:
            if await execute_refund(session, deps, refund_id, stale_before=stale_before):
                sent += 1
    return sent
