"""No-shows: an admin marks a confirmed booking whose time has begun `no_show`; nothing is
refunded, the state is final and a pending change ends with it. A client with NO_SHOW_LIMIT
no-shows (counted by their phone and Telegram id, since website clients get a row per
booking) pays the full price online from then on: no prepayment is offered, and one asked
for is refused."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.states import BookingStatus, check_transition
from booking.errors import Forbidden, InvalidTransition, NotFound
from booking.events import EventType, record_event
from db import queries
from db.models import Booking, Client


async def mark_no_show(session: AsyncSession, deps: BookingDeps, booking_id: int) -> Booking:
    """confirmed → no_show, only once the booking's time has begun (409 `not_started`, or
    `invalid_state` from another state); what was paid stays paid."""
    booking = await queries.booking_for_update(session, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "No such booking.")
    try:
        check_transition(BookingStatus(booking.status), BookingStatus.NO_SHOW)
        if booking.start_at > deps.now():
            raise InvalidTransition(
                "not_started", "A booking can be marked a no-show only after its start."
            )
    except InvalidTransition:
        await session.rollback()
        raise
    # A change asked for (more time, overtime) ends here: its held time is freed, its link
    # paid later is refunded (booking.payment_reports). Imported here: booking.holds, which
    # booking.change_making needs, imports this module.
    from booking.change_making import ChangeStatus, drop_pending  # noqa: PLC0415

    await drop_pending(session, booking, ChangeStatus.SUPERSEDED)
    booking.status = BookingStatus.NO_SHOW
    booking.updated_at = deps.now()
    record_event(session, EventType.BOOKING_NO_SHOW, booking=booking)
    await session.commit()
    return booking


async def mark_no_show_by_code(session: AsyncSession, deps: BookingDeps, code: str) -> Booking:
    found = await queries.booking_by_code(session, code.strip())
    if found is None:
        raise NotFound("booking_not_found", f"No booking with code {code!r}.")
    return await mark_no_show(session, deps, found.id)


async def no_shows(
    session: AsyncSession, *, phone: str | None = None, telegram_id: int | None = None
) -> int:
    """How many bookings of the client (by phone or Telegram id) were no-shows."""
    known = []
    if phone:
        known.append(Client.phone == phone)
    if telegram_id is not None:
        known.append(Client.telegram_id == telegram_id)
    if not known:
        return 0
    stmt = (
        select(func.count(Booking.id))
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.status == BookingStatus.NO_SHOW, or_(*known))
    )
    return int(await session.scalar(stmt) or 0)


async def full_payment_only(
    session: AsyncSession,
    deps: BookingDeps,
    *,
    phone: str | None = None,
    telegram_id: int | None = None,
) -> bool:
    """Whether the client has reached NO_SHOW_LIMIT and must pay in full."""
    count = await no_shows(session, phone=phone, telegram_id=telegram_id)
    return count >= deps.rules.no_show_limit


async def full_payment_only_in_chat(
    session: AsyncSession, deps: BookingDeps, telegram_id: int
) -> bool:
    """The same for a Telegram user, with the phone they gave the bot counted too."""
    client = await queries.client_by_telegram(session, telegram_id)
    phone = client.phone if client is not None else None
    return await full_payment_only(session, deps, phone=phone, telegram_id=telegram_id)


async def check_prepayment_allowed(
    session: AsyncSession,
    deps: BookingDeps,
    *,
    phone: str | None = None,
    telegram_id: int | None = None,
) -> None:
    """Refuse a prepayment (403 `prepayment_not_allowed`) to a client past the limit."""
    if await full_payment_only(session, deps, phone=phone, telegram_id=telegram_id):
        raise Forbidden(
            "prepayment_not_allowed",
            "After missed bookings the full price is paid online: choose payment_mode full.",
            no_show_limit=deps.rules.no_show_limit,
        )
