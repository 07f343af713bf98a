"""Use cases of a client in the chat: the studio, a priced offer, the hold and its payment.
Their own bookings afterwards are booking/own_bookings.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import (
    active_hall,
    durations_at,
    hall_availability,
    price_bands,
    studio_hours,
)
from booking.deps import BookingDeps
from booking.domain.calendar import DayHours
from booking.domain.pricing import prepayment_amount, quote
from booking.domain.states import BookingStatus
from booking.errors import (
    BookingRuleError,
    GatewayUnavailable,
    SlotTakenError,
)
from booking.holds import HoldRequest, hold_booking
from booking.paying import payment_for_hold
from booking.payment_links import ask_gateway
from db import queries
from db.models import Booking, Client, Hall, Payment

#: The "gateway" of a booking that a promo code or a certificate pays in full: none is
#: asked, the hold is confirmed at once.
NO_GATEWAY = "none"


@dataclass(frozen=True, slots=True)
class Offer:
    """A slot the client picked, priced and checked to be bookable right now."""

    hall: Hall
    start: datetime
    end: datetime
    total: int
    prepay: int
    #: What a gift certificate pays of the price; `total` is the rest, left to pay.
    covered: int = 0

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class MonthView:
    """One month of a hall's calendar: the days with a free start, and the full ones (no
    start free, one would be if a booking let go: their waitlist takes clients)."""

    hall: Hall
    year: int
    month: int
    free_days: frozenset[int]
    full_days: frozenset[int]
    has_previous: bool
    has_next: bool


async def list_halls(session: AsyncSession) -> Sequence[Hall]:
    """The halls a client can book, in the studio's order."""
    return await queries.active_halls(session)


async def opening_hours(session: AsyncSession) -> dict[int, DayHours]:
    """Opening hours by weekday (0 = Monday); a missing weekday is closed."""
    return await studio_hours(session)


async def month_view(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    year: int,
    month: int,
    *,
    besides: int | None = None,
) -> MonthView:
    """The month (moved into the booking window if outside it) with its free and full days
    (`besides`: a booking being moved, its own time free); the others (past, closed, beyond
    the horizon, no start left today) are not offered."""
    today = deps.now().astimezone(deps.rules.tz).date()
    last = today + timedelta(days=deps.rules.horizon_days)
    wanted = min(max((year, month), (today.year, today.month)), (last.year, last.month))
    first_day = max(date(*wanted, 1), today)
    next_month = date(wanted[0] + wanted[1] // 12, wanted[1] % 12 + 1, 1)
    last_day = min(next_month - timedelta(days=1), last)
    hall, days = await hall_availability(
        session, deps, hall_id, first_day, last_day, besides=besides
    )
    return MonthView(
        hall=hall,
        year=wanted[0],
        month=wanted[1],
        free_days=frozenset(d.day.day for d in days if d.starts),
        full_days=frozenset(d.day.day for d in days if d.full),
        has_previous=wanted > (today.year, today.month),
        has_next=wanted < (last.year, last.month),
    )


async def day_starts(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    day: date,
    *,
    besides: int | None = None,
) -> tuple[Hall, list[datetime]]:
    """Free starts of one day where the hall's minimum length fits (`besides`: month_view)."""
    hall, days = await hall_availability(session, deps, hall_id, day, day, besides=besides)
    return hall, days[0].starts


async def make_offer(
    session: AsyncSession, deps: BookingDeps, hall_id: int, start: datetime, minutes: int
) -> Offer:
    """Price [start, start + minutes) after checking it can still be booked.

    Raises SlotTakenError when the length no longer fits (taken, closed or too late now),
    NotFound when the hall is gone.
    """
    if minutes not in await durations_at(session, deps, hall_id, start):
        raise SlotTakenError("slot_taken", "This time is no longer free.")
    hall = await active_hall(session, hall_id)
    end = start + timedelta(minutes=minutes)
    total = quote(start, end, hall.hourly_price, price_bands(hall), deps.rules.tz)
    prepay = prepayment_amount(total, deps.rules.prepayment_percent)
    return Offer(hall=hall, start=start, end=end, total=total, prepay=prepay)


async def known_contacts(session: AsyncSession, telegram_id: int) -> tuple[str | None, str | None]:
    """The phone and e-mail this Telegram user gave last time, to offer them again."""
    client = await queries.client_by_telegram(session, telegram_id)
    return (client.phone, client.email) if client is not None else (None, None)


async def hold_and_start_payment(
    session: AsyncSession, deps: BookingDeps, request: HoldRequest, gateway: str
) -> tuple[Booking, Payment | None]:
    """Hold the slot and open its payment, committed together before the gateway is asked;
    the payment is None when the gateway failed (the hold stays, and the client can try
    again from their bookings), or when nothing is left to pay (the booking is confirmed)."""
    booking, _token = await hold_booking(session, deps, request, commit=False)
    if booking.status == BookingStatus.CONFIRMED:  # a code covered the whole price
        await session.commit()
        return booking, None
    if gateway == NO_GATEWAY:  # offered free, now not (a certificate's balance went)
        raise BookingRuleError("price_changed", "The price has changed; please check it.")
    provider, intent = await payment_for_hold(session, deps, booking, gateway)
    try:
        payment: Payment | None = await ask_gateway(session, deps, provider, booking, intent)
    except GatewayUnavailable:
        payment = None
    return booking, payment


async def set_bot_blocked(session: AsyncSession, telegram_id: int, blocked: bool) -> None:
    """Telegram says the client blocked the bot, or came back (unblocked it, or pressed
    Start): messages are queued for them in the chat again only while they can arrive."""
    await session.execute(
        update(Client)
        .where(Client.telegram_id == telegram_id, Client.bot_blocked.is_not(blocked))
        .values(bot_blocked=blocked)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
