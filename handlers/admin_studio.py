"""The owners' studio commands: `/hours`, `/hall`, `/addon`, `/rules`. They change the
studio while it runs through the same use cases as the admin API (`booking/studio_edit.py`),
and the event log names the owner's Telegram id. Admins who are not owners are told so.

Part of the admin router (private chats, admins only), so its middleware rolls back a
refusal; the refusals of these commands are answered here, in the owner's words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.enums import ParseMode
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking import studio_edit as edit
from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.rules_edit import set_rules
from booking.studio_export import current_hours
from bot.filters import IsOwner
from handlers import studio_views as tx
from handlers.admin_addons import addon_command
from handlers.admin_args import BadArguments, parse_date
from handlers.admin_halls import NEW, hall_command
from handlers.admin_refusals import ERRORS
from handlers.common import release
from handlers.studio_args import Handler, owner_id, parse_span, parse_weekdays, text_after
from i18n.catalogs import gettext as _
from settings import Settings

log = logging.getLogger(__name__)
RESET = frozenset({"reset", "обычно", "сброс"})


async def _hours(
    message: Message, args: list[str], session: AsyncSession, deps: BookingDeps, _s: Settings
) -> str:
    hours = await current_hours(session)
    if not args:
        return tx.hours_text(hours)
    if len(args) < 2:
        raise BadArguments
    date = parse_date(args[0], deps.now().astimezone(deps.rules.tz).date())
    if date is None:  # weekdays: "пн", "пн-пт", "sat,sun", "все"; anything else, the usage
        span = parse_span(args[1:])
        for day in parse_weekdays(args[0]):
            hours["hours"].pop(day, None)
            if span is not None:
                hours["hours"][day] = span
    else:
        if len(args) == 2 and args[1].lower() in RESET:
            hours["days"].pop(date.isoformat(), None)
        else:
            hours["days"][date.isoformat()] = parse_span(args[1:])
    stored = await edit.set_hours(session, deps, hours, owner_id(message))
    return tx.hours_changed_text(stored)


async def _rules(
    message: Message, _args: list[str], session: AsyncSession, deps: BookingDeps, _s: Settings
) -> str:
    text = text_after(message, 0)
    if not text:
        raise BadArguments
    if re.fullmatch(r"https?://\S+", text):
        rules = await set_rules(session, deps, owner_id(message), url=text)
    else:
        parts = re.split(r"(?m)^\s*---\s*$", text, maxsplit=1)
        russian, english = parts[0], parts[1] if len(parts) > 1 else ""
        rules = await set_rules(
            session, deps, owner_id(message), text=russian.strip(), text_en=english.strip()
        )
    return tx.rules_text(rules.version)


def _subject(name: str, args: list[str], code: str) -> tuple[str, str]:
    """What a refusal names (the hall, the add-on, the new one's id) and what was changed."""
    if len(args) > 1 and args[0].lower() in NEW:
        return args[1], "new"
    what = args[1].lower() if len(args) > 1 else ""
    if name == "addon" and what == "hall" and code == "hall_not_found":
        return args[-1], what
    return (args[0] if args else ""), what


def _answering(name: str, handler: Handler) -> Callable[..., Awaitable[None]]:
    """The handler's answer, its usage for bad arguments, its refusal in the owner's words."""

    async def answer(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        deps: BookingDeps,
        settings: Settings,
    ) -> None:
        args = (command.args or "").split()
        try:
            text = await handler(message, args, session, deps, settings)
        except BadArguments:
            text = tx.usage(name)
        except DomainError as exc:
            who = owner_id(message)
            log.info("studio change refused", extra={"code": exc.code, "admin_id": who})
            if session.in_transaction():
                await session.rollback()
            forced = f"/{name} {command.args} force" if exc.code == "hall_has_bookings" else ""
            text = tx.refusal(exc, *_subject(name, args, exc.code), forced)
        await release(session)
        await message.answer(text, parse_mode=ParseMode.HTML)

    return answer


async def _not_owner(message: Message) -> None:
    await message.answer(_(ERRORS["owner_needed"]))


def create_router() -> Router:
    """Owners' commands first; the same commands from other admins get the refusal."""
    router = Router(name=__name__)
    handlers = {"hours": _hours, "hall": hall_command, "addon": addon_command, "rules": _rules}
    for name, handler in handlers.items():
        router.message.register(_answering(name, handler), Command(name), IsOwner())
    router.message.register(_not_owner, Command(*handlers))
    return router
