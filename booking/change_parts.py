"""The pieces a change of a booking is made of: what the client owes for its new price
(booking/change_price.py), and the rows that hold the time it adds until that is paid.
A move to another hall must fit it: its capacity and the add-ons it offers (`check_fits`);
the halls that cannot are left out of a client's choice (`unfit_halls`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking.domain.calendar import Interval
from booking.domain.charges import check_guests
from booking.domain.pricing import prepayment_amount
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, InvalidTransition, SlotTakenError, SoldOut
from booking.lapsing import is_overlap_violation
from booking.stock import booking_addons
from booking.tokens import hash_token, new_booking_code
from db.changes import BookingChange
from db.models import Booking, Hall
from db.sales import Addon


async def check_fits(session: AsyncSession, booking: Booking, hall: Hall) -> None:
    """A move to another hall: 409 `over_capacity` when the booking's client chose more
    people than it takes (none chosen: the hall's own number counts), 409
    `addon_unavailable` when a booked add-on is not offered there (the studio-wide ones
    are offered in every hall; their stock is checked with the span)."""
    if hall.id == booking.hall_id:
        return
    if booking.guests_chosen is not None:
        try:
            check_guests(booking.guests_chosen, hall.capacity)
        except BookingRuleError as exc:
            raise InvalidTransition(exc.code, exc.message, **exc.details) from None
    foreign = _foreign_addon(await booking_addons(session, booking.id), hall)
    if foreign is not None:
        raise SoldOut(
            "addon_unavailable",
            f"The add-on {foreign.slug!r} is not offered in that hall.",
            addon_id=foreign.slug,
        )


async def unfit_halls(
    session: AsyncSession, booking: Booking, halls: Sequence[Hall]
) -> dict[int, str]:
    """The halls of `halls` a move could not take the booking to, by id, with the code
    check_fits would refuse it with (`over_capacity` first): a client is not offered them."""
    booked = await booking_addons(session, booking.id)
    unfit = {}
    for hall in halls:
        if hall.id == booking.hall_id:
            continue
        chosen = booking.guests_chosen
        if chosen is not None and hall.capacity is not None and chosen > hall.capacity:
            unfit[hall.id] = "over_capacity"
        elif _foreign_addon(booked, hall) is not None:
            unfit[hall.id] = "addon_unavailable"
    return unfit


def _foreign_addon(booked: Sequence[tuple[Addon, int]], hall: Hall) -> Addon | None:
    """A booked add-on that `hall` does not offer (the studio-wide ones are offered in all)."""
    return next((addon for addon, _ in booked if addon.hall_id not in (None, hall.id)), None)


def owed_for(
    booking: Booking, total: int, prepayment_percent: int, owed_back: int = 0
) -> tuple[int, int]:
    """(the new prepayment, what must be paid before the change is made).

    The booking stays as paid as before: a booking paid in full (or asked in full) is paid
    to its new price; one with its prepayment paid, to the new prepayment. `owed_back`:
    refunds reserved and not made yet (refunds.owed_back), no longer paid."""
    net = booking.paid - booking.refunded - owed_back
    prepay = total
    if booking.payment_mode == "prepay":
        prepay = prepayment_amount(total, prepayment_percent)
    required = total if net >= booking.total else prepay
    return prepay, max(required - net, 0)


def added_time(
    booking: Booking, hall_id: int, start: datetime, blocked_until: datetime
) -> list[Interval]:
    """The parts of the new blocked span that the booking does not occupy already."""
    if hall_id != booking.hall_id:
        return [Interval(start, blocked_until)]
    pieces = []
    if start < booking.start_at:
        pieces.append(Interval(start, min(blocked_until, booking.start_at)))
    if blocked_until > booking.blocked_until:
        pieces.append(Interval(max(start, booking.blocked_until), blocked_until))
    return pieces


async def hold_added_time(
    session: AsyncSession, booking: Booking, change: BookingChange, now: datetime
) -> None:
    """Hold the time the change adds in `change_hold` rows; SlotTakenError when the
    database's guard finds it taken (nothing of it is kept)."""
    pieces = added_time(booking, change.hall_id, change.start_at, change.blocked_until)
    try:
        async with session.begin_nested():
            for piece in pieces:
                session.add(
                    Booking(
                        code=new_booking_code(),
                        hall_id=change.hall_id,
                        client_id=booking.client_id,
                        start_at=piece.start,
                        end_at=piece.end,
                        blocked_until=piece.end,
                        status=BookingStatus.CHANGE_HOLD,
                        payment_mode=booking.payment_mode,
                        total=0,
                        prepay_amount=0,
                        paid=0,
                        refunded=0,
                        source=booking.source,
                        hold_expires_at=change.expires_at,
                        refund_tiers=booking.refund_tiers,
                        access_token_hash=hash_token(secrets.token_urlsafe(24)),
                        change_id=change.id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            await session.flush()
    except IntegrityError as exc:
        if not is_overlap_violation(exc):
            raise
        raise SlotTakenError("slot_taken", "This time has just been taken.") from None


async def held_for(session: AsyncSession, change_id: int) -> list[Booking]:
    """The live rows holding a change's added time."""
    stmt = select(Booking).where(
        Booking.change_id == change_id, Booking.status == BookingStatus.CHANGE_HOLD
    )
    return list((await session.scalars(stmt)).all())


async def release(session: AsyncSession, change_id: int) -> bool:
    """Free a change's held time; False when none was held any more."""
    rows = await held_for(session, change_id)
    for row in rows:
        row.status = BookingStatus.EXPIRED
    await session.flush()
    return bool(rows)


async def move_span(
    session: AsyncSession, booking: Booking, hall_id: int, start: datetime, end: datetime,
    blocked_until: datetime,
) -> None:  # fmt: skip
    """Put the booking at its new span in one statement; the database's guard refuses it
    (SlotTakenError) if another live booking is there."""
    try:
        async with session.begin_nested():
            booking.hall_id, booking.start_at = hall_id, start
            booking.end_at, booking.blocked_until = end, blocked_until
            await session.flush()
    except IntegrityError as exc:
        if not is_overlap_violation(exc):
            raise
        await session.refresh(booking)
        raise SlotTakenError("slot_taken", "This time has just been taken.") from None
