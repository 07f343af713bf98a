"""The studio file: halls, prices, hours and closures loaded into an empty database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.domain.calendar import DayHours
from booking.latin import english_name
from booking.studio_sales import SLUG, apply_hall_extras, parse_addon, parse_rules
from booking.studio_sales import StudioFileError as StudioFileError
from booking.studio_sales import kopecks as _kopecks
from db.models import Closure, Hall, StudioHours
from db.studio import StudioDay

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minute(text: str) -> int:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and (minutes.isdigit() or not minutes)) or len(minutes) > 2:
        raise StudioFileError(f"time {text!r} is not HH:MM")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value <= 1440:
        raise StudioFileError(f"time {text!r} is outside 00:00-24:00")
    return value


def _weekday(name: str) -> int:
    try:
        return WEEKDAYS.index(name.lower()[:3])
    except ValueError:
        raise StudioFileError(f"unknown weekday {name!r}") from None


def read_studio_file(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StudioFileError(f"{path}: {exc}") from None
    return data


@dataclass(frozen=True, slots=True)
class StudioInfo:
    """What messages tell about the studio itself: its name and address, in Russian and,
    where the file gives them (`name_en`, `address_en`), in English."""

    name: str = ""
    address: str = ""
    name_en: str = ""
    address_en: str = ""
    #: The studio's phone, for the clients who must call (e.g. a blocked client).
    phone: str = ""

    def name_in(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def address_in(self, lang: str) -> str:
        return self.address_en if lang == "en" and self.address_en else self.address


def studio_info(data: dict[str, Any]) -> StudioInfo:
    return StudioInfo(
        name=str(data.get("name", "")),
        address=str(data.get("address", "")),
        name_en=str(data.get("name_en", "")),
        address_en=str(data.get("address_en", "")),
        phone=str(data.get("phone", "")),
    )


def parse_hours(data: dict[str, Any]) -> tuple[dict[int, DayHours], dict[date, DayHours | None]]:
    """The weekly hours (`hours`: weekday -> [open, close]) and the dates that differ
    (`days`: "YYYY-MM-DD" -> [open, close], or null for closed)."""
    weekly = {
        _weekday(day): _day_hours(day, span) for day, span in (data.get("hours") or {}).items()
    }
    days: dict[date, DayHours | None] = {}
    for text, span in (data.get("days") or {}).items():
        try:
            day = date.fromisoformat(str(text))
        except ValueError:
            raise StudioFileError(f"days: {text!r} is not a date YYYY-MM-DD") from None
        days[day] = None if span is None else _day_hours(str(text), span)
    return weekly, days


def _day_hours(where: str, span: Any) -> DayHours:
    if not isinstance(span, list | tuple) or len(span) != 2:
        raise StudioFileError(f"hours of {where}: give [open, close] like ['10:00', '22:00']")
    opens, closes = _minute(str(span[0])), _minute(str(span[1]))
    if not opens < closes:
        raise StudioFileError(f"hours of {where}: the opening is not before the closing")
    return DayHours(opens, closes)


def parse_hall(item: dict[str, Any], order: int, studio_dir: Path) -> Hall:
    """One hall of the file, checked; its id is given by the database."""
    where = f"hall {item.get('slug')}"
    slug = str(item.get("slug", ""))
    if not SLUG.fullmatch(slug):
        raise StudioFileError(f"{where}: slug must be lower-case letters, digits, - or _")
    for key in ("name", "hourly_price"):
        if item.get(key) in (None, ""):
            raise StudioFileError(f"{where}: {key} is required")
    for key in ("min_minutes", "buffer_minutes"):
        if int(item.get(key, 15)) % 15:
            raise StudioFileError(f"{where}: {key} must be a multiple of 15")
    if not 15 <= int(item.get("min_minutes", 60)) <= 24 * 60:
        raise StudioFileError(f"{where}: min_minutes must be 15..1440")
    if not 0 <= int(item.get("buffer_minutes", 15)) <= 12 * 60:
        raise StudioFileError(f"{where}: buffer_minutes must be 0..720")
    bands: list[dict[str, Any]] = []
    for rule in item.get("price_rules") or []:
        weekdays = sorted({_weekday(d) for d in rule["weekdays"]})
        start, end = _minute(rule["start"]), _minute(rule["end"])
        if not weekdays or start >= end:
            raise StudioFileError(f"{where}: a price rule needs weekdays and start before end")
        bands.append({"weekdays": weekdays, "start_minute": start, "end_minute": end,
                      "hourly_price": _kopecks(rule["hourly_price"])})  # fmt: skip
    hall = Hall(
        slug=slug,
        name=str(item["name"]),
        name_en=english_name(item, "name_en", str(item["name"])),
        description=str(item.get("description", "")),
        description_en=str(item.get("description_en", "")),
        hourly_price=_kopecks(item["hourly_price"]),
        min_minutes=int(item.get("min_minutes", 60)),
        buffer_minutes=int(item.get("buffer_minutes", 15)),
        price_bands=bands,
        active=bool(item.get("active", True)),
        sort_order=order,
    )
    apply_hall_extras(hall, item, studio_dir)
    return hall


async def load_studio(
    session: AsyncSession, data: dict[str, Any], tz: ZoneInfo, studio_dir: Path
) -> int:
    """Fill halls, hours, closures, add-ons and rules; returns the number of halls added.
    Photos named in the file are looked for under `studio_dir`. Never commits."""
    weekly, days = parse_hours(data)
    for weekday, hours in weekly.items():
        session.add(
            StudioHours(
                weekday=weekday, open_minute=hours.open_minute, close_minute=hours.close_minute
            )
        )
    for day, span in days.items():
        session.add(
            StudioDay(
                day=day,
                open_minute=span.open_minute if span else None,
                close_minute=span.close_minute if span else None,
            )
        )
    halls: dict[str, Hall] = {}
    for order, item in enumerate(data.get("halls", [])):
        hall = parse_hall(item, order, studio_dir)
        if hall.slug in halls:
            raise StudioFileError(f"hall slug {hall.slug!r} is used twice")
        session.add(hall)
        halls[hall.slug] = hall
    await session.flush()
    _add_addons(session, data, halls)
    rules = parse_rules(data)
    if rules is not None:
        session.add(rules)
    for item in data.get("closures", []):
        start = datetime.fromisoformat(item["start"])
        end = datetime.fromisoformat(item["end"])
        start = start if start.tzinfo else start.replace(tzinfo=tz)
        end = end if end.tzinfo else end.replace(tzinfo=tz)
        if end <= start:
            raise StudioFileError(f"closure {item}: end is not after start")
        slug = item.get("hall")
        if slug is not None and slug not in halls:
            raise StudioFileError(f"closure names unknown hall {slug!r}")
        session.add(
            Closure(
                hall_id=halls[slug].id if slug else None,
                start_at=start,
                end_at=end,
                reason=item.get("reason", ""),
            )
        )
    await session.flush()
    return len(halls)


def _add_addons(session: AsyncSession, data: dict[str, Any], halls: dict[str, Hall]) -> None:
    """The studio's add-ons (every hall), then each hall's own; an id is used once."""
    offered: list[tuple[int | None, Any]] = [(None, item) for item in data.get("addons", [])]
    for item in data.get("halls", []):
        offered += [(halls[item["slug"]].id, addon) for addon in item.get("addons", [])]
    seen: set[str] = set()
    for order, (hall_id, item) in enumerate(offered):
        addon = parse_addon(item, hall_id, order)
        if addon.slug in seen:
            raise StudioFileError(f"add-on id {addon.slug!r} is used twice")
        seen.add(addon.slug)
        session.add(addon)


async def load_if_empty(
    session: AsyncSession, data: dict[str, Any], tz: ZoneInfo, studio_dir: Path
) -> int:
    """A new studio sees the file's halls at once; an existing one is left alone. Never
    commits: the caller holds the lock that keeps two processes from loading it both."""
    if await session.scalar(select(func.count()).select_from(Hall)):
        return 0
    return await load_studio(session, data, tz, studio_dir)


async def seed_if_empty(session: AsyncSession, path: Path, tz: ZoneInfo) -> int:
    """`load_if_empty` from the file at `path`, committed (tests and benchmarks)."""
    added = await load_if_empty(session, read_studio_file(path), tz, path.parent)
    await session.commit()
    return added
