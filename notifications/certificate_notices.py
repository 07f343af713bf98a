"""The messages of a gift certificate bought online: its code to the buyer (the Telegram
chat they bought it from, and the e-mail they gave: their payment was verified, so the
address is the payer's own word backed by money, as for a paid booking), and a notice to
the admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.events import EventType
from db.outbox import Event, Notification
from i18n.catalogs import gettext as _
from i18n.catalogs import use_language
from i18n.formats import amount as rub
from i18n.formats import date_with_year
from notifications import messages
from notifications.channels import Channels
from notifications.queueing import add_notification, to_admins


async def certificate_notices(
    session: AsyncSession, deps: BookingDeps, channels: Channels, event: Event
) -> list[Notification]:
    if event.type == EventType.CERTIFICATE_ORDER_STUCK:
        return await _stuck_notice(session, channels, event)
    payload = event.payload
    code = str(payload.get("certificate_code", ""))
    amount = int(payload.get("amount", 0))
    until = datetime.fromisoformat(str(payload["expires_at"])).astimezone(deps.rules.tz)
    out: list[Notification] = []
    with use_language(str(payload.get("language") or "ru")):
        values = {"amount": rub(amount), "code": code, "until": date_with_year(until.date())}
        subject = _(messages.CERTIFICATE_BOUGHT[0]).format(**values)
        body = _(messages.CERTIFICATE_BOUGHT[1]).format(**values)
    telegram_id, email = payload.get("telegram_id"), payload.get("email")
    for channel, recipient, wanted in (
        ("telegram", telegram_id, channels.telegram),
        ("email", email, channels.email),
    ):
        if not wanted or not recipient:
            continue
        item = await add_notification(
            session,
            dedupe_key=f"ev{event.id}:buyer:{channel}",
            channel=channel,
            recipient=str(recipient),
            body=body,
            subject=subject,
            event_id=event.id,
            extra={"kind": "certificate"},
        )
        out += [item] if item else []
    buyer = " ".join(str(x) for x in (payload.get("name"), email or telegram_id) if x)

    def admin_text(language: str | None) -> str:
        with use_language(language):
            return _(messages.CERTIFICATE_SOLD).format(
                amount=rub(amount), gateway=payload.get("gateway", ""), code=code, buyer=buyer
            )

    out += await to_admins(
        session,
        channels,
        admin_text,
        key=f"ev{event.id}:admin",
        subject=f"[studio] {code}",
        booking_id=None,
        event_id=event.id,
    )
    return out


async def _stuck_notice(
    session: AsyncSession, channels: Channels, event: Event
) -> list[Notification]:
    """A certificate's payment that never got its gateway's final word: to the admins."""
    payload = event.payload

    def admin_text(language: str | None) -> str:
        with use_language(language):
            return _(messages.CERTIFICATE_ORDER_STUCK).format(
                amount=rub(int(payload.get("amount", 0))),
                order_id=payload.get("order_id", ""),
                gateway=payload.get("gateway", ""),
                gateway_payment_id=payload.get("gateway_payment_id") or "—",
            )

    return await to_admins(
        session,
        channels,
        admin_text,
        key=f"ev{event.id}:admin",
        subject=f"[studio] certificate order {payload.get('order_id', '')}",
        booking_id=None,
        event_id=event.id,
    )
