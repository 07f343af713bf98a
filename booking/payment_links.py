"""Asking a gateway for a payment's link: the intent committed first, the payment marked as
being asked (renewed while the call lasts, so another request waits for its answer instead
of registering the order twice), then the answer stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.errors import GatewayUnavailable
from booking.payment_due import PaymentKind
from booking.pricing import booking_receipt
from db import payment_queries
from db.models import Booking, Client, Hall, Payment
from payments.base import GatewayError, PaymentProvider, PaymentRequest, PaymentStatus

log = logging.getLogger(__name__)


#: The asking request renews its mark this often for as long as the gateway takes
#: (booking.paying.ASKING_FOR says how old a mark may be before it counts as dead).
ASKING_RENEW_SECONDS = 20.0


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
