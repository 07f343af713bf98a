"""What the studio offers beside hall time, read for the API and the bot: each hall's
add-ons, the rules in force, the photos' addresses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Hall
from db.sales import Addon, StudioRules


async def active_addons(session: AsyncSession) -> Sequence[Addon]:
    """Every active add-on, the studio-wide ones first, in the studio file's order."""
    stmt = (
        select(Addon)
        .where(Addon.active.is_(True))
        .order_by(Addon.hall_id.is_not(None), Addon.sort_order, Addon.id)
    )
    return (await session.scalars(stmt)).all()


async def hall_addons(session: AsyncSession, hall_id: int) -> Sequence[Addon]:
    """The add-ons a booking of this hall can take: the studio's and the hall's own."""
    stmt = (
        select(Addon)
        .where(Addon.active.is_(True), or_(Addon.hall_id.is_(None), Addon.hall_id == hall_id))
        .order_by(Addon.hall_id.is_not(None), Addon.sort_order, Addon.id)
    )
    return (await session.scalars(stmt)).all()


def offered_in(addons: Sequence[Addon], hall_id: int) -> list[Addon]:
    return [addon for addon in addons if addon.hall_id in (None, hall_id)]


async def current_rules(session: AsyncSession) -> StudioRules | None:
    """The newest version of the studio's rules, or None when the studio states none."""
    stmt = select(StudioRules).order_by(StudioRules.id.desc()).limit(1)
    return (await session.scalars(stmt)).first()


def photo_urls(hall: Hall, base_url: str) -> list[str]:
    """Absolute addresses of a hall's photos: shipped files are served by this app."""
    base = base_url.rstrip("/")
    return [
        photo if photo.startswith(("https://", "http://")) else f"{base}/studio/{photo}"
        for photo in hall.photos or []
    ]
