"""The studio as it is now, written in the studio file's format (`booking/studio_file.py`
reads it back): `main.py export-studio`, and the base a change through the API or the bot
is laid over, so an edit is checked by the same rules as a file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import studio_days, studio_hours
from booking.domain.calendar import DayHours
from booking.domain.pricing import rubles
from booking.offers import current_rules
from booking.studio_file import WEEKDAYS, StudioInfo
from db.models import Closure, Hall
from db.sales import Addon, StudioRules


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def span(hours: DayHours | None) -> list[str] | None:
    return None if hours is None else [clock(hours.open_minute), clock(hours.close_minute)]


def hours_item(weekly: dict[int, DayHours], days: dict[date, DayHours | None]) -> dict[str, Any]:
    """`{"hours": {"mon": ["09:00", "22:00"], ...}, "days": {"2026-12-31": [...] | null}}`."""
    return {
        "hours": {WEEKDAYS[day]: span(weekly[day]) for day in sorted(weekly)},
        "days": {day.isoformat(): span(days[day]) for day in sorted(days)},
    }


async def current_hours(session: AsyncSession) -> dict[str, Any]:
    return hours_item(await studio_hours(session), await studio_days(session))


def addon_item(addon: Addon) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": addon.slug,
        "title": addon.title,
        "title_en": addon.title_en,
        "price": rubles(addon.price),
        "per": addon.per,
        "max_quantity": addon.max_quantity,
        "active": addon.active,
    }
    if addon.stock is not None:
        item["stock"] = addon.stock
    return item


def hall_item(hall: Hall, addons: Sequence[Addon] = ()) -> dict[str, Any]:
    """A hall as the file writes it; `addons`: the hall's own."""
    item: dict[str, Any] = {
        "slug": hall.slug,
        "name": hall.name,
        "name_en": hall.name_en,
        "description": hall.description,
        "description_en": hall.description_en,
        "hourly_price": rubles(hall.hourly_price),
        "min_minutes": hall.min_minutes,
        "buffer_minutes": hall.buffer_minutes,
        "price_rules": [
            {
                "weekdays": [WEEKDAYS[day] for day in sorted(band["weekdays"])],
                "start": clock(int(band["start_minute"])),
                "end": clock(int(band["end_minute"])),
                "hourly_price": rubles(int(band["hourly_price"])),
            }
            for band in hall.price_bands or []
        ],
        "active": hall.active,
        "photos": list(hall.photos or []),
        "specs": dict(hall.specs or {}),
    }
    for key in ("capacity", "included_guests"):
        if getattr(hall, key) is not None:
            item[key] = getattr(hall, key)
    if hall.guest_fee:
        fee = {key: value for key, value in hall.guest_fee.items() if value is not None}
        if "price" in fee:
            fee["price"] = rubles(int(fee["price"]))
        item["extra_guest_fee"] = fee
    if addons:
        item["addons"] = [addon_item(addon) for addon in addons]
    return item


def rules_item(rules: StudioRules) -> dict[str, Any]:
    item: dict[str, Any] = {"version": rules.version, "text": rules.text}
    if rules.text_en:
        item["text_en"] = rules.text_en
    if rules.url:
        item["url"] = rules.url
    return item


async def export_studio(
    session: AsyncSession, info: StudioInfo, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """Everything the studio file holds, as it is now: closures that are over are left out."""
    halls = (await session.scalars(select(Hall).order_by(Hall.sort_order, Hall.id))).all()
    addons = (await session.scalars(select(Addon).order_by(Addon.sort_order, Addon.id))).all()
    closures = (
        await session.scalars(
            select(Closure).where(Closure.end_at > now).order_by(Closure.start_at, Closure.id)
        )
    ).all()
    slugs = {hall.id: hall.slug for hall in halls}
    data: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", info.name),
            ("name_en", info.name_en),
            ("address", info.address),
            ("address_en", info.address_en),
            ("phone", info.phone),
        )
        if value
    }
    data.update(await current_hours(session))
    rules = await current_rules(session)
    if rules is not None:
        data["rules"] = rules_item(rules)
    data["addons"] = [addon_item(addon) for addon in addons if addon.hall_id is None]
    data["halls"] = [
        hall_item(hall, [addon for addon in addons if addon.hall_id == hall.id]) for hall in halls
    ]
    data["closures"] = [
        {
            "hall": slugs.get(closure.hall_id) if closure.hall_id else None,
            "start": closure.start_at.astimezone(tz).isoformat(),
            "end": closure.end_at.astimezone(tz).isoformat(),
            "reason": closure.reason,
        }
        for closure in closures
    ]
    return data
