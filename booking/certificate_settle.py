"""A certificate order that its gateway never gave the final word on, settled by an admin
who looked the payment up in the gateway's cabinet.

The order itself is settled, never a certificate issued beside it: paid, it issues its one
certificate (sent to the buyer as a purchase's is) and a later success report from the
gateway finds it succeeded already and issues nothing; not paid, it is cancelled, and should
the gateway report the money after all, that report issues the certificate, once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.certificate_reports import issue_for
from booking.deps import BookingDeps
from booking.errors import InvalidTransition, NotFound
from booking.events import EventType, record_event
from db.certificates import CertificateOrder, GiftCertificate
from db.queries import locked
from payments.base import PaymentStatus

#: What the gateway may still decide: anything else is settled already.
WAITING = (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)


@dataclass(frozen=True, slots=True)
class Settled:
    order: CertificateOrder
    certificate: GiftCertificate | None


async def settle_order(
    session: AsyncSession, deps: BookingDeps, order_id: int, *, paid: bool, admin_id: int | None
) -> Settled:
    """Settle a waiting order as paid (the admin saw the money arrive) or not; 404
    `order_not_found`, 409 `order_settled` when its outcome is known already."""
    stmt = (
        select(CertificateOrder)
        .where(CertificateOrder.id == order_id)
        .execution_options(populate_existing=True)
    )
    order = (await session.scalars(locked(stmt, session))).first()
    if order is None:
        raise NotFound("order_not_found", "No such certificate order.")
    if order.status not in WAITING or order.certificate_id is not None:
        raise InvalidTransition(
            "order_settled", f"Certificate order {order.id} is {order.status} already."
        )
    now = deps.now()
    order.raw = {**(order.raw or {}), "settled_by": "admin", "admin_id": admin_id}
    order.updated_at = now
    if paid:
        order.status = PaymentStatus.SUCCEEDED
        order.paid_at = now
        await issue_for(session, deps, order)
    else:
        order.status = PaymentStatus.CANCELED
    record_event(
        session,
        EventType.CERTIFICATE_ORDER_SETTLED,
        order_id=order.id,
        paid=paid,
        amount=order.amount,
        gateway=order.gateway,
        admin_id=admin_id,
    )
    await session.commit()
    made = (
        await session.get(GiftCertificate, order.certificate_id) if order.certificate_id else None
    )
    return Settled(order, made)
