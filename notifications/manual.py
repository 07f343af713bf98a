"""An admin's own message (POST /api/notifications/send), queued in the notification log and
delivered like any other."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import BookingRuleError, NotFound
from db.models import Booking, Client
from db.outbox import Notification
from i18n.catalogs import LANGUAGES
from i18n.catalogs import gettext as _
from notifications.queueing import add_notification


async def queue_manual(
    session: AsyncSession,
    *,
    text: str,
    channel: str | None,
    recipient: str | None,
    booking_id: int | None,
    subject: str = "",
    mail: bool = True,
) -> list[Notification]:
    """An admin's message: to a booking's client, or to an explicit recipient. With `mail`
    False (SMTP off) no e-mail is queued, as none of the service's own is: it would wait
    unsent for good."""
    key = f"manual:{uuid.uuid4().hex}"
    studio = [_("Photo studio", lang=lang) for lang in LANGUAGES]
    default_subject = " / ".join(dict.fromkeys(studio))  # both languages: whoever reads it
    if booking_id is not None:
        booking = await session.get(Booking, booking_id)
        if booking is None:
            raise NotFound("booking_not_found", "No such booking.")
        client = await session.get(Client, booking.client_id)
        assert client is not None
        targets = []
        if client.telegram_id and channel in (None, "telegram"):
            targets.append(("telegram", str(client.telegram_id)))
        if client.email and channel in (None, "email") and mail:
            targets.append(("email", client.email))
        if not targets:
            raise BookingRuleError("no_recipient", "The client has no way to be reached.")
    else:
        if channel is None or not recipient:
            raise BookingRuleError("no_recipient", "Give booking_id, or channel and recipient.")
        if channel == "email" and not mail:
            raise BookingRuleError("email_off", "The studio sends no e-mail now (SMTP is off).")
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
            subject=subject or default_subject,
            booking_id=booking_id,
        )
        assert item is not None
        items.append(item)
    await session.commit()
    return items
