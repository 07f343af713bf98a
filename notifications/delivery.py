"""Delivering queued notifications: claim, send outside any transaction, record the result.

A claim is a lease (status "sending" until `next_attempt_at`): another process skips it, and
if this one dies mid-send the message is tried again once the lease runs out, or as soon as
the same process starts again (notifications.claims: a claim names its claimant).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db import job_claims
from db.clock import session_clock
from db.models import Booking, Hall
from db.outbox import Notification
from i18n.catalogs import gettext as _
from i18n.catalogs import language_of
from notifications.ics import booking_ics, is_address
from notifications.messages import ICS_DESCRIPTION, ICS_SUMMARY
from notifications.retries import backoff
from ops.metrics import NOTIFICATIONS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
# A claimed message not started by then is not started at all: with a sender's own time
# limit (Telegram: 60 s) it then still ends inside its lease, so no other process sends it.
START_WITHIN = LEASE / 4
#: Messages of one recipient claimed at once. A chat takes about one a second, so these go
#: out within a few seconds, well inside START_WITHIN; the rest wait for the next claim,
#: made once these are sent (a recipient being sent to is not claimed by anyone else).
PER_RECIPIENT = 5
#: The longest message joined admins' notices make (Telegram takes 4096 characters).
GROUP_TEXT = 3500
#: The key in a claimed message's `extra` that names the process holding it.
CLAIMANT = "claimed_by"


class DeliveryError(Exception):
    """A failed send; `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed message, detached from the database while it is being sent."""

    id: int
    channel: str
    recipient: str
    subject: str
    text: str
    booking_id: int | None
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    menu_button: tuple[str, str] | None = None  # (label, menu action) under a chat message
    groupable: bool = False  # an admin's notice: may share one message with the next ones
    also: tuple[int, ...] = ()  # the notices joined into this message after its own

    @property
    def ids(self) -> tuple[int, ...]:
        return (self.id, *self.also)


class Sender(Protocol):
    async def deliver(self, message: Outgoing) -> None:
        """Send or raise DeliveryError."""
        ...


def _menu_button(extra: dict[str, Any]) -> tuple[str, str] | None:
    button = extra.get("menu_button")
    if isinstance(button, list) and len(button) == 2 and all(isinstance(v, str) for v in button):
        return button[0], button[1]
    return None


async def _ics_for(session: AsyncSession, item: Notification) -> Attachment | None:
    """The calendar file the message carries: the event for a confirmation, its cancellation
    for a cancellation (only of a booking that was confirmed, so its event was sent).

    It follows the message, not the booking's state now: a confirmation retried after the
    booking was cancelled still carries the event that the cancellation then removes."""
    if not item.extra.get("ics") or item.booking_id is None:
        return None
    booking = await session.get(Booking, item.booking_id)
    if booking is None:
        return None
    cancelled = item.extra.get("kind") == "cancelled"
    if cancelled and booking.confirmed_at is None:
        return None  # an unpaid hold: no event was ever sent to remove
    lang = language_of(str(item.extra.get("lang", "ru")))
    hall = item.extra.get("hall")
    if not isinstance(hall, str):  # messages queued before the hall was kept with them
        row = await session.get(Hall, booking.hall_id)
        hall = row.name if row else ""
    content = booking_ics(
        uid=f"booking-{booking.code}@studio",
        summary=_(ICS_SUMMARY, lang=lang).format(hall=hall),
        description=_(ICS_DESCRIPTION, lang=lang).format(code=booking.code),
        location=str(item.extra.get("address", "")),
        start=_moment(item.extra.get("start")) or booking.start_at,
        end=_moment(item.extra.get("end")) or booking.end_at,
        created=booking.created_at,
        stamp=session_clock(session)(),
        sequence=_sequence(item, booking, cancelled),
        cancelled=cancelled,
        organizer_email=_organizer(item.extra.get("organizer")),
    )
    return Attachment(f"booking-{booking.code}.ics", content, "text/calendar")


def _moment(value: object) -> datetime | None:
    """A time a change's message kept (ISO 8601), so its file says that change's span."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _sequence(item: Notification, booking: Booking, cancelled: bool) -> int:
    """The file's SEQUENCE: a change's own, as its message kept it; a cancellation's above
    every change the booking had; 0 for the first confirmation."""
    kept = item.extra.get("sequence")
    if isinstance(kept, int):
        return kept
    return booking.ics_sequence + 1 if cancelled else 0


def _organizer(value: object) -> str | None:
    """The studio's address as the message kept it; None for none, or for one that is not
    shaped like an address (the file then goes without an ORGANIZER rather than not at all)."""
    if isinstance(value, str) and is_address(value):
        return value
    return None


async def _reminder_stale(session: AsyncSession, item: Notification, now: datetime) -> str | None:
    """Why a reminder should no longer go out (retries can hold one back for hours), if so."""
    if item.extra.get("kind") != "reminder" or item.booking_id is None:
        return None
    booking = await session.get(Booking, item.booking_id)
    if booking is None or booking.status != "confirmed":
        return "the booking is no longer confirmed"
    if booking.start_at <= now:
        return "the session has begun"
    return None


async def claim_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Sequence[str],
    limit: int,
    claimant: str | None = None,
) -> list[Outgoing]:
    async with sessionmaker() as session:
        now = deps.now()
        items = await job_claims.due_notifications(
            session, now, limit, channels, per_recipient=PER_RECIPIENT
        )
        claimed = []
        for item in items:
            stale = await _reminder_stale(session, item, now)
            if stale is not None:
                item.status, item.last_error = "skipped", stale
                continue
            item.status = "sending"
            item.attempts += 1
            item.next_attempt_at = now + LEASE
            if claimant is not None:
                item.extra = {**item.extra, CLAIMANT: claimant}
            ics = await _ics_for(session, item)
            claimed.append(
                Outgoing(
                    id=item.id,
                    channel=item.channel,
                    recipient=item.recipient,
                    subject=item.subject,
                    text=item.text,
                    booking_id=item.booking_id,
                    attachments=(ics,) if ics else (),
                    menu_button=_menu_button(item.extra),
                    groupable=bool(item.extra.get("group")),
                )
            )
        await session.commit()
        return claimed


def grouped(messages: Sequence[Outgoing], limit: int = GROUP_TEXT) -> list[Outgoing]:
    """Admins' notices claimed together for one chat joined into one message (in order, up
    to `limit` characters): a burst of paid bookings is a few messages to an admin, not one
    a second for minutes."""
    out: list[Outgoing] = []
    joining: dict[tuple[str, str], int] = {}  # (channel, recipient) -> index in `out`
    for message in messages:
        key = (message.channel, message.recipient)
        at = joining.get(key)
        if message.groupable and at is not None:
            head = out[at]
            text = f"{head.text}\n\n{message.text}"
            if len(text) <= limit:
                out[at] = replace(head, text=text, also=(*head.also, message.id))
                continue
        if message.groupable:
            joining[key] = len(out)
        else:  # the chat's next notices come after this message, not joined before it
            joining.pop(key, None)
        out.append(message)
    return out


async def record_result(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    message: Outgoing,
    error: DeliveryError | None,
) -> None:
    async with sessionmaker() as session:
        now = deps.now()
        for notification_id in message.ids:
            item = await session.get(Notification, notification_id)
            if item is None:
                continue
            if error is None:
                item.status, item.sent_at, item.last_error = "sent", now, None
            elif error.permanent or item.attempts >= MAX_ATTEMPTS:
                item.status, item.last_error = "failed", str(error)[:500]
            else:
                item.status, item.last_error = "pending", str(error)[:500]
                item.next_attempt_at = backoff(item.attempts, now)
        await session.commit()


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    senders: Mapping[str, Sender],
    limit: int = 100,
    claimant: str | None = None,
) -> int:
    """Send what is due on every channel that has a sender; returns how many were sent."""
    if not senders:
        return 0
    claimed_at = deps.now()
    messages = grouped(await claim_due(sessionmaker, deps, list(senders), limit, claimant))
    sent = 0

    async def one(message: Outgoing) -> None:
        nonlocal sent
        if deps.now() > claimed_at + START_WITHIN:
            return  # held up (a long 429 pause): left to the next claim after its lease
        error: DeliveryError | None = None
        try:
            await senders[message.channel].deliver(message)
            sent += len(message.ids)
            NOTIFICATIONS.labels(message.channel, "sent").inc(len(message.ids))
        except DeliveryError as exc:
            error = exc
            result = "failed" if exc.permanent else "retry"
            NOTIFICATIONS.labels(message.channel, result).inc()
            log.warning(
                "delivery failed",
                extra={
                    "notification_id": message.id,
                    "channel": message.channel,
                    "permanent": exc.permanent,
                },
            )
        await record_result(sessionmaker, deps, message, error)

    by_channel: dict[str, list[Outgoing]] = {}
    for message in messages:
        by_channel.setdefault(message.channel, []).append(message)

    async def channel_worker(channel: str, items: list[Outgoing]) -> None:
        # A sender may take several messages at once (Telegram: many chats, paced by the
        # sender itself); they still start in claim order.
        width = max(1, int(getattr(senders[channel], "concurrency", 1)))
        queue = iter(items)

        async def lane() -> None:
            for message in queue:
                await one(message)

        await asyncio.gather(*(lane() for _ in range(min(width, len(items)))))

    await asyncio.gather(*(channel_worker(ch, items) for ch, items in by_channel.items()))
    return sent
