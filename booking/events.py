"""The outbox: a state change and its event row are written in one transaction."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, Payment, Refund
from db.outbox import Event
from ops import request_ids

log = logging.getLogger("studio.state")


class EventType(StrEnum):
    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_EXPIRED = "booking.expired"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_COMPLETED = "booking.completed"
    #: A booking an admin took by phone now belongs to the client's Telegram chat.
    BOOKING_LINKED = "booking.linked"
    #: A change made: the booking moved (time or hall), or got more time.
    BOOKING_MOVED = "booking.moved"
    BOOKING_EXTENDED = "booking.extended"
    #: A change that costs more waits for its difference, its added time held ...
    CHANGE_REQUESTED = "booking.change_requested"
    #: ... and lapsed unpaid: the booking stays as it was.
    CHANGE_LAPSED = "booking.change_lapsed"
    #: Overtime recorded by an admin and sent to the client as a payment link; then paid.
    OVERTIME_BILLED = "booking.overtime_billed"
    OVERTIME_PAID = "booking.overtime_paid"
    PAYMENT_CREATED = "payment.created"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_CANCELED = "payment.canceled"
    PAYMENT_LATE_REFUNDED = "payment.late_refunded"
    #: A payment for a change no longer waiting, or above the balance owed: `to_balance` of
    #: it counts toward the balance, `back` (if any) is refunded.
    PAYMENT_LATE_APPLIED = "payment.late_applied"
    PAYMENT_STUCK = "payment.stuck"
    REFUND_CREATED = "refund.created"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    #: Cash a client's own cancellation or cheaper move gives back, to be handed over at the
    #: studio and settled by an admin.
    REFUND_CASH_DUE = "refund.cash_due"
    NOTIFICATION_MANUAL = "notification.manual"
    REMINDER_DUE = "booking.reminder"
    AUDIT_FAILED = "audit.failed"
    #: Hours, a hall, an add-on or the rules changed; the payload says what and who ("by":
    #: "api" for the admin token, an admin's Telegram id for the bot).
    STUDIO_CHANGED = "studio.changed"
    BOOKING_NO_SHOW = "booking.no_show"
    CLIENT_BLOCKED = "client.blocked"
    CLIENT_UNBLOCKED = "client.unblocked"
    CLOSURE_CREATED = "closure.created"
    CLOSURE_REMOVED = "closure.removed"
    PRICE_CHANGED = "hall.price_changed"
    PROMO_CREATED = "promo.created"
    PROMO_DISABLED = "promo.disabled"
    CERTIFICATE_ISSUED = "certificate.issued"
    REFUND_SETTLED = "refund.settled"
    FEEDS_RENEWED = "calendar_feeds.renewed"
    CERTIFICATE_PURCHASED = "certificate.purchased"
    CERTIFICATE_ORDER_STUCK = "certificate.order_stuck"
    #: An admin settled a stuck order from the gateway's cabinet: paid (its certificate
    #: issued) or not (cancelled).
    CERTIFICATE_ORDER_SETTLED = "certificate.order_settled"


#: Who is acting for the studio while an admin's command or admin API call runs: merged into
#: every event recorded meanwhile ({"admin_id": telegram id} or {"actor": "admin_api"}), so
#: the event log tells which admin did what.
acting: ContextVar[dict[str, Any] | None] = ContextVar("acting", default=None)


@contextlib.contextmanager
def acting_as(**who: Any) -> Iterator[None]:
    """Record the events of the block as done by `who` (e.g. admin_id=123)."""
    reset = acting.set(who)
    try:
        yield
    finally:
        acting.reset(reset)


def record_event(
    session: AsyncSession,
    event_type: EventType,
    *,
    booking: Booking | None = None,
    payment: Payment | None = None,
    refund: Refund | None = None,
    **payload: Any,
) -> None:
    """Add the event row to the session's transaction (flushed with the change it reports).

    The payload says what was true when it was recorded."""
    data: dict[str, Any] = dict(payload)
    for key, value in (acting.get() or {}).items():
        data.setdefault(key, value)
    if booking is not None:
        data.setdefault("code", booking.code)
        data.setdefault("status", booking.status)
    if payment is not None:
        data.setdefault("gateway", payment.gateway)
        data.setdefault("amount", payment.amount)
        data.setdefault("kind", payment.kind)
    if refund is not None:
        data.setdefault("refund_id", refund.id)
        data.setdefault("refund_amount", refund.amount)
    booking_id = booking.id if booking is not None else (payment.booking_id if payment else None)
    payment_id = payment.id if payment is not None else None
    session.add(
        Event(
            type=str(event_type),
            booking_id=booking_id,
            payment_id=payment_id,
            payload=data,
            request_id=request_ids.current.get(),
        )
    )
    log.info(
        str(event_type),
        extra={
            "booking_id": booking_id,
            "payment_id": payment_id,
            "refund_id": refund.id if refund is not None else None,
            "status": data.get("status"),
        },
    )
