"""The one payment interface every gateway adapter implements, and its status vocabulary.

Money is integer kopecks here; each adapter converts at its own edge. Nothing in this package
knows the database or Telegram: the booking use cases call a provider and persist the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol


class PaymentStatus(StrEnum):
    """Internal payment statuses; every gateway maps its own onto these."""

    PENDING = "pending"
    AUTHORIZED = "authorized"  # held, not charged (two-stage); never confirms a booking
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"  # declined, expired or cancelled before charge
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


#: Statuses of a payment whose money was taken (some of it may have been returned since).
PAID_STATUSES = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)

#: How long a payer can still pay after a payment is made at each gateway; after that its
#: answer is final (paid or expired). Where the documentation is unsure, the longer: ЮKassa
#: cancels an unpaid card payment about an hour after the link is opened (not documented
#: for a link never opened), T-Bank's RedirectDueDate defaults to 24 h or 72 h depending on
#: the document, Sber's sessionTimeoutSecs to 20 minutes. The mock's simulated gateways
#: keep a checkout open as long as ЮKassa.
PAYMENT_LIFETIME: Mapping[str, timedelta] = {
    "yookassa": timedelta(hours=24),
    "tinkoff": timedelta(hours=72),
    "sberpay": timedelta(minutes=20),
    "mock": timedelta(hours=24),
}
LONGEST_PAYMENT_LIFETIME = max(PAYMENT_LIFETIME.values())
#: After its lifetime a payment is reconciled for this long more before it counts as
#: stuck: reconciliation asks every few minutes, so the final word has had its chances.
STUCK_GRACE = timedelta(hours=1)


def payment_lifetime(gateway: str) -> timedelta:
    """The gateway's payment lifetime; the longest known for a gateway not listed."""
    return PAYMENT_LIFETIME.get(gateway, LONGEST_PAYMENT_LIFETIME)


def stuck_before(gateway: str, now: datetime) -> datetime:
    """A payment at this gateway made before this time and still waiting is stuck."""
    return now - payment_lifetime(gateway) - STUCK_GRACE


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


class GatewayError(Exception):
    """The gateway failed or answered nonsense; the outcome of the call is unknown."""


class GatewayRefused(GatewayError):
    """The gateway answered, and refused: the call was not performed."""


class RefundInDoubt(GatewayError):
    """A repeated refund cannot tell whether an earlier call of it was made; sending again
    could pay twice and calling it made could pay nothing, so it waits for an admin."""


class WebhookRejected(Exception):
    """A webhook that failed verification; nothing may change because of it."""


@dataclass(frozen=True, slots=True)
class ReceiptInfo:
    """What a 54-FZ receipt needs; each adapter renders its own format."""

    item_name: str
    tax_system: int | None
    vat_code: int
    payment_mode: str  # "full_prepayment" | "full_payment" | "partial_prepayment"
    email: str | None = None
    phone: str | None = None
    #: The positions sold, (name, full amount), when there are several (hall time,
    #: add-ons, guests): the receipt lists each, the discount spread over them.
    lines: tuple[tuple[str, int], ...] = ()
    #: What is sold (ЮKassa's `payment_subject`): "service" (studio time) or "payment" (a
    #: gift certificate, sold as an advance whose service comes later).
    subject: str = "service"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    payment_id: int
    amount: int
    description: str
    return_url: str
    notification_url: str
    currency: str = "RUB"
    idempotency_key: str = ""
    receipt: ReceiptInfo | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreatedPayment:
    """The gateway's answer to creating a payment. `retired` names earlier registrations of
    the same order this call cancelled (their links are dead): a payment still linked to one
    of them takes this registration instead."""

    gateway_payment_id: str
    confirmation_url: str
    status: PaymentStatus
    raw: Mapping[str, Any] = field(default_factory=dict)
    retired: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentState:
    """What the gateway says about one payment, already verified."""

    gateway_payment_id: str
    status: PaymentStatus
    amount: int | None
    currency: str = "RUB"
    our_payment_id: int | None = None
    refunded_amount: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: Our idempotency key as the gateway echoes it in a signed or fetched field (the order
    #: number); when set, it must be the key of the payment found, or nothing is applied.
    order_key: str | None = None


@dataclass(frozen=True, slots=True)
class RefundRequest:
    refund_id: int
    gateway_payment_id: str
    amount: int
    payment_amount: int
    reason: str
    idempotency_key: str = ""
    receipt: ReceiptInfo | None = None
    #: 1 for the first call; more means an earlier call may or may not have been performed.
    attempt: int = 1
    #: What this payment's other refunds have returned, by our records (kopecks).
    refunded_before: int = 0
    #: What this payment's other refunds still pending would return: sent at least once,
    #: they may have been made without our knowing yet (kopecks).
    in_doubt_before: int = 0
    #: The gateway's id of this refund, when an earlier call got one.
    gateway_refund_id: str | None = None
    #: How long ago this refund was first asked for (for keys a gateway honours a while).
    asked_ago: timedelta = timedelta(0)


def made_already(refunded_total: int, request: RefundRequest) -> int:
    """How much of this refund earlier calls made, judged by what the gateway shows refunded
    on the payment in all (for a repeated call whose answer was lost).

    Only exact answers count: nothing unexplained by our records (not made), exactly this
    refund (made), or, with other refunds of the payment in doubt too, exactly all of them
    (all made). Anything else (a refund made by hand in the gateway's cabinet, two in doubt
    of which one was made) raises RefundInDoubt.
    """
    unexplained = refunded_total - request.refunded_before
    if unexplained <= 0:
        return 0
    if unexplained == request.amount + request.in_doubt_before:
        return request.amount
    raise RefundInDoubt(
        "the payment shows refunds made that our records cannot tell apart; "
        "check the gateway's cabinet"
    )


@dataclass(frozen=True, slots=True)
class RefundResult:
    gateway_refund_id: str | None
    status: RefundStatus
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: Made by an earlier call, judged from what the payment shows refunded in all rather
    #: than from an answer about this refund: true only while our other refunds of the
    #: payment are as they were when that was judged (`booking.refunds` checks).
    judged_by_total: bool = False


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """An incoming webhook, free of any web framework."""

    method: str
    query: Mapping[str, str]
    body: bytes
    headers: Mapping[str, str]
    remote: str | None


@dataclass(frozen=True, slots=True)
class WebhookReply:
    status: int = 200
    body: str = ""
    content_type: str = "text/plain"


class PaymentProvider(Protocol):
    """One gateway. Implementations never block the event loop."""

    name: str

    async def create_payment(self, request: PaymentRequest) -> CreatedPayment:
        """Register a payment; raises GatewayError when the outcome is unknown."""
        ...

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentState:
        """Ask the gateway for the current state (reconciliation, webhook re-fetch)."""
        ...

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Return money; the same idempotency key never refunds twice."""
        ...

    async def parse_webhook(self, request: WebhookRequest) -> PaymentState:
        """Verify a webhook and say what it reports; raises WebhookRejected if forged."""
        ...

    def webhook_ack(self) -> WebhookReply:
        """The answer the gateway expects for an accepted webhook."""
        ...
