"""The notification log: events become messages here (the client's in client_notices, the
admins' through queueing), each written once by its dedupe key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.events import EventType
from booking.refunds import owed_back
from db.models import Booking, Client, Hall
from db.outbox import Event, Notification
from i18n.catalogs import gettext as _
from i18n.catalogs import use_language
from notifications import messages
from notifications.certificate_notices import certificate_notices
from notifications.channels import Channels
from notifications.client_notices import EventSubject, to_client
from notifications.event_texts import hours_left, kinds_for
from notifications.queueing import to_admins
from notifications.waitlist import waitlist_notices


async def render_event(
    session: AsyncSession, deps: BookingDeps, channels: Channels, event: Event
) -> list[Notification]:
    """Turn one event into the messages it calls for (client and admins), each in its
    recipient's language."""
    if event.type == EventType.AUDIT_FAILED:
        return await _audit_notice(session, channels, event)
    if event.type in (EventType.CERTIFICATE_PURCHASED, EventType.CERTIFICATE_ORDER_STUCK):
        return await certificate_notices(session, deps, channels, event)
    freed = await _freed_notices(session, deps, channels, event)
    client_kind, admin_kind = kinds_for(event)
    if (client_kind is None and admin_kind is None) or event.booking_id is None:
        return freed
    booking = await session.get(Booking, event.booking_id)
    if booking is None:
        return freed
    if admin_kind == "cancelled" and booking.confirmed_at is None:
        admin_kind = None  # an unpaid hold let go: the digest tells of it
    if admin_kind == "confirmed" and booking.source == "admin":
        admin_kind = "taken"  # not paid online: an admin took it (cash, or unpaid)
    if event.type == EventType.REMINDER_DUE and booking.status != "confirmed":
        return []  # cancelled after the reminder was queued
    if client_kind == "confirmed" and booking.status in ENDED:
        # Written now, it would say what is true now ("paid 0 of …, refunded …"): the
        # cancellation's own message, queued from its later event, says it instead.
        return freed
    hall = await session.get(Hall, booking.hall_id)
    client = await session.get(Client, booking.client_id)
    assert hall is not None and client is not None
    left, returning = hours_left(booking, deps.now()), await owed_back(session, booking.id)
    about = EventSubject(event, booking, hall, client, deps.rules.tz, left, returning)
    out: list[Notification] = []
    if client_kind is not None:
        out += await to_client(session, channels, about, client_kind)
    if admin_kind is not None:
        # In each admin's own language (Russian unless their Telegram says otherwise), with
        # the hall named in it, whatever the client's language.
        template = messages.ADMIN[admin_kind]

        def admin_text(language: str | None) -> str:
            with use_language(language):
                return _(template).format(**about.values())

        out += await to_admins(
            session,
            channels,
            admin_text,
            key=f"ev{event.id}:admin",
            subject=f"[studio] {booking.code}",
            booking_id=booking.id,
            event_id=event.id,
        )
    return out + freed


#: A booking over before it was used: a confirmation not written yet is superseded.
ENDED = frozenset({"cancelled", "expired"})

#: Events that free their booking's slot: the waitlist of that day hears of it. Any other
#: event frees a slot by naming it in its payload: `freed_hall_id` and `freed_start` (ISO
#: 8601), e.g. a booking moved away from its old time.
FREEING = frozenset({EventType.BOOKING_EXPIRED, EventType.BOOKING_CANCELLED})


async def _freed_notices(
    session: AsyncSession, deps: BookingDeps, channels: Channels, event: Event
) -> list[Notification]:
    payload = event.payload or {}
    if "freed_hall_id" in payload and "freed_start" in payload:
        hall_id = int(payload["freed_hall_id"])
        start = datetime.fromisoformat(str(payload["freed_start"]))
    elif event.type in FREEING and event.booking_id is not None:
        booking = await session.get(Booking, event.booking_id)
        if booking is None:
            return []
        hall_id, start = booking.hall_id, booking.start_at
    else:
        return []
    return await waitlist_notices(
        session,
        deps,
        telegram=channels.telegram,
        email=channels.email,
        hall_id=hall_id,
        start=start,
        event_id=event.id,
    )


async def _audit_notice(
    session: AsyncSession, channels: Channels, event: Event
) -> list[Notification]:
    """The daily money audit found problems: each admin hears once a day, whichever
    processes ran it, with the bookings concerned for each check."""
    day = str(event.payload.get("day", ""))
    checks: dict[str, list[str]] = event.payload.get("checks", {})

    def body(language: str | None) -> str:
        with use_language(language):
            details = "\n".join(
                f"• {_(messages.AUDIT_CHECKS[check])}: {', '.join(items)}"
                for check, items in checks.items()
            )
            count = event.payload.get("count", 0)
            return _(messages.AUDIT_FAILED).format(day=day, count=count, details=details)

    return await to_admins(
        session,
        channels,
        body,
        key=f"audit:{day}:admin",
        subject=f"[studio] audit {day}",
        booking_id=None,
        event_id=event.id,
    )
