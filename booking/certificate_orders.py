"""Gift certificates bought online: an order paid at a gateway like a booking's payment.

Nothing is issued on the buyer's word: the certificate is created only when a verified
gateway report (webhook, reconciliation, the mock checkout's webhook) says the order's money
came, by `booking.payment_reports.apply_payment_report`, which hands the report here when it
names an order (its order number starts with ORDER_PREFIX, or the gateway's id is an
order's). The order row is locked while a report is applied and a report is applied only if
it moves the order forward, so repeats and stale reports issue nothing more: one order, at
most one certificate. The code reaches the buyer through the outbox (CERTIFICATE_PURCHASED).

As for a booking's payment, no transaction is open while a gateway is asked: the order is
committed first with its key, then the gateway is asked, then its answer is stored.

This module starts an order and finds one; the reports are applied in
booking.certificate_reports, and orders whose word never came are found in
booking.certificate_order_checks.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, GatewayUnavailable, NotFound
from booking.holds import check_email, normalize_phone
from db.certificates import CertificateOrder
from payments.base import (
    GatewayError,
    PaymentRequest,
    PaymentStatus,
)

log = logging.getLogger(__name__)

#: Every order number of a certificate order starts with this; a booking's never does.
ORDER_PREFIX = "cert-"
#: What a certificate bought online may be for (kopecks): an admin may issue any amount up
#: to certificates.MAX_AMOUNT, a stranger's card pays between these.
PURCHASE_MIN = 500_00
PURCHASE_MAX = 100_000_00
#: The 54-FZ receipt's one position (fiscal documents are in Russian).
RECEIPT_ITEM = "Подарочный сертификат"


def check_amount(amount: int) -> None:
    """400 `bad_amount` unless a certificate of `amount` may be bought online."""
    if not PURCHASE_MIN <= amount <= PURCHASE_MAX:
        raise BookingRuleError(
            "bad_amount",
            f"A gift certificate bought online is for {PURCHASE_MIN // 100} to "
            f"{PURCHASE_MAX // 100} rubles.",
            least=PURCHASE_MIN,
            most=PURCHASE_MAX,
        )


async def start_purchase(
    session: AsyncSession,
    deps: BookingDeps,
    amount: int,
    gateway: str,
    buyer: certificates.Buyer,
    language: str = "ru",
    *,
    telegram: bool = True,
    email: bool = True,
) -> CertificateOrder:
    """A new order for a certificate of `amount`, registered at `gateway`: its
    `confirmation_url` is where the buyer pays. 400 `bad_amount`, `unknown_gateway`,
    `bad_phone`, `bad_email` (checked as a booking's client's: the code's e-mail and the
    54-FZ receipt need real ones), `no_recipient` (neither an e-mail nor a Telegram chat to
    send the code to; with `telegram` False, as when the bot is off, a chat is none, and with
    `email` False, as when SMTP is off, an e-mail is none); 502
    `gateway_unavailable`, the order kept as failed."""
    provider = deps.provider(gateway)
    if provider is None:
        raise BookingRuleError("unknown_gateway", f"Payment gateway {gateway!r} is not available.")
    check_amount(amount)
    buyer = checked_buyer(buyer)
    if not ((email and buyer.email) or (telegram and buyer.telegram_id)):
        raise BookingRuleError(
            "no_recipient",
            "An e-mail or a Telegram chat is needed to send the code to."
            if email
            else "The studio sends no e-mail: a Telegram chat is needed to send the code to.",
        )
    now = deps.now()
    order = CertificateOrder(
        amount=amount,
        currency="RUB",
        gateway=gateway,
        idempotency_key=f"new-{secrets.token_hex(16)}",
        status=PaymentStatus.PENDING,
        buyer_name=buyer.name,
        buyer_phone=buyer.phone,
        buyer_email=buyer.email,
        buyer_telegram_id=buyer.telegram_id,
        language=language,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    await session.flush()
    order.idempotency_key = f"{ORDER_PREFIX}{order.id}-{secrets.token_hex(3)}"
    await session.commit()
    request = _request(deps, order)
    try:
        created = await provider.create_payment(request)
    except GatewayError as exc:
        log.warning("certificate order create failed", extra={"order_id": order.id})
        order.error = str(exc)[:500]
        order.status = PaymentStatus.CANCELED
        await session.commit()
        raise GatewayUnavailable(
            "gateway_unavailable", "The payment service did not answer; please try again."
        ) from exc
    await session.execute(
        update(CertificateOrder)
        .where(CertificateOrder.id == order.id, CertificateOrder.gateway_payment_id.is_(None))
        .values(
            gateway_payment_id=created.gateway_payment_id,
            confirmation_url=created.confirmation_url,
            raw=dict(created.raw),
            updated_at=deps.now(),
        )
    )
    await session.commit()
    await session.refresh(order)
    return order


def checked_buyer(buyer: certificates.Buyer) -> certificates.Buyer:
    """The buyer with the phone and e-mail in their stored forms; 400 `bad_phone` or
    `bad_email` when one given is not one, as for a booking's client."""
    phone = normalize_phone(buyer.phone) if buyer.phone else None
    email = check_email(buyer.email) if buyer.email else None
    return replace(buyer, phone=phone, email=email)


def _request(deps: BookingDeps, order: CertificateOrder) -> PaymentRequest:
    base = deps.base_url.rstrip("/")
    return PaymentRequest(
        payment_id=order.id,
        amount=order.amount,
        description=f"{RECEIPT_ITEM} на {order.amount // 100} ₽",
        return_url=deps.return_url or f"{base}/",
        notification_url=f"{base}/api/payments/webhook/{order.gateway}",
        idempotency_key=order.idempotency_key,
        receipt=deps.receipts.receipt(
            RECEIPT_ITEM,
            "advance",
            order.buyer_email,
            order.buyer_phone,
            subject="payment",
        ),
        metadata={"certificate_order": str(order.id)},
    )


async def order_by_gateway_id(
    session: AsyncSession, gateway_payment_id: str
) -> CertificateOrder | None:
    """The order the mock checkout page shows."""
    stmt = select(CertificateOrder).where(
        CertificateOrder.gateway_payment_id == gateway_payment_id
    )
    return (await session.scalars(stmt)).first()


async def find_order(session: AsyncSession, order_id: int) -> CertificateOrder:
    order = await session.get(CertificateOrder, order_id)
    if order is None:
        raise NotFound("order_not_found", "No such certificate order.")
    return order
