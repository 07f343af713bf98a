"""The notification log: events become messages here, each written once by its dedupe key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.events import EventType
from db.models import Booking, Client, Event, Hall, Notification
from i18n.catalogs import current_language, ngettext, use_language
from i18n.catalogs import gettext as _
from i18n.lines import lines_text
from notifications import messages
from notifications.event_texts import event_values, hours_left, kinds_for


@dataclass(frozen=True, slots=True)
class Channels:
    """Which ways of reaching people this process has, and who the admins are."""

    telegram: bool = False
    email: bool = False
    admin_telegram_ids: tuple[int, ...] = ()
    admin_emails: tuple[str, ...] = ()
    studio_address: str = ""
    #: The address in English, for English-speaking recipients (the Russian one if empty).
    studio_address_en: str = ""
    #: The address the studio's e-mails come from: the calendar files' ORGANIZER, which a
    #: cancellation needs for calendar apps to honour it (RFC 5546).
    studio_email: str | None = None

    def names(self) -> list[str]:
        return [name for name, on in (("telegram", self.telegram), ("email", self.email)) if on]

    def address_in(self, lang: str) -> str:
        return (
            self.studio_address_en
            if lang == "en" and self.studio_address_en
            else self.studio_address
        )


async def add_notification(
    session: AsyncSession,
    *,
    dedupe_key: str,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    booking_id: int | None = None,
    event_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Notification | None:
    """Queue one message unless the same key was queued before (a retried event)."""
    dedupe_key = dedupe_key[:120]
    exists = await session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return None
    item = Notification(
        dedupe_key=dedupe_key,
        channel=channel,
        recipient=recipient,
        subject=subject[:200],
        text=body,
        booking_id=booking_id,
        event_id=event_id,
        extra=extra or {},
        status="pending",
    )
    session.add(item)
    return item


async def admin_languages(session: AsyncSession, channels: Channels) -> dict[int, str]:
    """Each admin's language, from the client row their use of the bot left (else none)."""
    if not channels.telegram or not channels.admin_telegram_ids:
        return {}
    stmt = select(Client.telegram_id, Client.language).where(
        Client.telegram_id.in_(channels.admin_telegram_ids)
    )
    return {row.telegram_id: row.language for row in await session.execute(stmt)}


@dataclass(frozen=True, slots=True)
class _Subject:
    """What one event is about, loaded once; rendered in each recipient's language."""

    event: Event
    booking: Booking
    hall: Hall
    client: Client
    tz: ZoneInfo
    hours_left: int

    def values(self) -> dict[str, Any]:
        return event_values(self.booking, self.hall, self.client, self.tz, self.event)


