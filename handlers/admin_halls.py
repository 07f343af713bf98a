"""`/hall`: an owner adds a hall or changes one while the studio runs — its name, price,
description, photos, time bands, lengths, people and specs, or hides it. Each change goes
through the admin API's use cases (`booking/studio_edit.py`), so the same checks refuse it.

`/hall new NAME PRICE` adds a hall (its slug, for the booking page's address, is the name in
Latin letters); `/hall HALL WHAT VALUE` changes one, HALL being its number or slug.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiogram.types import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import studio_edit as edit
from booking.admin_ops import resolve_hall
from booking.deps import BookingDeps
from booking.domain.pricing import rubles
from booking.latin import in_latin
from booking.studio_export import hall_item
from booking.studio_file import WEEKDAYS
from db.models import Hall
from handlers import studio_changes as tx
from handlers.admin_args import BadArguments, parse_money
from handlers.studio_args import (
    FORCE,
    MAX_NAME,
    NONE,
    count,
    one_line,
    owner_id,
    parse_span,
    parse_weekdays,
    text_after,
)
from i18n.catalogs import current_language
from i18n.formats import amount as rub
from i18n.formats import money, weekdays
from settings import Settings

NEW = frozenset({"new", "add", "новый", "добавить"})
FEES = {"hour": "person_hour", "час": "person_hour", "booking": "person_booking",
        "бронь": "person_booking"}  # fmt: skip
#: Short names of the specs a client reads (handlers/hall_specs.py); other keys are kept as typed.
SPEC_KEYS = {"area": "area_m2", "площадь": "area_m2", "ceiling": "ceiling_m",
             "потолок": "ceiling_m", "циклорама": "cyclorama",
             "оборудование": "equipment"}  # fmt: skip
_SPEC_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_ABOUT = 5000


async def free_slug(session: AsyncSession, name: str) -> str:
    """The name in Latin letters, lower-case, words joined by "-"; "-2", "-3"… when taken."""
    latin = in_latin(name.lower())
    base = "-".join(re.findall(r"[a-z0-9]+", latin))[:56].strip("-") or "hall"
    taken = set((await session.scalars(select(Hall.slug).where(Hall.slug.like(f"{base}%")))).all())
    return next(
        s for n in range(1, 10_000) if (s := base if n == 1 else f"{base}-{n}") not in taken
    )


async def _new_hall(
    message: Message, args: list[str], session: AsyncSession, studio_dir: Path
) -> str:
    """`/hall new Белый зал 2500`: the price is the last word, the name before it."""
    price = parse_money(args[-1]) if len(args) >= 3 else None
    name = " ".join(args[1:-1])
    if price is None or len(name) > MAX_NAME:
        raise BadArguments
    item = {"slug": await free_slug(session, name), "name": name, "hourly_price": rubles(price)}
    hall = await edit.create_hall(session, item, owner_id(message), studio_dir)
    return tx.hall_created_text(hall.id, hall.name, rub(hall.hourly_price), hall.slug)


def _band(hall: Hall, values: list[str]) -> tuple[list[dict[str, Any]], str]:
    """`band [DAYS] 18:00-22:00 3000` adds a time band; `band none` clears them."""
    if len(values) == 1 and values[0].lower() in NONE:
        return [], ""
    if len(values) not in (2, 3):
        raise BadArguments
    days = parse_weekdays(values[0]) if len(values) == 3 else parse_weekdays("all")
    span = parse_span([values[-2]])
    price = parse_money(values[-1])
    if span is None or price is None:
        raise BadArguments
    band = {"weekdays": days, "start": span[0], "end": span[1], "hourly_price": rubles(price)}
    return [*hall_item(hall)["price_rules"], band], _band_text(days, span, price)


def _band_text(days: list[str], span: list[str], price: int) -> str:
    names = weekdays(current_language())
    every = len(days) == len(WEEKDAYS)
    shown = "" if every else ", ".join(names[WEEKDAYS.index(day)] for day in days) + " "
    return f"{shown}{span[0]}–{span[1]} {money(price)}"


def _fee(values: list[str]) -> tuple[dict[str, Any] | None, str]:
    """`fee 500 hour` (a person an hour), `fee 200 booking` (a person), `fee 20%`, `fee none`."""
    if len(values) == 1 and values[0].lower() in NONE:
        return None, ""
    if len(values) == 1 and values[0].endswith("%"):
        percent = count(values[0][:-1])
        return {"per": "percent", "percent": percent}, tx.fee_value("percent", str(percent))
    price = parse_money(values[0]) if len(values) == 2 else None
    per = FEES.get(values[1].lower()) if len(values) == 2 else None
    if price is None or per is None:
        raise BadArguments
    return {"per": per, "price": rubles(price)}, tx.fee_value(per, rub(price))


def _spec(hall: Hall, message: Message, values: list[str]) -> tuple[dict[str, Any], str]:
    """`spec area 80`, `spec equipment стол, фон`, `spec KEY none` removes one."""
    if len(values) < 2:
        raise BadArguments
    key = SPEC_KEYS.get(values[0].lower(), values[0].lower())
    if not _SPEC_KEY.match(key):
        raise BadArguments
    specs = dict(hall.specs or {})
    text = one_line(message, 3, MAX_ABOUT)
    value: Any
    if text.lower() in NONE:
        specs.pop(key, None)
        return specs, f"{key} —"
    if key == "equipment":
        value = [part.strip() for part in text.split(",") if part.strip()]
    elif re.fullmatch(r"\d{1,6}([.,]\d{1,2})?", text):
        number = float(text.replace(",", "."))
        value = int(number) if number.is_integer() else number
    else:
        value = text
    specs[key] = value
    return specs, f"{key} {text}"


def _patch(
    hall: Hall, what: str, values: list[str], message: Message
) -> tuple[dict[str, Any], str]:
    """The change in the studio file's names, and how the answer shows its value."""
    one = values[0] if len(values) == 1 else None
    if what == "price" and one and parse_money(one) is not None:
        return {"hourly_price": rubles(parse_money(one) or 0)}, rub(parse_money(one) or 0)
    if what in ("min", "buffer") and one:
        return {f"{what}_minutes": count(one)}, one
    if what in ("capacity", "guests") and one:
        number = count(one, allow_none=True)
        field = "capacity" if what == "capacity" else "included_guests"
        return {field: number}, "" if number is None else str(number)
    if what in ("hide", "show") and (
        not values or (what == "hide" and (one or "").lower() in FORCE)
    ):
        return {"active": what == "show"}, ""
    if what == "name":
        name = one_line(message, 2)
        # An English name never set (the name, or the name in Latin letters) follows it.
        same = hall.name_en in (hall.name, in_latin(hall.name))
        return {"name": name, **({"name_en": in_latin(name)} if same else {})}, name
    if what == "name_en":
        return {"name_en": one_line(message, 2)}, one_line(message, 2)
    if what in ("about", "about_en"):
        text = text_after(message, 2)
        if not text or len(text) > MAX_ABOUT:
            raise BadArguments
        text = "" if text in NONE else text
        return {what.replace("about", "description"): text}, ""
    if what == "photo" and one and len(one) <= 500:
        photos = [] if one.lower() in NONE else [*(hall.photos or []), one]
        return {"photos": photos}, "" if one.lower() in NONE else str(len(photos))
    if what == "band" and values:
        bands, shown = _band(hall, values)
        return {"price_rules": bands}, shown
    if what == "fee" and values:
        fee, shown = _fee(values)
        return {"extra_guest_fee": fee}, shown
    if what == "spec":
        specs, shown = _spec(hall, message, values)
        return {"specs": specs}, shown
    raise BadArguments


async def hall_command(
    message: Message, args: list[str], session: AsyncSession, deps: BookingDeps, s: Settings
) -> str:
    studio_dir = Path(s.studio.studio_file).parent
    if args and args[0].lower() in NEW:
        return await _new_hall(message, args, session, studio_dir)
    if len(args) < 2:
        raise BadArguments
    hall = await resolve_hall(session, args[0])
    what, values = args[1].lower(), args[2:]
    if what == "photo" and message.photo and not values:
        return tx.photo_by_address_text(hall.id)
    patch, shown = _patch(hall, what, values, message)
    hall = await edit.update_hall(
        session, deps, hall.id, patch, owner_id(message), studio_dir,
        keep_bookings=bool(values) and what == "hide",
    )  # fmt: skip
    return tx.hall_change_text(hall.name, what, shown)
