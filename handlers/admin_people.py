"""Admins and clients who break the rules: /noshow CODE marks a booking a no-show (nothing is
refunded; past NO_SHOW_LIMIT the client pays in full online), /block and /unblock a client
by phone, Telegram id or booking code (their bookings stay as they are)."""

from __future__ import annotations

import logging
from html import escape

from aiogram.filters import CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking import blocks
from booking.deps import BookingDeps
from booking.no_show import mark_no_show_by_code, no_shows
from db.models import Client
from handlers.admin_args import BadArguments, args_of, rest_of
from handlers.admin_common import answer
from i18n.catalogs import gettext as _

log = logging.getLogger(__name__)


def _who(found: blocks.Identities) -> str:
    parts = [escape(p) for p in sorted(found.phones)]
    parts += [f"Telegram {t}" for t in sorted(found.telegram_ids)]
    return ", ".join(parts)


async def on_no_show(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    if len(args) != 1:
        raise BadArguments
    booking = await mark_no_show_by_code(session, deps, args[0])
    client = await session.get(Client, booking.client_id)
    assert client is not None
    count = await no_shows(session, phone=client.phone, telegram_id=client.telegram_id)
    log.info("admin no-show", extra={"booking_id": booking.id})
    text = _("🚷 Booking <code>{code}</code> marked as a no-show; nothing is refunded.").format(
        code=booking.code
    )
    text += "\n" + _("No-shows of this client: {count} (limit {limit}).").format(
        count=count, limit=deps.rules.no_show_limit
    )
    if count >= deps.rules.no_show_limit:
        text += "\n" + _("From now on this client pays the full price online.")
    await answer(message, text, session)


async def on_block(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    reason = rest_of(command, 1)
    ref = await blocks.ref_from_chat(session, args[0])
    found = await blocks.block(session, deps, ref, reason)
    text = _(
        "⛔ Blocked: {who}. They cannot book online and are told to call the studio; "
        "their bookings stay. Undo: /unblock {arg}"
    ).format(who=_who(found), arg=escape(args[0]))
    await answer(message, text, session)


async def on_unblock(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    if len(args) != 1:
        raise BadArguments
    ref = await blocks.ref_from_chat(session, args[0])
    found = await blocks.unblock(session, deps, ref)
    text = _("✅ Unblocked: {who}. They can book again.").format(who=_who(found))
    await answer(message, text, session)
