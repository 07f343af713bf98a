"""The operational answers as pydantic models: health, the integration events, the outgoing
webhook deliveries, the notifications with their states, and the mock checkout; the
studio's and the bookings' answers are api/outputs.py."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.outputs import Answer, DateTime

NotificationStatus = Literal["pending", "sending", "sent", "failed", "skipped"]


class Health(Answer):
    status: Literal["ok"]


class Ready(Answer):
    status: Literal["ready"]


class Event(Answer):
    id: int
    type: str = Field(examples=["booking.confirmed", "payment.succeeded"])
    booking_id: int | None
    payment_id: int | None
    payload: dict[str, Any]
    created_at: DateTime
    processed_at: DateTime | None
    request_id: str | None = Field(
        description="The HTTP request (its X-Request-Id) or bot update that wrote it"
    )


class EventPage(Answer):
    events: list[Event]
    next_after_id: int = Field(description="Pass as `after_id` to read on.")


class WebhookDelivery(Answer):
    id: int
    subscriber: str = Field(description="The name given in OUTGOING_WEBHOOKS")
    event_id: int
    event_type: str
    booking_id: int | None
    status: Literal["pending", "delivered"]
    attempts: int
    next_attempt_at: DateTime | None = Field(description="When a failed one is tried again")
    last_error: str | None
    delivered_at: DateTime | None
    created_at: DateTime


class WebhookDeliveryList(Answer):
    deliveries: list[WebhookDelivery]


class Notification(Answer):
    id: int
    channel: Literal["telegram", "email"]
    recipient: str
    subject: str
    text: str
    status: NotificationStatus
    attempts: int
    last_error: str | None
    booking_id: int | None
    event_id: int | None
    created_at: DateTime
    sent_at: DateTime | None


class NotificationList(Answer):
    notifications: list[Notification]


class MockCheckoutResult(Answer):
    payment_id: int
    outcome: Literal["succeeded", "canceled"]
    webhook_statuses: list[int] = Field(description="Status of each delivery; 0: no answer.")