async def render_event(
    session: AsyncSession, deps: BookingDeps, channels: Channels, event: Event
) -> list[Notification]:
    """Turn one event into the messages it calls for (client and admins), each in its
    recipient's language."""
    if event.type == EventType.AUDIT_FAILED:
        return await _audit_notice(session, channels, event)
    if event.type in (EventType.CERTIFICATE_PURCHASED, EventType.CERTIFICATE_ORDER_STUCK):
        from notifications.certificate_notices import certificate_notices

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
    about = _Subject(event, booking, hall, client, deps.rules.tz, hours_left(booking, deps.now()))
    out: list[Notification] = []
    if client_kind is not None:
        out += await _to_client(session, channels, about, client_kind)
    if admin_kind is not None:
        # In each admin's own language (Russian unless their Telegram says otherwise), with
        # the hall named in it, whatever the client's language.
        template = messages.ADMIN[admin_kind]

        def admin_text(language: str | None) -> str:
            with use_language(language):
                return _(template).format(**about.values())

        out += await _to_admins(
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
    from notifications.waitlist import waitlist_notices  # it queues through this module

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


async def _to_admins(
    session: AsyncSession,
    channels: Channels,
    body: Callable[[str | None], str],
    *,
    key: str,
    subject: str,
    booking_id: int | None,
    event_id: int | None,
) -> list[Notification]:
    """One message to each admin: in Telegram in their own language, by e-mail in the
    studio's (Russian). `key` makes each message once; `body` renders it in a language."""
    languages = await admin_languages(session, channels)
    out: list[Notification] = []
    for admin_id in channels.admin_telegram_ids if channels.telegram else ():
        item = await add_notification(
            session,
            dedupe_key=f"{key}:tg:{admin_id}",
            channel="telegram",
            recipient=str(admin_id),
            body=body(languages.get(admin_id)),
            booking_id=booking_id,
            event_id=event_id,
            # Notices due together go to the admin's chat as one message (delivery).
            extra={"group": True},
        )
        out += [item] if item else []
    for email in channels.admin_emails if channels.email else ():
        item = await add_notification(
            session,
            dedupe_key=f"{key}:email:{email}",
            channel="email",
            recipient=email,
            body=body(None),
            subject=subject,
            booking_id=booking_id,
            event_id=event_id,
        )
        out += [item] if item else []
    return out


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

    return await _to_admins(
        session,
        channels,
        body,
        key=f"audit:{day}:admin",
        subject=f"[studio] audit {day}",
        booking_id=None,
        event_id=event.id,
    )


def _client_message(about: _Subject, kind: str, address: str) -> tuple[str, str]:
    """(subject, body) of the client's message, in the language of the moment."""
    values = about.values() | {"address": address}
    booking = about.booking
    if kind == "confirmed":
        balance = booking.total - booking.paid
        said = (
            messages.BALANCE_LINE if booking.source == "telegram" else messages.BALANCE_AT_STUDIO
        )
        values["balance_line"] = _(said).format(**values) if balance > 0 else ""
    if kind in ("cancelled", "moved"):
        refund = int(about.event.payload.get("refund_total", 0))
        values["refund_line"] = _(messages.REFUND_LINE).format(**values) if refund > 0 else ""
    subject, body = messages.CLIENT[kind]
    if kind == "reminder":
        hours = about.hours_left
        body = ngettext(
            "A reminder: your session is in {hours} hour — {hall}, {when}.\n{address}",
            "A reminder: your session is in {hours} hours — {hall}, {when}.\n{address}",
            hours,
        ).format(hours=hours, **values)
    else:
        body = _(body).format(**values)
    lines = booking.price_lines or []
    if kind == "confirmed" and len(lines) > 1:  # what was paid for, beside hall time
        body += "\n\n" + lines_text(lines, current_language())
    return _(subject).format(**values), body


async def _to_client(
    session: AsyncSession, channels: Channels, about: _Subject, kind: str
) -> list[Notification]:
    event, booking, client = about.event, about.booking, about.client
    with use_language(client.language) as lang:
        address = channels.address_in(lang)
        subject, body = _client_message(about, kind, address)
        extra: dict[str, Any] = {
            "ics": kind in ("confirmed", "cancelled", "moved", "extended"),
            "kind": kind,
            "address": address,
            "organizer": channels.studio_email,
            "lang": lang,
            "hall": about.values()["hall"],
        }
        if kind in ("moved", "extended"):  # the calendar file of this change, not a later
            extra |= {  # one: the same UID, the booking's SEQUENCE raised with each change
                "sequence": about.event.payload.get("sequence", 1),
                "start": about.event.payload.get("start"),
                "end": about.event.payload.get("end"),
            }
        if kind == "expired":  # the chat offers the way back into booking with the notice
            extra["menu_button"] = [_(messages.BOOK_AGAIN), "book"]
    out: list[Notification] = []
    telegram_wanted = kind != "created" or booking.source != "telegram"
    linked = event.type == EventType.BOOKING_LINKED
    if booking.source == "admin" and not linked and client.telegram_id:
        telegram_wanted = telegram_wanted and await _after_link(session, event)
    if channels.telegram and client.telegram_id and not client.bot_blocked and telegram_wanted:
        item = await add_notification(
            session,
            dedupe_key=f"ev{event.id}:client:tg",
            channel="telegram",
            recipient=str(client.telegram_id),
            body=body,
            subject=subject,
            booking_id=booking.id,
            event_id=event.id,
            extra=extra,
        )
        out += [item] if item else []
    if channels.email and client.email and may_email(event, booking, kind) and not linked:
        item = await add_notification(
            session,
            dedupe_key=f"ev{event.id}:client:email",
            channel="email",
            recipient=client.email,
            body=body,
            subject=subject,
            booking_id=booking.id,
            event_id=event.id,
            extra=extra,
        )
        out += [item] if item else []
    return out


async def _after_link(session: AsyncSession, event: Event) -> bool:
    """A booking taken by phone reaches the chat from its link on: what happened before was
    told there by the link's own message (the events may be relayed after it)."""
    link = await session.scalar(
        select(func.min(Event.id)).where(
            Event.booking_id == event.booking_id, Event.type == EventType.BOOKING_LINKED
        )
    )
    return link is not None and event.id > link


def may_email(event: Event, booking: Booking, kind: str) -> bool:
    """Mail goes to a client's address only once money came for the booking or the studio
    confirmed it. Before that the address is whatever was typed into a form: mailing it
    would let anyone send the studio's mail to a stranger, a hold at a time. A hold that
    lapses or is let go unpaid is therefore never mailed about; the bot's chat, where the
    client is known, still says it."""
    if kind == "created":
        return False
    return booking.confirmed_at is not None or event.payment_id is not None


def backoff(attempts: int, now: datetime) -> datetime:
    """30 s, 1 min, 2 min, ... capped at one hour between tries."""
    return now + timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))
