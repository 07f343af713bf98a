"""The studio edited while it runs: opening hours, halls, add-ons, the rules.

Every change is laid over the studio as it is, in the studio file's format
(`booking/studio_export.py`), and read back by the file's own checks, so the API, the bot
and a file accept the same things. A change never touches a booking already made (its
price, add-ons, buffer, refund tiers and rules version are recorded on it) and is refused
when it would leave a live one outside the hours, over a stock or a capacity, or in a
hall hidden without saying so. Each writes a `studio.changed` event naming who made it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import studio_days, studio_hours
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, NotFound
from booking.events import EventType, record_event
from booking.hours_lock import take_hours
from booking.stock import lock_addons
from booking.studio_checks import (
    StudioConflict,
    check_hours_change,
    live_bookings,
    outside_hours,
    over_capacity,
    over_stock,
)
from booking.studio_export import addon_item, current_hours, hall_item, hours_item
from booking.studio_file import StudioFileError, parse_hall, parse_hours
from booking.studio_sales import parse_addon
from db.models import Hall, StudioHours
from db.sales import Addon
from db.studio import StudioDay

#: Who made a change: "api" (the admin token) or an admin's Telegram id.
Actor = str | int
HALL_FIELDS = (
    "name", "name_en", "description", "description_en", "hourly_price", "min_minutes",
    "buffer_minutes", "price_bands", "active", "capacity", "included_guests", "guest_fee",
    "photos", "specs",
)  # fmt: skip
ADDON_FIELDS = ("title", "title_en", "price", "per", "max_quantity", "stock", "active", "hall_id")


@contextmanager
def checked(code: str) -> Iterator[None]:
    """The file's checks, refused as bad input with `code` (nothing is changed yet)."""
    try:
        yield
    except StudioFileError as exc:
        raise BookingRuleError(code, str(exc)) from None
    except (KeyError, TypeError, ValueError):
        # Python's own words ("invalid literal for int()…") say nothing to the caller.
        subject = code.removeprefix("bad_").replace("_", " ")
        raise BookingRuleError(code, f"{subject}: a value has the wrong type or shape") from None


