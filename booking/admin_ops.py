"""What admins read from the bot (the day's bookings, one booking's card) and the halls they
name, with the hourly price they set. Money by hand is booking.money_by_hand, closures
booking.closures, stats booking.stats. A use case that changes something commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import day_bounds
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, NotFound
from booking.events import EventType, record_event
from booking.refunds import owed_back_of
from db import payment_queries, queries
from db.models import Booking, Client, Hall, Payment, Refund

MAX_HOURLY_PRICE = 1_000_000_00  # a million rubles an hour is a typo, not a price
DAY_STATUSES = (
    BookingStatus.PENDING_PAYMENT,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.CANCELLED,
    BookingStatus.NO_SHOW,
)


@dataclass(frozen=True, slots=True)
class BookingView:
    booking: Booking
    hall: Hall
    client: Client
    #: Refunds under way (refunds.owed_back), said as on their way back.
    returning: int = 0


@dataclass(frozen=True, slots=True)
class BookingCard:
    booking: Booking
    hall: Hall
    client: Client
    payments: Sequence[Payment]
    refunds: Sequence[Refund]


# ------------------------------------------------------------------------------ reading


async def bookings_of_day(
    session: AsyncSession, deps: BookingDeps, day: date
) -> list[BookingView]:
    """Bookings of a studio day (live holds, confirmed, completed, cancelled, no-shows), by
    start."""
    start, end = day_bounds(day, day, deps)
    stmt = (
        select(Booking, Hall, Client)
        .join(Hall, Hall.id == Booking.hall_id)
        .join(Client, Client.id == Booking.client_id)
        .where(
            Booking.start_at < end,
            Booking.end_at > start,
            Booking.status.in_(DAY_STATUSES),
            or_(
                Booking.status != BookingStatus.PENDING_PAYMENT,
                Booking.hold_expires_at > deps.now(),
            ),
        )
        .order_by(Booking.start_at, Hall.sort_order, Booking.id)
    )
    return await with_refunds_under_way(session, list(await session.execute(stmt)))


async def with_refunds_under_way(session: AsyncSession, rows: Sequence[Any]) -> list[BookingView]:
    """(booking, hall, client) rows as views, with each booking's refunds under way."""
    owed = await owed_back_of(session, [row[0].id for row in rows])
    return [BookingView(b, h, c, owed.get(b.id, 0)) for b, h, c in rows]


async def booking_card(session: AsyncSession, code: str) -> BookingCard:
    booking = await find_booking(session, code)
    hall = await session.get(Hall, booking.hall_id)
    client = await session.get(Client, booking.client_id)
    assert hall is not None and client is not None
    return BookingCard(
        booking,
        hall,
        client,
        await payment_queries.payments_of(session, booking.id),
        await payment_queries.refunds_of(session, booking.id),
    )


async def find_booking(session: AsyncSession, code: str) -> Booking:
    """A booking by its code, as an admin typed it; refused when there is none."""
    booking = await queries.booking_by_code(session, code.strip())
    if booking is None:
        raise NotFound("booking_not_found", f"No booking with code {code!r}.")
    return booking


# ------------------------------------------------------------------------------ halls and prices


async def resolve_hall(session: AsyncSession, ref: str) -> Hall:
    """A hall by id or slug."""
    ref = ref.strip()
    hall = (
        await session.get(Hall, int(ref))
        if ref.isdigit()
        else (await session.scalars(select(Hall).where(Hall.slug == ref.lower()))).first()
    )
    if hall is None:
        raise NotFound("hall_not_found", f"No hall {ref!r}.")
    return hall


async def set_hourly_price(session: AsyncSession, hall_ref: str, price: int) -> tuple[Hall, int]:
    """Change a hall's base hourly price; returns the hall and the old price.

    Bookings keep the total recorded when they were made; price bands are not touched.
    """
    if not 0 < price <= MAX_HOURLY_PRICE:
        raise BookingRuleError("bad_price", "The price must be positive and sensible.")
    hall = await resolve_hall(session, hall_ref)
    old = hall.hourly_price
    hall.hourly_price = price
    record_event(session, EventType.PRICE_CHANGED, hall_id=hall.id, old=old, new=price)
    await session.commit()
    return hall, old
