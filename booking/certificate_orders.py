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
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, GatewayUnavailable, NotFound, PaymentMismatch
from booking.events import EventType, record_event
from booking.holds import check_email, normalize_phone
from db.certificates import CertificateOrder
from db.queries import locked
from payments.base import (
    PAYMENT_LIFETIME,
    STUCK_GRACE,
    GatewayError,
    PaymentRequest,
    PaymentState,
    PaymentStatus,
    stuck_before,
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
