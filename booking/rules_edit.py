"""A new version of the studio's rules. The old versions stay: a booking keeps the version
its client accepted, and a client who accepted an older one is asked again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.events import EventType, record_event
from booking.studio_edit import Actor, checked
from booking.studio_sales import parse_rules
from db.sales import StudioRules


async def next_version(session: AsyncSession, deps: BookingDeps) -> str:
    """Today's local date, with .2, .3... when the rules changed already today."""
    today = deps.now().astimezone(deps.rules.tz).date().isoformat()
    taken = set((await session.scalars(select(StudioRules.version))).all())
    version, number = today, 1
    while version in taken:
        number += 1
        version = f"{today}.{number}"
    return version


async def set_rules(
    session: AsyncSession,
    deps: BookingDeps,
    by: Actor,
    *,
    text: str = "",
    text_en: str = "",
    url: str | None = None,
) -> StudioRules:
    """The rules in force from now: a text (Russian, and English) or a URL, or both."""
    version = await next_version(session, deps)
    with checked("bad_rules"):
        rules = parse_rules(
            {"rules": {"version": version, "text": text, "text_en": text_en, "url": url}}
        )
    assert rules is not None
    session.add(rules)
    record_event(session, EventType.STUDIO_CHANGED, what="rules", version=version, by=by)
    await session.commit()
    return rules
