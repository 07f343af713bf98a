"""The outbox: a state change and its event row are written in one transaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import session_clock
from db.models import Booking, Event, Payment, Refund

log = logging.getLogger("studio.state")

# Where `batched_events` keeps the rows recorded inside its block (in `session.info`).
_BATCH = "booking.events.batch"


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

    Inside `batched_events` the row waits for the block's one INSERT instead.
    """
    row = event_row(event_type, booking, payment, refund, payload)
    batch: list[dict[str, Any]] | None = session.info.get(_BATCH)
    if batch is not None:
        batch.append({**row, "created_at": session_clock(session)()})
    else:
        session.add(Event(**row))
    log_event(row, refund.id if refund is not None else None)


def log_event(row: dict[str, Any], refund_id: int | None = None) -> None:
    """The log line of an event row being written."""
    log.info(
        row["type"],
        extra={
            "booking_id": row["booking_id"],
            "payment_id": row["payment_id"],
            "refund_id": refund_id,
            "status": row["payload"].get("status"),
        },
    )


class EventBooking(Protocol):
    """What an event reads of its booking: an ORM row or a plain one."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def status(self) -> str: ...


class EventPayment(Protocol):
    """What an event reads of its payment: an ORM row or a plain one."""

    @property
    def id(self) -> int: ...
    @property
    def booking_id(self) -> int: ...
    @property
    def gateway(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def kind(self) -> str: ...


def event_row(
    event_type: EventType,
    booking: EventBooking | None,
    payment: EventPayment | None,
    refund: Refund | None,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """The event's column values; the payload says what was true when it was recorded."""
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
    return {
        "type": str(event_type),
        "booking_id": booking.id
        if booking is not None
        else (payment.booking_id if payment else None),
        "payment_id": payment.id if payment is not None else None,
        "payload": data,
    }


def discard_batched_events(session: AsyncSession) -> None:
    """The session was rolled back inside a `batched_events` block: the rows recorded so far
    report changes that are gone."""
    batch: list[dict[str, Any]] | None = session.info.get(_BATCH)
    if batch is not None:
        batch.clear()


@asynccontextmanager
async def batched_events(session: AsyncSession) -> AsyncIterator[None]:
    """Write the events recorded inside the block together, with one INSERT at its end.

    Nothing reads their ids, so the ORM's insert-and-fetch-the-key per row (one statement
    each on SQLite) is not needed. Their order, and so the relay's, stays the order they were
    recorded in. If the block fails, the rows are dropped along with the transaction; code
    that rolls back inside the block and goes on calls `discard_batched_events`.
    """
    if _BATCH in session.info:  # an enclosing block writes them
        yield
        return
    rows: list[dict[str, Any]] = []
    session.info[_BATCH] = rows
    try:
        yield
    finally:
        del session.info[_BATCH]
    if rows:
        await session.execute(insert(Event), rows)
