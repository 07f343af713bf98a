"""Which payment of ours a gateway's verified report is about: by the gateway's id, else by our
order number or payment id (a create that timed out), else a payment of its own for money paid
on another registration of the order; its order and amount checked against the report's."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import NotFound, PaymentMismatch
from db import queries
from db.models import Payment
from payments.base import PaymentState, PaymentStatus

log = logging.getLogger(__name__)

#: Joins a payment's key to the digest of a sibling's gateway id (see `_sibling`).
SIBLING_MARK = "~"


async def find_payment(session: AsyncSession, gateway: str, state: PaymentState) -> Payment:
    """The reported payment: by the gateway's id, or else by our order number or payment id
    for a payment whose create timed out; a success on another registration of our order
    is recorded as a payment of its own. Its order and amount must be the reported ones."""
    payment = await _by_gateway_id(session, gateway, state)
    if payment is None and state.order_key is not None:
        # The gateway's order number (signed or fetched) names our payment better than an
        # unsigned field such as T-Bank's DATA; it links a payment whose create timed out.
        stmt = select(Payment).where(Payment.idempotency_key == state.order_key)
        candidate = (await session.scalars(stmt)).first()
        if candidate is not None and candidate.gateway == gateway:
            if candidate.gateway_payment_id in (None, state.gateway_payment_id):
                payment = candidate
            elif state.status == PaymentStatus.SUCCEEDED:
                _check_amount(candidate, state)
                payment = await _sibling(session, candidate, state)
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
    if state.order_key is not None and state.order_key != _order_key_of(payment):
        raise PaymentMismatch(
            "order_mismatch", f"Gateway reports another order for payment {payment.id}."
        )
    if state.our_payment_id is not None and state.our_payment_id != payment.id:
        named = await session.get(Payment, state.our_payment_id)
        if named is None or named.idempotency_key != _order_key_of(payment):  # not its sibling
            raise PaymentMismatch(
                "order_mismatch", f"Gateway names another payment than {payment.id}."
            )
    _check_amount(payment, state)
    return payment


async def _by_gateway_id(
    session: AsyncSession, gateway: str, state: PaymentState
) -> Payment | None:
    stmt = select(Payment).where(
        Payment.gateway == gateway, Payment.gateway_payment_id == state.gateway_payment_id
    )
    return (await session.scalars(stmt)).first()


async def _sibling(session: AsyncSession, payment: Payment, state: PaymentState) -> Payment:
    """A payment of ours for money paid on another registration of its order (`-r2`).

    Two requests that registered one order twice leave the payment linked to one of the
    gateway's payments; the payer may have paid the other. That money is real and verified:
    it is recorded beside the payment and applied like any success (it confirms the booking,
    or is refunded if the booking is paid already)."""
    # With the booking locked, another delivery of this report cannot record it meanwhile.
    await queries.booking_for_update(session, payment.booking_id)
    recorded = await _by_gateway_id(session, payment.gateway, state)
    if recorded is not None:
        return recorded
    digest = hashlib.sha256(state.gateway_payment_id.encode()).hexdigest()[:16]
    sibling = Payment(
        booking_id=payment.booking_id,
        gateway=payment.gateway,
        gateway_payment_id=state.gateway_payment_id,
        kind=payment.kind,
        amount=payment.amount,
        currency=payment.currency,
        status=PaymentStatus.PENDING,
        idempotency_key=f"{payment.idempotency_key}{SIBLING_MARK}{digest}",
    )
    session.add(sibling)
    await session.flush()  # its id, to lock and to name in its events
    log.warning(
        "payment on another registration of an order",
        extra={"payment_id": payment.id, "gateway_payment_id": state.gateway_payment_id},
    )
    return sibling


def _order_key_of(payment: Payment) -> str:
    """The order number the gateway knows the payment by (a sibling shares its original's)."""
    return payment.idempotency_key.partition(SIBLING_MARK)[0]


def _check_amount(payment: Payment, state: PaymentState) -> None:
    if state.amount is not None and (
        state.amount != payment.amount or state.currency.upper() != payment.currency
    ):
        raise PaymentMismatch(
            "amount_mismatch",
            f"Gateway reports {state.amount} {state.currency}, "
            f"payment {payment.id} asked {payment.amount} {payment.currency}.",
        )
