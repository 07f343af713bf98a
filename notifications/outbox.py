"""The notification log: events become messages here, each written once by its dedupe key."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.errors import BookingRuleError, NotFound
from booking.events import EventType
from db.models import Booking, Client, Event, Hall, Notification
from notifications.texts import is_russian, text


@dataclass(frozen=True, slots=True)
class Channels:
    """Which ways of reaching people this process has, and who the admins are."""

    telegram: bool = False
    email: bool = False
    admin_telegram_ids: tuple[int, ...] = ()
    admin_emails: tuple[str, ...] = ()
    studio_address: str = ""
    #: The address the studio's e-mails come from: the calendar files' ORGANIZER, which a
    #: cancellation needs for calendar apps to honour it (RFC 5546).
    studio_email: str | None = None

    def names(self) -> list[str]:
        return [name for name, on in (("telegram", self.telegram), ("email", self.email)) if on]


def rub(kopecks: int) -> str:
    rubles, rest = divmod(kopecks, 100)
    return f"{rubles:,}".replace(",", " ") + (f",{rest:02d}" if rest else "")


# Where a batch of events keeps the dedupe keys already queued for them (in `session.info`).
_KNOWN_KEYS = "notifications.known_keys"


async def read_known_keys(session: AsyncSession, event_ids: Sequence[int]) -> None:
    """The dedupe keys already queued for these events, read in one statement, so that
    `add_notification` checks the batch's messages in memory instead of one SELECT each."""
    keys = await session.scalars(
        select(Notification.dedupe_key).where(Notification.event_id.in_(event_ids))
    )
    session.info[_KNOWN_KEYS] = set(keys)


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
    known: set[str] | None = session.info.get(_KNOWN_KEYS)
    if known is not None:  # the keys of this batch's events were read together
        if dedupe_key in known:
            return None
        known.add(dedupe_key)
    else:
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


def _values(
    booking: Booking, hall: Hall, client: Client, tz: ZoneInfo, address: str
) -> dict[str, Any]:
    start = booking.start_at.astimezone(tz)
    end = booking.end_at.astimezone(tz)
    hold = booking.hold_expires_at.astimezone(tz) if booking.hold_expires_at else start
    balance = booking.total - booking.paid
    return {
        "code": booking.code,
        "hall": hall.name if is_russian(client.language) else (hall.name_en or hall.name),
        "when": f"{start:%d.%m.%Y} {start:%H:%M}–{end:%H:%M}",
        "hold_until": f"{hold:%H:%M}",
        "due": rub(booking.prepay_amount),
        "paid": rub(booking.paid),
        "total": rub(booking.total),
        "balance": rub(balance),
        "address": address,
        "client": " ".join(x for x in (client.name, client.phone or "") if x),
    }


def _hours_left(booking: Booking, now: datetime) -> int:
    """Whole hours to the start, as a reminder says them: counted when the message is
    written, not from the reminder's window (after downtime it is written later)."""
    return max(1, round((booking.start_at - now) / timedelta(hours=1)))


CLIENT_KEYS: dict[str, str] = {
    EventType.BOOKING_CREATED: "created",
    EventType.BOOKING_CONFIRMED: "confirmed",
    EventType.BOOKING_EXPIRED: "expired",
    EventType.BOOKING_CANCELLED: "cancelled",
    EventType.REFUND_SUCCEEDED: "refunded",
    EventType.PAYMENT_LATE_REFUNDED: "late_refunded",
    EventType.REMINDER_DUE: "reminder",
}
ADMIN_KEYS: dict[str, str] = {
    EventType.BOOKING_CREATED: "admin.created",
    EventType.BOOKING_CONFIRMED: "admin.confirmed",
    EventType.BOOKING_CANCELLED: "admin.cancelled",
    EventType.PAYMENT_LATE_REFUNDED: "admin.late_refunded",
    EventType.REFUND_FAILED: "admin.refund_failed",
    EventType.PAYMENT_STUCK: "admin.payment_stuck",
}


