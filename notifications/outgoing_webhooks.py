"""Outgoing webhooks for the studio's CRM: every outbox event POSTed as JSON to each
subscriber of OUTGOING_WEBHOOKS, signed with HMAC-SHA256 of its secret.

Each event becomes one delivery row per subscriber (unique, so several processes queue it
once). A delivery is retried with backoff until the subscriber answers 2xx: at least once.
The events of one booking go in order: a delivery waits while an earlier one of the same
booking and subscriber is still pending, so a CRM never hears "confirmed" before "created".

Headers: `X-Studio-Event-Id` (the event's id: a receiver drops repeats by it),
`X-Studio-Event-Type`, and `X-Studio-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(secret, "<t>.<body>").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from booking.deps import BookingDeps
from db.outbox import Event, WebhookDelivery
from notifications.retries import backoff
from ops.metrics import OUTGOING_WEBHOOKS
from settings import WebhookSubscriber

log = logging.getLogger(__name__)
#: Longer than a batch can take (SEND_BATCH POSTs of up to TIMEOUT each), so that another
#: process never sends a delivery this one is still sending.
LEASE = timedelta(minutes=5)
QUEUE_BATCH = 500
SEND_BATCH = 20
TIMEOUT = ClientTimeout(total=10)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_body(event: Event) -> bytes:
    return json.dumps(
        {
            "id": event.id,
            "type": event.type,
            "booking_id": event.booking_id,
            "payment_id": event.payment_id,
            "payload": event.payload,
            "created_at": event.created_at.isoformat(),
            "request_id": event.request_id,
        },
        ensure_ascii=False,
        default=str,
    ).encode()


async def push_events(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    subscribers: Sequence[WebhookSubscriber],
) -> int:
    """Queue the new events for each subscriber and send what is due; returns how many
    were delivered."""
    delivered = 0
    for subscriber in subscribers:
        async with sessionmaker() as session:
            await _queue(session, subscriber.name, deps.now())
        delivered += await _send_due(sessionmaker, deps, subscriber)
    return delivered


async def _send_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    subscriber: WebhookSubscriber,
) -> int:
    """Rounds of the deliveries at the head of their booking's line: a taken one lets the
    next of its booking go in the following round; a round with no success ends it."""
    delivered = 0
    claimed = await _claim(sessionmaker, subscriber.name, deps.now())
    if not claimed:
        return 0
    async with ClientSession(timeout=TIMEOUT) as http:
        while claimed:
            taken = 0
            for delivery_id, event in claimed:
                error = await _post(http, subscriber, event, deps.now())
                await _record(sessionmaker, delivery_id, error, deps.now())
                taken += error is None
            delivered += taken
            if not taken:
                break
            claimed = await _claim(sessionmaker, subscriber.name, deps.now())
    return delivered


async def _queue(session: AsyncSession, name: str, now: datetime) -> None:
    """A delivery row for each event after the last one queued for this subscriber."""
    last = await session.scalar(
        select(func.max(WebhookDelivery.event_id)).where(WebhookDelivery.subscriber == name)
    )
    events = (
        await session.execute(
            select(Event.id, Event.booking_id)
            .where(Event.id > (last or 0))
            .order_by(Event.id)
            .limit(QUEUE_BATCH)
        )
    ).all()
    if not events:
        return
    rows: list[dict[str, Any]] = [
        {
            "subscriber": name,
            "event_id": event_id,
            "booking_id": booking_id,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for event_id, booking_id in events
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(dialect.insert(WebhookDelivery).values(rows).on_conflict_do_nothing())
    await session.commit()


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession], name: str, now: datetime
) -> list[tuple[int, Event]]:
    """The due deliveries at the head of their booking's line, leased to this process."""
    earlier = aliased(WebhookDelivery)
    head_of_line = ~exists().where(
        earlier.subscriber == WebhookDelivery.subscriber,
        earlier.booking_id == WebhookDelivery.booking_id,
        earlier.status == "pending",
        earlier.id < WebhookDelivery.id,
    )
    free = or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until <= now)
    due = or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now)
    claimed: list[tuple[int, Event]] = []
    async with sessionmaker() as session:
        found = (
            await session.execute(
                select(WebhookDelivery.id, Event)
                .join(Event, Event.id == WebhookDelivery.event_id)
                .where(
                    WebhookDelivery.subscriber == name,
                    WebhookDelivery.status == "pending",
                    due,
                    free,
                    or_(WebhookDelivery.booking_id.is_(None), head_of_line),
                )
                .order_by(WebhookDelivery.id)
                .limit(SEND_BATCH)
            )
        ).all()
        for delivery_id, event in found:
            taken = await session.execute(
                update(WebhookDelivery)
                .where(and_(WebhookDelivery.id == delivery_id, free))
                .values(lease_until=now + LEASE)
            )
            if taken.rowcount:  # type: ignore[attr-defined]
                claimed.append((delivery_id, event))
        await session.commit()
    return claimed


async def _post(
    http: ClientSession, subscriber: WebhookSubscriber, event: Event, now: datetime
) -> str | None:
    """POST one event; None when the subscriber took it, else why not."""
    body = event_body(event)
    headers = {
        "Content-Type": "application/json",
        "X-Studio-Event-Id": str(event.id),
        "X-Studio-Event-Type": event.type,
        "X-Studio-Signature": signature(
            subscriber.secret.get_secret_value(), int(now.timestamp()), body
        ),
    }
    try:
        async with http.post(subscriber.url, data=body, headers=headers) as response:
            if 200 <= response.status < 300:
                OUTGOING_WEBHOOKS.labels(subscriber.name, "delivered").inc()
                return None
            error = f"HTTP {response.status}"
    except (ClientError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    OUTGOING_WEBHOOKS.labels(subscriber.name, "failed").inc()
    log.warning(
        "outgoing webhook failed",
        extra={"subscriber": subscriber.name, "event_id": event.id, "error": error},
    )
    return error


async def _record(
    sessionmaker: async_sessionmaker[AsyncSession],
    delivery_id: int,
    error: str | None,
    now: datetime,
) -> None:
    async with sessionmaker() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.attempts += 1
        delivery.lease_until = None
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        else:
            delivery.last_error = error
            delivery.next_attempt_at = backoff(delivery.attempts, now)
        await session.commit()
