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
from pathlib import Path
from typing import Any

from aiogram import Router
from aiogram.enums import ParseMode
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking import studio_edit as edit
from booking.admin_ops import resolve_hall
from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.rules_edit import set_rules
from booking.studio_export import current_hours, rubles
from booking.studio_file import WEEKDAYS
from bot.filters import IsOwner
from handlers import studio_views as tx
from handlers.admin_args import BadArguments, parse_date, parse_money
from handlers.admin_views import ERRORS
from handlers.common import release
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from settings import Settings

log = logging.getLogger(__name__)
RU_WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
CLOSED = frozenset({"closed", "off", "выходной", "закрыто", "нет"})
RESET = frozenset({"reset", "обычно", "сброс"})
NONE = frozenset({"none", "нет", "-", "0"})
FORCE = frozenset({"force", "!"})
_SPAN = re.compile(r"^(\d{1,2}(?::\d{2})?)[-–—](\d{1,2}(?::\d{2})?)$")
Handler = Callable[[Message, list[str], AsyncSession, BookingDeps, Settings], Awaitable[str]]


def _uid(message: Message) -> int:
    return message.from_user.id if message.from_user else 0


def _clock(text: str) -> str:
    hours, _sep, minutes = text.partition(":")
    return f"{int(hours):02d}:{minutes or '00'}"


def parse_span(tokens: list[str]) -> list[str] | None:
    """["10:00-22:00"] or ["10:00", "22:00"] (or "10-22"); None for a closed day."""
    if len(tokens) == 1 and tokens[0].lower() in CLOSED:
        return None
    joined = "-".join(tokens) if len(tokens) == 2 else "".join(tokens)
    match = _SPAN.match(joined)
    if match is None:
        raise BadArguments
    return [_clock(match.group(1)), _clock(match.group(2))]


def _count(token: str, *, allow_none: bool = False) -> int | None:
    if allow_none and token.lower() in NONE:
        return None
    if not token.isdigit() or len(token) > 5:
        raise BadArguments
    return int(token)


async def _hours(
    message: Message, args: list[str], session: AsyncSession, deps: BookingDeps, _s: Settings
) -> str:
    hours = await current_hours(session)
    if not args:
        return tx.hours_text(hours)
    if len(args) < 2:
        raise BadArguments
    day = args[0].lower()
    if day[:3] in WEEKDAYS or day[:2] in RU_WEEKDAYS:
        weekday = WEEKDAYS[WEEKDAYS.index(day[:3])] if day[:3] in WEEKDAYS else None
        weekday = weekday or WEEKDAYS[RU_WEEKDAYS.index(day[:2])]
        span = parse_span(args[1:])
        hours["hours"].pop(weekday, None)
        if span is not None:
            hours["hours"][weekday] = span
    else:
        date = parse_date(args[0], deps.now().astimezone(deps.rules.tz).date())
        if date is None:
            raise BadArguments
        if len(args) == 2 and args[1].lower() in RESET:
            hours["days"].pop(date.isoformat(), None)
        else:
            hours["days"][date.isoformat()] = parse_span(args[1:])
    stored = await edit.set_hours(session, deps, hours, _uid(message))
    return tx.hours_changed_text(stored)


async def _hall(
    message: Message, args: list[str], session: AsyncSession, deps: BookingDeps, s: Settings
) -> str:
    if len(args) < 2:
        raise BadArguments
    hall = await resolve_hall(session, args[0])
    what, values = args[1].lower(), args[2:]
    patch: dict[str, Any]
    shown = values[0] if values else ""
    if what == "price" and len(values) == 1 and parse_money(values[0]):
        patch = {"hourly_price": rubles(parse_money(values[0]) or 0)}
        shown = rub(parse_money(values[0]) or 0)
    elif what in ("min", "buffer") and len(values) == 1:
        patch = {f"{what}_minutes": _count(values[0])}
    elif what == "capacity" and len(values) == 1:
        capacity = _count(values[0], allow_none=True)
        patch, shown = {"capacity": capacity}, "" if capacity is None else str(capacity)
    elif what in ("hide", "show") and len(values) <= 1:
        patch = {"active": what == "show"}
        if values and values[0].lower() not in FORCE:
            raise BadArguments
    else:
        raise BadArguments
    hall = await edit.update_hall(
        session, deps, hall.id, patch, _uid(message), Path(s.studio.studio_file).parent,
        keep_bookings=bool(values) and what == "hide",
    )  # fmt: skip
    return tx.hall_change_text(hall.name, what, shown)


async def _addon(
    message: Message, args: list[str], session: AsyncSession, deps: BookingDeps, _s: Settings
) -> str:
    if len(args) < 2:
        raise BadArguments
    addon = await edit.addon_by_slug(session, args[0].lower())
    what, values = args[1].lower(), args[2:]
    patch: dict[str, Any]
    shown = ""
    if what == "price" and len(values) == 1 and parse_money(values[0]) is not None:
        patch = {"price": rubles(parse_money(values[0]) or 0)}
        shown = rub(parse_money(values[0]) or 0)
    elif what == "stock" and len(values) == 1:
        stock = _count(values[0], allow_none=True)
        patch, shown = {"stock": stock}, "" if stock is None else str(stock)
    elif what in ("hide", "show") and not values:
        patch = {"active": what == "show"}
    else:
        raise BadArguments
    addon = await edit.update_addon(session, deps, addon.slug, patch, _uid(message))
    return tx.addon_change_text(addon.title, what, shown)


async def _rules(
    message: Message, _args: list[str], session: AsyncSession, deps: BookingDeps, _s: Settings
) -> str:
    text = (message.text or "").partition(" ")[2].strip()
    if not text:
        raise BadArguments
    if re.fullmatch(r"https?://\S+", text):
        rules = await set_rules(session, deps, _uid(message), url=text)
    else:
        parts = re.split(r"(?m)^\s*---\s*$", text, maxsplit=1)
        russian, english = parts[0], parts[1] if len(parts) > 1 else ""
        rules = await set_rules(
            session, deps, _uid(message), text=russian.strip(), text_en=english.strip()
        )
    return tx.rules_text(rules.version)


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
            log.info("studio change refused", extra={"code": exc.code, "admin_id": _uid(message)})
            if session.in_transaction():
                await session.rollback()
            forced = f"/{name} {command.args} force" if exc.code == "hall_has_bookings" else ""
            text = tx.refusal(exc, args[0] if args else "", forced)
        await release(session)
        await message.answer(text, parse_mode=ParseMode.HTML)

    return answer


async def _not_owner(message: Message) -> None:
    await message.answer(_(ERRORS["owner_needed"]))


def create_router() -> Router:
    """Owners' commands first; the same commands from other admins get the refusal."""
    router = Router(name=__name__)
    handlers = {"hours": _hours, "hall": _hall, "addon": _addon, "rules": _rules}
    for name, handler in handlers.items():
        router.message.register(_answering(name, handler), Command(name), IsOwner())
    router.message.register(_not_owner, Command(*handlers))
    return router
