"""Queueing a message once: the dedupe key makes a retried event queue nothing twice, and the
admins' notices go to each admin in their own language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client
from db.outbox import Notification
from notifications.channels import Channels


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


async def to_admins(
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