def _keys_for(event: Event) -> tuple[str | None, str | None]:
    client_key = CLIENT_KEYS.get(event.type)
    admin_key = ADMIN_KEYS.get(event.type)
    if event.type == EventType.PAYMENT_SUCCEEDED and event.payload.get("balance"):
        client_key, admin_key = "balance_paid", "admin.balance_paid"
    if event.type == EventType.REFUND_FAILED and event.payload.get("needs_admin"):
        admin_key = "admin.refund_in_doubt"
    elif event.type == EventType.REFUND_FAILED and event.payload.get("final"):
        admin_key = "admin.refund_canceled"
    return client_key, admin_key


async def admin_languages(session: AsyncSession, channels: Channels) -> dict[int, str]:
    """Each admin's language, from the client row their use of the bot left (else none)."""
    if not channels.telegram or not channels.admin_telegram_ids:
        return {}
    stmt = select(Client.telegram_id, Client.language).where(
        Client.telegram_id.in_(channels.admin_telegram_ids)
    )
    return {row.telegram_id: row.language for row in await session.execute(stmt)}


async def render_event(
    session: AsyncSession,
    deps: BookingDeps,
    channels: Channels,
    event: Event,
    languages: Mapping[int, str] | None = None,
) -> list[Notification]:
    """Turn one event into the messages it calls for (client and admins).

    `languages`: the admins' languages (`admin_languages`), read here if not given."""
    if event.type == EventType.AUDIT_FAILED:
        return await _audit_notice(session, channels, event, languages)
    client_key, admin_key = _keys_for(event)
    if (client_key is None and admin_key is None) or event.booking_id is None:
        return []
    booking = await session.get(Booking, event.booking_id)
    if booking is None:
        return []
    if event.type == EventType.REMINDER_DUE and booking.status != "confirmed":
        return []  # cancelled after the reminder was queued
    hall = await session.get(Hall, booking.hall_id)
    client = await session.get(Client, booking.client_id)
    assert hall is not None and client is not None
    values = _values(booking, hall, client, deps.rules.tz, channels.studio_address)
    values.update(
        amount=rub(int(event.payload.get("refund_amount") or event.payload.get("amount") or 0)),
        refund=rub(int(event.payload.get("refund_total", 0))),
        error=str(event.payload.get("error", "")),
        refund_id=event.payload.get("refund_id", ""),
        payment_id=event.payment_id or "",
        gateway=str(event.payload.get("gateway", "")),
        hours=_hours_left(booking, deps.now()),
    )
    out: list[Notification] = []
    if client_key is not None:
        out += await _to_client(session, channels, event, booking, client, client_key, values)
    if admin_key is not None:
        # In each admin's own language (Russian unless their Telegram says otherwise), with
        # the hall named in it, whatever the client's language.
        hall_names = {"ru": hall.name, "en": hall.name_en or hall.name}

        def admin_text(lang: str) -> str:
            return text(lang, admin_key, **{**values, "hall": hall_names[lang]})

        out += await _to_admins(
            session,
            channels,
            languages,
            admin_text,
            key=f"ev{event.id}:admin",
            subject=f"[studio] {booking.code}",
            booking_id=booking.id,
            event_id=event.id,
        )
    return out


async def _to_admins(
    session: AsyncSession,
    channels: Channels,
    languages: Mapping[int, str] | None,
    body: Callable[[str], str],
    *,
    key: str,
    subject: str,
    booking_id: int | None,
    event_id: int | None,
) -> list[Notification]:
    """One message to each admin: in Telegram in their language, by e-mail in Russian.
    `key` makes each message once (`key:tg:ID`, `key:email:ADDRESS`); `body` gives the
    text in a language ("ru" or "en")."""
    if languages is None:
        languages = await admin_languages(session, channels)
    out: list[Notification] = []
    for admin_id in channels.admin_telegram_ids if channels.telegram else ():
        lang = "ru" if is_russian(languages.get(admin_id)) else "en"
        item = await add_notification(
            session,
            dedupe_key=f"{key}:tg:{admin_id}",
            channel="telegram",
            recipient=str(admin_id),
            body=body(lang),
            booking_id=booking_id,
            event_id=event_id,
        )
        out += [item] if item else []
    for email in channels.admin_emails if channels.email else ():
        item = await add_notification(
            session,
            dedupe_key=f"{key}:email:{email}",
            channel="email",
            recipient=email,
            body=body("ru"),
            subject=subject,
            booking_id=booking_id,
            event_id=event_id,
        )
        out += [item] if item else []
    return out


