"""A verified gateway report applied to the certificate order it names: the order locked, moved
only forward, and its certificate issued once when the money came (booking.payment_reports
hands the report here)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates
from booking.certificate_orders import ORDER_PREFIX
from booking.deps import BookingDeps
from booking.errors import NotFound, PaymentMismatch
from booking.events import EventType, record_event
from db.certificates import CertificateOrder
from db.queries import locked
from payments.base import PaymentState, PaymentStatus

log = logging.getLogger(__name__)


async def reported(
    session: AsyncSession, gateway: str, state: PaymentState
) -> CertificateOrder | None:
    """The order a verified report is about, or None when it is about a booking's payment.
    An order number of ours for an order we do not have is refused (404)."""
    order = await session.scalar(
        select(CertificateOrder).where(
            CertificateOrder.gateway == gateway,
            CertificateOrder.gateway_payment_id == state.gateway_payment_id,
        )
    )
    key = state.order_key
    if order is None and key is not None and key.startswith(ORDER_PREFIX):
        order = await session.scalar(
            select(CertificateOrder).where(CertificateOrder.idempotency_key == key)
        )
        if order is None or order.gateway != gateway:
            raise NotFound("unknown_payment", "No such payment.")
        if order.gateway_payment_id not in (None, state.gateway_payment_id):
            # Money on another registration of the order: left to the admins (the log).
            log.warning(
                "certificate order paid on another registration",
                extra={"order_id": order.id, "gateway_payment_id": state.gateway_payment_id},
            )
            raise PaymentMismatch("order_mismatch", f"Another payment of order {order.id}.")
    if order is None:
        return None
    if key is not None and key != order.idempotency_key:
        raise PaymentMismatch("order_mismatch", f"Gateway reports another order than {order.id}.")
    if state.amount is not None and (
        state.amount != order.amount or state.currency.upper() != order.currency
    ):
        raise PaymentMismatch(
            "amount_mismatch",
            f"Gateway reports {state.amount} {state.currency}, order {order.id} asked "
            f"{order.amount} {order.currency}.",
        )
    return order


async def apply_report(
    session: AsyncSession,
    deps: BookingDeps,
    order: CertificateOrder,
    state: PaymentState,
    moves: Mapping[PaymentStatus, frozenset[PaymentStatus]],
) -> str:
    """Apply one verified report to its order and commit: a success issues the certificate
    and queues its code for the buyer. "applied", "duplicate" or "stale", as for payments."""
    stmt = (
        select(CertificateOrder)
        .where(CertificateOrder.id == order.id)
        .execution_options(populate_existing=True)
    )
    locked_order = (await session.scalars(locked(stmt, session))).one()
    old = PaymentStatus(locked_order.status)
    if old == state.status or old not in moves.get(state.status, frozenset()):
        await session.commit()
        return "duplicate" if old == state.status else "stale"
    now = deps.now()
    locked_order.status = state.status
    locked_order.raw = dict(state.raw)
    locked_order.updated_at = now
    locked_order.gateway_payment_id = locked_order.gateway_payment_id or state.gateway_payment_id
    if state.status == PaymentStatus.SUCCEEDED and locked_order.certificate_id is None:
        locked_order.paid_at = now
        await issue_for(session, deps, locked_order)
    await session.commit()
    return "applied"


async def issue_for(session: AsyncSession, deps: BookingDeps, order: CertificateOrder) -> None:
    """Issue the order's certificate (the caller has the order locked, paid, none issued)
    and queue its code for the buyer."""
    buyer = certificates.Buyer(
        order.buyer_name, order.buyer_phone, order.buyer_email, order.buyer_telegram_id
    )
    certificate = await certificates.issue(
        session, deps, order.amount, issued_by="purchase", buyer=buyer, commit=False
    )
    order.certificate_id = certificate.id
    record_event(
        session,
        EventType.CERTIFICATE_PURCHASED,
        order_id=order.id,
        certificate_code=certificate.code,
        amount=order.amount,
        gateway=order.gateway,
        expires_at=certificate.expires_at.isoformat(),
        telegram_id=order.buyer_telegram_id,
        email=order.buyer_email,
        name=order.buyer_name,
        language=order.language,
    )
