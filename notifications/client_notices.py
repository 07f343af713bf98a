"""The client's message about an event in their booking: its text in their language, the
calendar file it carries, and which channels may carry it (e-mail only once the address is
trusted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.events import EventType
from db.models import Booking, Client, Hall
from db.outbox import Event, Notification
from i18n.catalogs import current_language, ngettext, use_language
from i18n.catalogs import gettext as _
from i18n.lines import lines_text
from notifications import messages
from notifications.channels import Channels
from notifications.event_texts import event_values
from notifications.queueing import add_notification


@dataclass(frozen=True, slots=True)
class EventSubject:
    """What one event is about, loaded once; rendered in each recipient's language."""

    event: Event
    booking: Booking
    hall: Hall
    client: Client
    tz: ZoneInfo
    hours_left: int
    #: The booking's refunds under way when the messages are written (refunds.owed_back).
    returning: int

    def values(self) -> dict[str, Any]:
        return event_values(
            self.booking, self.hall, self.client, self.tz, self.event, self.returning
        )


def _client_message(about: EventSubject, kind: str, address: str) -> tuple[str, str]:
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


async def to_client(
    session: AsyncSession, channels: Channels, about: EventSubject, kind: str
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
