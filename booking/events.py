"""The outbox: a state change and its event row are written in one transaction."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, Event, Payment, Refund
from ops import request_ids

log = logging.getLogger("studio.state")


class EventType(StrEnum):
    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_EXPIRED = "booking.expired"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_COMPLETED = "booking.completed"
    PAYMENT_CREATED = "payment.created"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_CANCELED = "payment.canceled"
    PAYMENT_LATE_REFUNDED = "payment.late_refunded"
    PAYMENT_STUCK = "payment.stuck"
    REFUND_CREATED = "refund.created"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    NOTIFICATION_MANUAL = "notification.manual"
    REMINDER_DUE = "booking.reminder"
    AUDIT_FAILED = "audit.failed"
    CERTIFICATE_PURCHASED = "certificate.purchased"
    CERTIFICATE_ORDER_STUCK = "certificate.order_stuck"


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
