"""Add-ons the studio owns only a few of (two light kits for all halls): bookings whose
spans overlap, buffers included, never hold more of one than its stock.

The count and the write that follows it must not interleave with another booking's, in
this process or another. On PostgreSQL the hold locks the add-on's row (`FOR UPDATE`, in
id order so two holds cannot wait on each other) before it counts, so holds wanting one
add-on take turns until each commits; on SQLite the count runs after the hold's first
write (the client's row), under the one write lock the database has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall
from booking.deps import BookingDeps
from booking.domain.calendar import blocked_interval
from booking.domain.states import LIVE_STATUSES, BookingStatus
from booking.errors import BookingRuleError, SoldOut
from booking.offers import hall_addons
from db import busy_time, queries
from db.models import Booking
from db.sales import Addon, BookingAddon


async def lock_addons(session: AsyncSession, addon_ids: Sequence[int]) -> None:
    """Serialise, until this transaction ends, the holds wanting these add-ons."""
    if addon_ids and queries.is_postgres(session):
        stmt = select(Addon.id).where(Addon.id.in_(addon_ids)).order_by(Addon.id)
        await session.execute(stmt.with_for_update())


async def held(
    session: AsyncSession,
    addon_ids: Sequence[int],
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    besides: int | None = None,
) -> dict[int, int]:
    """How many of each add-on live bookings overlapping [start, end) hold; a hold past
    its expiry holds nothing, even before the sweep marks it."""
    if not addon_ids:
        return {}
    stmt = (
        select(BookingAddon.addon_id, func.sum(BookingAddon.quantity))
        .join(Booking, Booking.id == BookingAddon.booking_id)
        .where(
            BookingAddon.addon_id.in_(addon_ids),
            Booking.status.in_([str(status) for status in LIVE_STATUSES]),
            or_(Booking.status != BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at > now),
            Booking.start_at > start - busy_time.MAX_BLOCKED_SPAN,
            Booking.start_at < end,
            Booking.blocked_until > start,
        )
        .group_by(BookingAddon.addon_id)
    )
    if besides is not None:
        stmt = stmt.where(Booking.id != besides)
    return {row[0]: int(row[1]) for row in await session.execute(stmt)}


async def left(
    session: AsyncSession, addons: Sequence[Addon], start: datetime, end: datetime, now: datetime
) -> dict[int, int]:
    """How many of each add-on one more booking of [start, end) could take."""
    counted = [addon.id for addon in addons if addon.stock is not None]
    taken = await held(session, counted, start, end, now)
    return {
        addon.id: addon.max_quantity
        if addon.stock is None
        else max(0, min(addon.max_quantity, addon.stock - taken.get(addon.id, 0)))
        for addon in addons
    }


async def check_stock(
    session: AsyncSession,
    wanted: Sequence[tuple[Addon, int]],
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    besides: int | None = None,
) -> None:
    """Raise 409 `addon_unavailable` when overlapping bookings leave too few of an add-on.

    Call `lock_addons` first, and on SQLite after the transaction's first write."""
    counted = [(addon, quantity) for addon, quantity in wanted if addon.stock is not None]
    taken = await held(session, [a.id for a, _ in counted], start, end, now, besides=besides)
    for addon, quantity in counted:
        free = (addon.stock or 0) - taken.get(addon.id, 0)
        if quantity > free:
            raise SoldOut(
                "addon_unavailable",
                f"Only {max(0, free)} of the add-on {addon.slug!r} "
                f"{'is' if free == 1 else 'are'} free at that time.",
                addon_id=addon.slug,
                available=max(0, free),
            )


async def booking_addons(session: AsyncSession, booking_id: int) -> list[tuple[Addon, int]]:
    """What a booking took, with the add-ons themselves."""
    stmt = (
        select(Addon, BookingAddon.quantity)
        .join(BookingAddon, BookingAddon.addon_id == Addon.id)
        .where(BookingAddon.booking_id == booking_id)
        .order_by(Addon.id)
    )
    return [(row[0], int(row[1])) for row in await session.execute(stmt)]


async def still_free(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Whether an expired booking's add-ons are free again for its span (a late payment)."""
    wanted = await booking_addons(session, booking.id)
    await lock_addons(session, [addon.id for addon, _ in wanted if addon.stock is not None])
    try:
        await check_stock(
            session, wanted, booking.start_at, booking.blocked_until, now, besides=booking.id
        )
    except SoldOut:
        return False
    return True


async def addon_availability(
    session: AsyncSession, deps: BookingDeps, hall_id: int, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """How many of each add-on of the hall one booking of [start, end) could take now."""
    if end <= start:
        raise BookingRuleError("end_before_start", "The end must be after the start.")
    if end - start > busy_time.MAX_BLOCKED_SPAN:
        raise BookingRuleError("bad_range", "A booking lies within one day.")
    hall = await active_hall(session, hall_id)
    addons = await hall_addons(session, hall.id)
    blocked = blocked_interval(start, end, hall.buffer_minutes)
    free = await left(session, addons, blocked.start, blocked.end, deps.now())
    return [(addon.slug, free[addon.id]) for addon in addons]
