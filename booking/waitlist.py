"""The waitlist: a client asks to be told when time frees on a day of a hall that has no
free start, and the first ones waiting are told when a hold lapses or a booking is cancelled
or moved off it (notifications/waitlist.py renders that from the outbox events).

A wait ends when its day is over; one per client (Telegram chat or e-mail) per hall and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import day_bounds, hall_availability
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, InvalidTransition
from booking.holds import check_email, normalize_phone
from db.models import Hall
from db.waitlist import WaitlistEntry

#: How many of those waiting hear of each freed slot, first come first told.
TOLD_PER_SLOT = 3


@dataclass(frozen=True, slots=True)
class Waiter:
    """Who waits: a Telegram chat, or a website client reached by e-mail."""

    name: str = ""
    telegram_id: int | None = None
    phone: str | None = None
    email: str | None = None
    language: str = "ru"


async def join_waitlist(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    day: date,
    who: Waiter,
    *,
    mail: bool = True,
) -> tuple[WaitlistEntry, bool]:
    """Put the client on the day's waitlist; returns the wait and whether it is new (the
    same client asking again keeps their place).

    Refused when a start is free (`day_not_full`: book it instead), when no booking letting
    go could free one (`bad_date`: closed, a closure all day, past, no start left today,
    beyond the horizon), and without a way to reach the client (`no_contact`; `email_off`
    for an e-mail alone with `mail` False, as when SMTP is off).
    """
    phone = normalize_phone(who.phone) if who.phone else None
    email = check_email(who.email) if who.email else None
    if who.telegram_id is None and email is not None and not mail:
        raise BookingRuleError(
            "email_off", "The studio sends no e-mail now, so it cannot tell you by e-mail."
        )
    if who.telegram_id is None and email is None:
        raise BookingRuleError("no_contact", "An e-mail is needed to tell you.")
    _hall, days = await hall_availability(session, deps, hall_id, day, day)
    if days[0].starts:
        raise InvalidTransition("day_not_full", "That day still has free time: book it.")
    if not days[0].full:  # closed, past, beyond the horizon: no booking will free time
        raise BookingRuleError("bad_date", "That day cannot be booked.")
    found = await _existing(session, hall_id, day, who.telegram_id, email)
    if found is not None:
        return found, False
    entry = WaitlistEntry(
        hall_id=hall_id,
        day=day,
        telegram_id=who.telegram_id,
        name=who.name[:200],
        phone=phone,
        email=email,
        language=who.language or "ru",
        ends_at=day_bounds(day, day, deps)[1],
        created_at=deps.now(),
    )
    session.add(entry)
    try:
        await session.commit()
    except IntegrityError:  # the same client's other request came first
        await session.rollback()
        found = await _existing(session, hall_id, day, who.telegram_id, email)
        if found is None:
            raise
        return found, False
    return entry, True


async def _existing(
    session: AsyncSession, hall_id: int, day: date, telegram_id: int | None, email: str | None
) -> WaitlistEntry | None:
    same = []
    if telegram_id is not None:
        same.append(WaitlistEntry.telegram_id == telegram_id)
    if email is not None:
        same.append(WaitlistEntry.email == email)
    stmt = select(WaitlistEntry).where(
        WaitlistEntry.hall_id == hall_id, WaitlistEntry.day == day, or_(*same)
    )
    return (await session.scalars(stmt.limit(1))).first()


async def waiting(
    session: AsyncSession,
    deps: BookingDeps,
    *,
    hall_id: int | None = None,
    day: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[WaitlistEntry]:
    """The waits not yet over, by day and then first come first (the order they are told)."""
    stmt = select(WaitlistEntry).where(WaitlistEntry.ends_at > deps.now())
    if hall_id is not None:
        stmt = stmt.where(WaitlistEntry.hall_id == hall_id)
    if day is not None:
        stmt = stmt.where(WaitlistEntry.day == day)
    stmt = stmt.order_by(WaitlistEntry.day, WaitlistEntry.id).limit(limit).offset(offset)
    return list((await session.scalars(stmt)).all())


async def first_waiting(
    session: AsyncSession, deps: BookingDeps, hall_id: int, start: datetime
) -> tuple[Hall, date, list[WaitlistEntry]]:
    """Those to tell that `start`'s day of the hall has free time again: the first
    TOLD_PER_SLOT still waiting, and only when a start of that day is free now (a freed hold
    may have been taken again at once, or the time be past). None to tell: an empty list."""
    now = deps.now()
    day = start.astimezone(deps.rules.tz).date()
    hall, days = await hall_availability(session, deps, hall_id, day, day)
    if start <= now or not days[0].starts:
        return hall, day, []
    stmt = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.hall_id == hall_id,
            WaitlistEntry.day == day,
            WaitlistEntry.ends_at > now,
        )
        .order_by(WaitlistEntry.id)
        .limit(TOLD_PER_SLOT)
    )
    return hall, day, list((await session.scalars(stmt)).all())


async def drop_ended_waits(session: AsyncSession, deps: BookingDeps) -> int:
    """Waits whose day is over are gone (the completion job runs it); returns how many."""
    result = await session.execute(
        delete(WaitlistEntry)
        .where(WaitlistEntry.ends_at <= deps.now())
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