async def _audit_notice(
    session: AsyncSession,
    channels: Channels,
    event: Event,
    languages: Mapping[int, str] | None,
) -> list[Notification]:
    """The daily money audit found problems: each admin hears once a day, whichever
    processes ran it, with the bookings concerned for each check."""
    day = str(event.payload.get("day", ""))
    checks: dict[str, list[str]] = event.payload.get("checks", {})

    def body(lang: str) -> str:
        details = "\n".join(
            f"• {text(lang, f'audit.{check}')}: {', '.join(items)}"
            for check, items in checks.items()
        )
        count = event.payload.get("count", 0)
        return text(lang, "admin.audit_failed", day=day, count=count, details=details)

    return await _to_admins(
        session,
        channels,
        languages,
        body,
        key=f"audit:{day}:admin",
        subject=f"[studio] audit {day}",
        booking_id=None,
        event_id=event.id,
    )


async def _to_client(
    session: AsyncSession,
    channels: Channels,
    event: Event,
    booking: Booking,
    client: Client,
    key: str,
    values: dict[str, Any],
) -> list[Notification]:
    lang = client.language
    if key == "confirmed":
        balance = booking.total - booking.paid
        values["balance_line"] = text(lang, "balance_line", **values) if balance > 0 else ""
    if key == "cancelled":
        refund = int(event.payload.get("refund_total", 0))
        values["refund_line"] = text(lang, "refund_line", **values) if refund > 0 else ""
    body = text(lang, key, **values)
    subject = text(lang, f"{key}.subject", **values)
    extra = {
        "ics": key in ("confirmed", "cancelled"),
        "kind": key,
        "address": values["address"],
        "organizer": channels.studio_email,
        "lang": "ru" if is_russian(lang) else "en",
        "hall": values["hall"],
    }
    if key == "expired":  # the chat offers the way back into booking with the notice
        extra["menu_button"] = [text(lang, "book_again"), "book"]
    out: list[Notification] = []
    telegram_wanted = key != "created" or booking.source != "telegram"
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
    if channels.email and client.email:
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


async def queue_manual(
    session: AsyncSession,
    deps: BookingDeps,
    *,
    text: str,
    channel: str | None,
    recipient: str | None,
    booking_id: int | None,
    subject: str = "",
    channels: Channels | None = None,
) -> list[Notification]:
    """An admin's message: to a booking's client, or to an explicit recipient."""
    key = f"manual:{uuid.uuid4().hex}"
    if booking_id is not None:
        booking = await session.get(Booking, booking_id)
        if booking is None:
            raise NotFound("booking_not_found", "No such booking.")
        client = await session.get(Client, booking.client_id)
        assert client is not None
        targets = []
        if client.telegram_id and channel in (None, "telegram"):
            targets.append(("telegram", str(client.telegram_id)))
        if client.email and channel in (None, "email"):
            targets.append(("email", client.email))
        if not targets:
            raise BookingRuleError("no_recipient", "The client has no way to be reached.")
    else:
        if channel is None or not recipient:
            raise BookingRuleError("no_recipient", "Give booking_id, or channel and recipient.")
        if channel == "telegram" and not recipient.lstrip("-").isdigit():
            raise BookingRuleError("bad_recipient", "A Telegram recipient is a numeric chat id.")
        if channel == "email" and "@" not in recipient:
            raise BookingRuleError("bad_recipient", "The e-mail address is not valid.")
        targets = [(channel, recipient)]
    items = []
    for chan, to in targets:
        item = await add_notification(
            session,
            dedupe_key=f"{key}:{chan}",
            channel=chan,
            recipient=to,
            body=text,
            subject=subject or "Фотостудия / Photo studio",
            booking_id=booking_id,
        )
        assert item is not None
        items.append(item)
    await session.commit()
    return items


def backoff(attempts: int, now: datetime) -> datetime:
    """30 s, 1 min, 2 min, ... capped at one hour between tries."""
    return now + timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))