def _changed(old: object, new: object, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return {
        field: [getattr(old, field), getattr(new, field)]
        for field in fields
        if getattr(old, field) != getattr(new, field)
    }


# --------------------------------------------------------------------------- hours


async def set_hours(
    session: AsyncSession, deps: BookingDeps, data: dict[str, Any], by: Actor
) -> dict[str, Any]:
    """Replace the weekly hours and the dates' exceptions; answers them as stored."""
    with checked("bad_hours"):
        weekly, days = parse_hours(data)
    today = deps.now().astimezone(deps.rules.tz).date()
    stored = await studio_hours(session), await studio_days(session)
    check_hours_change(weekly, days, *stored, today, deps.rules.window.step_minutes)
    # Holds being made finish first, and new ones wait for this change (booking.hours_lock);
    # on SQLite the first write below takes the database's one write lock the same way.
    await take_hours(session)
    before = await current_hours(session)
    await session.execute(delete(StudioHours))
    await session.execute(delete(StudioDay))
    live = await live_bookings(session, deps.now())
    outside = outside_hours(live, weekly, days, deps.rules.tz)
    if outside:
        await session.rollback()
        raise StudioConflict(
            "bookings_outside_hours", "These hours would leave bookings outside them.", outside
        )
    for weekday, hours in weekly.items():
        session.add(StudioHours(weekday=weekday, open_minute=hours.open_minute,
                                close_minute=hours.close_minute))  # fmt: skip
    for day, span in days.items():
        session.add(StudioDay(day=day, open_minute=span.open_minute if span else None,
                              close_minute=span.close_minute if span else None))  # fmt: skip
    after = hours_item(weekly, days)
    record_event(session, EventType.STUDIO_CHANGED, what="hours", by=by, before=before,
                 after=after)  # fmt: skip
    await session.commit()
    return after


# --------------------------------------------------------------------------- halls


async def hall_by_id(session: AsyncSession, hall_id: int) -> Hall:
    hall = await session.get(Hall, hall_id)
    if hall is None:
        raise NotFound("hall_not_found", f"Hall {hall_id} does not exist.")
    return hall


async def create_hall(
    session: AsyncSession, item: dict[str, Any], by: Actor, studio_dir: Path
) -> Hall:
    order = (await session.scalar(select(func.max(Hall.sort_order)))) or 0
    with checked("bad_hall"):
        hall = parse_hall({**item, "addons": []}, order + 1, studio_dir)
    if await session.scalar(select(Hall.id).where(Hall.slug == hall.slug)) is not None:
        raise StudioConflict("hall_exists", f"A hall {hall.slug!r} exists already.")
    session.add(hall)
    await session.flush()
    record_event(session, EventType.STUDIO_CHANGED, what="hall", hall_id=hall.id, by=by,
                 created=hall_item(hall))  # fmt: skip
    await session.commit()
    return hall


async def update_hall(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    patch: dict[str, Any],
    by: Actor,
    studio_dir: Path,
    *,
    keep_bookings: bool = False,
) -> Hall:
    """Change some of a hall's fields (the file's names); its slug stays. Hiding a hall
    with live bookings needs `keep_bookings` (they stand; new ones cannot be made)."""
    hall = await hall_by_id(session, hall_id)
    with checked("bad_hall"):
        fresh = parse_hall({**hall_item(hall), **patch, "slug": hall.slug}, 0, studio_dir)
    changes = _changed(hall, fresh, HALL_FIELDS)
    live = await live_bookings(session, deps.now(), hall.id) if changes else []
    if hall.active and not fresh.active and live and not keep_bookings:
        raise StudioConflict(
            "hall_has_bookings",
            "The hall has bookings to come; hide it with keep_bookings to keep them.",
            list(dict.fromkeys(booking.code for booking in live)),
        )
    if fresh.capacity is not None:
        crowded = over_capacity(live, fresh.capacity)
        if crowded:
            raise StudioConflict(
                "bookings_over_capacity", "Bookings bring more people than that.", crowded
            )
    for field in changes:
        setattr(hall, field, getattr(fresh, field))
    if changes:
        record_event(session, EventType.STUDIO_CHANGED, what="hall", hall_id=hall.id, by=by,
                     changes=changes)  # fmt: skip
    await session.commit()
    return hall


# --------------------------------------------------------------------------- add-ons


async def addon_by_slug(session: AsyncSession, slug: str) -> Addon:
    addon = await session.scalar(select(Addon).where(Addon.slug == slug))
    if addon is None:
        raise NotFound("addon_not_found", f"No add-on {slug!r}.")
    return addon


async def _hall_id(session: AsyncSession, item: dict[str, Any]) -> int | None:
    hall_id = item.get("hall_id")
    if hall_id is not None:
        await hall_by_id(session, int(hall_id))
    return None if hall_id is None else int(hall_id)


async def create_addon(session: AsyncSession, item: dict[str, Any], by: Actor) -> Addon:
    order = (await session.scalar(select(func.max(Addon.sort_order)))) or 0
    hall_id = await _hall_id(session, item)
    with checked("bad_addon"):
        addon = parse_addon(item, hall_id, order + 1)
    if await session.scalar(select(Addon.id).where(Addon.slug == addon.slug)) is not None:
        raise StudioConflict("addon_exists", f"An add-on {addon.slug!r} exists already.")
    session.add(addon)
    await session.flush()
    record_event(session, EventType.STUDIO_CHANGED, what="addon", addon=addon.slug, by=by,
                 created={**addon_item(addon), "hall_id": hall_id})  # fmt: skip
    await session.commit()
    return addon


async def update_addon(
    session: AsyncSession, deps: BookingDeps, slug: str, patch: dict[str, Any], by: Actor
) -> Addon:
    """Change some of an add-on's fields; its id stays. A stock below what live bookings
    hold at once is refused."""
    addon = await addon_by_slug(session, slug)
    merged = {**addon_item(addon), "hall_id": addon.hall_id, **patch, "id": addon.slug}
    hall_id = await _hall_id(session, merged)
    with checked("bad_addon"):
        fresh = parse_addon(merged, hall_id, addon.sort_order)
    if fresh.stock is not None and fresh.stock != addon.stock:
        await lock_addons(session, [addon.id])  # holds wanting it wait until this is done
        over = await over_stock(session, addon.id, fresh.stock, deps.now())
        if over:
            raise StudioConflict(
                "stock_below_booked", "Bookings hold more of it at once than that.", over
            )
    changes = _changed(addon, fresh, ADDON_FIELDS)
    for field in changes:
        setattr(addon, field, getattr(fresh, field))
    if changes:
        record_event(session, EventType.STUDIO_CHANGED, what="addon", addon=addon.slug, by=by,
                     changes=changes)  # fmt: skip
    await session.commit()
    return addon
