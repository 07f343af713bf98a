"""What a refund's call to the gateway is sent with and judged by: the claim on a retried
refund, the payment's other refunds, the refund's receipt, and the rows locked after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.pricing import booking_receipt
from booking.refund_outcome import REFUSED
from db import payment_queries, queries
from db.models import Booking, Client, Hall, Payment, Refund
from payments.base import ReceiptInfo, RefundStatus


async def claim(
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


async def locked(
    session: AsyncSession, booking: Booking, payment: Payment
) -> tuple[Booking, Payment]:
    """Re-read the rows whose totals change, locked: other refunds may have moved them."""
    fresh_booking = await queries.booking_for_update(session, booking.id)
    fresh_payment = await payment_queries.payment_for_update(session, payment.id)
    assert fresh_booking is not None and fresh_payment is not None
    return fresh_booking, fresh_payment


@dataclass(frozen=True)
class OtherRefunds:
    """The payment's other refunds, as a retry judges by them."""

    #: What they have returned, by our records.
    returned: int
    #: What those still pending would return that were sent and not refused: made, for
    #: all we know.
    in_doubt: int
    #: Each one's state, to see whether any moved meanwhile.
    states: frozenset[tuple[int, str, int, bool, str | None]]


async def other_refunds(session: AsyncSession, refund: Refund) -> OtherRefunds:
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
    return OtherRefunds(returned, in_doubt, frozenset(states))


RECEIPT_MODES = {
    "prepayment": "partial_prepayment",
    "full": "full_prepayment",
    "balance": "full_payment",
}


async def refund_receipt(
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
        deps, booking, hall, client, RECEIPT_MODES.get(payment.kind, "full_payment")
    )
