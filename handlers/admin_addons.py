"""`/addon`: an owner adds an add-on or changes one while the studio runs — its price, name,
how it is priced, how many a booking takes, its stock, the hall it is offered in — or stops
offering it. Through the admin API's use cases (`booking/studio_edit.py`): a stock below what
live bookings hold at once is refused there, naming them.

`/addon new ID PRICE [booking|hour|unit] NAME` adds one; `/addon ID WHAT VALUE` changes it.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking import studio_edit as edit
from booking.admin_ops import resolve_hall
from booking.deps import BookingDeps
from booking.domain.pricing import rubles
from booking.studio_sales import SLUG
from handlers import studio_changes as tx
from handlers.admin_args import BadArguments, parse_money
from handlers.admin_halls import NEW
from handlers.studio_args import count, one_line, owner_id
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from settings import Settings

PER = {"booking": "booking", "бронь": "booking", "hour": "hour", "час": "hour",
       "unit": "unit", "шт": "unit", "штука": "unit"}  # fmt: skip
EVERY_HALL = frozenset({"all", "все", "всё", "любой"})


async def _new_addon(message: Message, args: list[str], session: AsyncSession) -> str:
    """`/addon new light-kit 900 hour Комплект света`: its id, price, per (a booking if not
    said), then its name."""
    if len(args) < 4 or not SLUG.fullmatch(args[1].lower()):
        raise BadArguments
    price = parse_money(args[2])
    per = PER.get(args[3].lower())
    title = one_line(message, 4 if per else 3)
    if price is None:
        raise BadArguments
    item = {"id": args[1].lower(), "title": title, "price": rubles(price), "per": per or "booking"}
    addon = await edit.create_addon(session, item, owner_id(message))
    return tx.addon_created_text(addon.slug, addon.title, rub(addon.price), addon.per)


async def _patch(
    session: AsyncSession, what: str, values: list[str], message: Message
) -> tuple[dict[str, Any], str]:
    """The change in the studio file's names, and how the answer shows its value."""
    one = values[0] if len(values) == 1 else None
    if what == "price" and one and parse_money(one) is not None:
        return {"price": rubles(parse_money(one) or 0)}, rub(parse_money(one) or 0)
    if what == "stock" and one:
        stock = count(one, allow_none=True)
        return {"stock": stock}, "" if stock is None else str(stock)
    if what in ("hide", "show") and not values:
        return {"active": what == "show"}, ""
    if what in ("title", "title_en"):
        title = one_line(message, 2)
        return {what: title}, title
    if what == "per" and one and one.lower() in PER:
        per = PER[one.lower()]
        return {"per": per}, _(tx.PER_NAMES[per])
    if what == "max" and one:
        return {"max_quantity": count(one)}, one
    if what == "hall" and one:
        if one.lower() in EVERY_HALL:
            return {"hall_id": None}, ""
        hall = await resolve_hall(session, one)
        return {"hall_id": hall.id}, hall.name
    raise BadArguments


async def addon_command(
    message: Message, args: list[str], session: AsyncSession, deps: BookingDeps, _s: Settings
) -> str:
    if args and args[0].lower() in NEW:
        return await _new_addon(message, args, session)
    if len(args) < 2:
        raise BadArguments
    addon = await edit.addon_by_slug(session, args[0].lower())
    what, values = args[1].lower(), args[2:]
    patch, shown = await _patch(session, what, values, message)
    addon = await edit.update_addon(session, deps, addon.slug, patch, owner_id(message))
    return tx.addon_change_text(addon.title, what, shown)
