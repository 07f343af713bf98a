"""Queries of payments and refunds, used by the use cases and the jobs. None of them commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Payment, Refund
from db.queries import locked


async def refund_for_update(session: AsyncSession, refund_id: int) -> Refund | None:
    """The refund, locked, with fresh values even if the session already held it."""
    stmt = select(Refund).where(Refund.id == refund_id).execution_options(populate_existing=True)
    return (await session.scalars(locked(stmt, session))).first()


async def payment_for_update(session: AsyncSession, payment_id: int) -> Payment | None:
    """The payment, locked, with fresh values even if the session already held it."""
    stmt = (
        select(Payment).where(Payment.id == payment_id).execution_options(populate_existing=True)
    )
    stmt = locked(stmt, session)
    return (await session.scalars(stmt)).first()


async def open_payment(
    session: AsyncSession,
    booking_id: int,
    gateway: str,
    kind: str,
    amount: int,
    *,
    since: datetime,
) -> Payment | None:
    """A fresh pending payment the payer can still use, so a double tap makes one payment."""
    stmt = (
        select(Payment)
        .where(
            Payment.booking_id == booking_id,
            Payment.gateway == gateway,
            Payment.kind == kind,
            Payment.amount == amount,
            Payment.status == "pending",
            Payment.created_at >= since,
        )
        .order_by(Payment.id.desc())
    )
    return (await session.scalars(stmt)).first()


async def payments_of(session: AsyncSession, booking_id: int) -> Sequence[Payment]:
    stmt = select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id)
    return (await session.scalars(stmt)).all()


async def refunds_of(session: AsyncSession, booking_id: int) -> Sequence[Refund]:
    stmt = select(Refund).where(Refund.booking_id == booking_id).order_by(Refund.id)
    return (await session.scalars(stmt)).all()


async def add_with_derived_key(
    session: AsyncSession, row: Payment | Refund, key_of: Callable[[int], str]
) -> None:
    """Insert a payment or refund, then give it the idempotency key derived from its id, so
    that every retry towards the gateway sends the same key. The random placeholder only
    holds the unique column until the id is known."""
    row.idempotency_key = f"new-{uuid.uuid4().hex}"
    session.add(row)
    await session.flush()
    row.idempotency_key = key_of(row.id)


async def stale_pending_payments(
    session: AsyncSession, older_than: datetime, limit: int, *, newer_than: datetime
) -> Sequence[Payment]:
    """Payments still pending after a while: their webhook may have been lost.

    Links older than `newer_than` have lapsed at every gateway; asking again is pointless.
    Each is asked about at most once per `older_than`, the least recently asked first, so
    a crowd of abandoned checkouts takes turns with the rest instead of blocking them.
    """
    last_asked = func.coalesce(Payment.checked_at, Payment.created_at)
    stmt = (
        select(Payment)
        .where(
            Payment.status.in_(("pending", "authorized")),
            Payment.gateway_payment_id.is_not(None),
            Payment.created_at >= newer_than,
            last_asked <= older_than,
        )
        .order_by(last_asked, Payment.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def link_payment(
    session: AsyncSession,
    payment_id: int,
    gateway_payment_id: str,
    confirmation_url: str,
    raw: Mapping[str, Any],
    now: datetime,
    replaces: Sequence[str] = (),
) -> bool:
    """Store a gateway's answer to creating the payment, unless the payment is already
    linked to another live one of the gateway's payments (the first answer stored is the
    link handed out); a link to one the answer `replaces` (cancelled) is overwritten. True if
    stored."""
    result = await session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id,
            or_(
                Payment.gateway_payment_id.is_(None),
                Payment.gateway_payment_id.in_([gateway_payment_id, *replaces]),
            ),
        )
        .values(
            gateway_payment_id=gateway_payment_id,
            confirmation_url=confirmation_url,
            raw=dict(raw),
            error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def mark_asked(session: AsyncSession, payment_id: int, now: datetime) -> None:
    """The gateway is still being asked to create the payment (unless it has answered)."""
    await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.asked_at.is_not(None))
        .values(asked_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def mark_checked(session: AsyncSession, payment_ids: Sequence[int], now: datetime) -> None:
    """Reconciliation asked the gateway about these payments now."""
    if payment_ids:
        await session.execute(
            update(Payment)
            .where(Payment.id.in_(payment_ids))
            .values(checked_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )


async def pending_refunds(
    session: AsyncSession, older_than: datetime, limit: int, now: datetime
) -> Sequence[Refund]:
    """Refunds still pending, untouched since `older_than` and past their pause."""
    stmt = (
        select(Refund)
        .where(
            Refund.status == "pending",
            Refund.updated_at <= older_than,
            or_(Refund.retry_at.is_(None), Refund.retry_at <= now),
        )
        .order_by(Refund.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def claim_stuck_notice(session: AsyncSession, payment_id: int, now: datetime) -> bool:
    """Mark a payment as stuck, told to admins now; false if another process did first."""
    result = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.stuck_told_at.is_(None))
        .values(stuck_told_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
