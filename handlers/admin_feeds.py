"""`/calendar`: the staff's calendar feed addresses (the studio's and each hall's);
`/calendar new` replaces them all, and the old addresses stop working at once."""

from __future__ import annotations

import logging
from html import escape

from aiogram.enums import ParseMode
from aiogram.filters import CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking.calendar_feeds import FeedLink, feed_links
from booking.deps import BookingDeps
from booking.errors import Forbidden
from handlers.admin_args import BadArguments
from handlers.common import release
from i18n.catalogs import gettext as _

log = logging.getLogger(__name__)
RENEW = frozenset({"new", "новые", "новый", "заново"})


async def on_calendar(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    deps: BookingDeps,
    is_owner: bool,
) -> None:
    argument = (command.args or "").strip().lower()
    if argument and argument not in RENEW:
        raise BadArguments
    if argument and not is_owner:
        raise Forbidden("owner_needed", "Only an owner can replace the feed addresses.")
    links = await feed_links(session, deps, renew=bool(argument))
    if argument:
        admin_id = message.from_user.id if message.from_user else None
        log.info("calendar feeds renewed", extra={"admin_id": admin_id})
    await release(session)
    await message.answer(
        feeds_text(links, deps.base_url, renewed=bool(argument)),
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
    )


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/calendar/{token}.ics"


def feeds_text(links: list[FeedLink], base_url: str, *, renewed: bool) -> str:
    lines = [
        _("🔄 New addresses are made; the old ones no longer work.")
        if renewed
        else _("📆 Calendar feeds of the bookings"),
        _(
            "Add an address to Google, Apple or Outlook calendar as a subscription "
            "(“from URL”). Give them to the staff only: whoever has one sees the bookings "
            "with the clients' names."
        ),
        "",
    ]
    for link in links:
        name = _("Whole studio") if link.hall is None else link.hall.name
        lines.append(f"<b>{escape(name)}</b>\n{escape(feed_url(base_url, link.token))}")
    lines += ["", _("New addresses, the old ones stop working: /calendar new")]
    return "\n".join(lines)
