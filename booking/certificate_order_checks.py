"""Certificate orders whose gateway's word has not come: the ones reconciliation asks the gateway
about again, and the ones past their gateway's lifetime the admins are told of once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.events import EventType, record_event
from db.certificates import CertificateOrder
from payments.base import PAYMENT_LIFETIME, STUCK_GRACE, stuck_before

log = logging.getLogger(__name__)


async def stale_orders(
    session: AsyncSession, now: datetime, older_than: datetime, limit: int, *, newer_than: datetime
) -> Sequence[CertificateOrder]:
    """Orders still waiting for their gateway's word after a while (their webhook may have
    been lost), the least recently asked first; each is marked asked now."""
    last_asked = func.coalesce(CertificateOrder.checked_at, CertificateOrder.created_at)
    stmt = (
        select(CertificateOrder)
        .where(
            CertificateOrder.status.in_(("pending", "authorized")),
            CertificateOrder.gateway_payment_id.is_not(None),
            CertificateOrder.created_at >= newer_than,
            last_asked <= older_than,
        )
        .order_by(last_asked, CertificateOrder.id)
        .limit(limit)
    )
    found = (await session.scalars(stmt)).all()
    for order in found:
        order.checked_at = now
    return found


def _waiting_past_lifetime(now: datetime) -> Any:
    """Orders still waiting for their gateway's word, made before the shortest lifetime
    and its grace (each gateway's own is checked by the caller), admins not told."""
    return (
        CertificateOrder.status.in_(("pending", "authorized")),
        CertificateOrder.created_at < now - min(PAYMENT_LIFETIME.values()) - STUCK_GRACE,
        CertificateOrder.stuck_told_at.is_(None),
    )


async def stuck_orders(session: AsyncSession, now: datetime) -> list[CertificateOrder]:
    """Orders waiting past their gateway's lifetime that no admin was told about: the
    payer may have paid and the gateway's word never came (the audit lists them too)."""
    stmt = select(CertificateOrder).where(*_waiting_past_lifetime(now))
    found = (await session.scalars(stmt.order_by(CertificateOrder.id))).all()
    return [o for o in found if o.created_at < stuck_before(o.gateway, now)]


async def tell_stuck(session: AsyncSession, now: datetime) -> int:
    """Tell the admins once about each stuck order (claimed first, so several processes
    tell once); in the caller's transaction."""
    told = 0
    for order in await stuck_orders(session, now):
        claimed = await session.execute(
            update(CertificateOrder)
            .where(CertificateOrder.id == order.id, CertificateOrder.stuck_told_at.is_(None))
            .values(stuck_told_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            continue
        record_event(
            session,
            EventType.CERTIFICATE_ORDER_STUCK,
            order_id=order.id,
            amount=order.amount,
            gateway=order.gateway,
            gateway_payment_id=order.gateway_payment_id,
        )
        log.warning(
            "certificate order stuck past its gateway's lifetime",
            extra={"order_id": order.id, "gateway": order.gateway},
        )
        told += 1
    return told
