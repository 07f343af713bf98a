"""The pieces a change of a booking is made of: its new price, what the client owes for it,
and the rows that hold the time it adds until that is paid.

Only the hall's time is priced again (by the new hall's bands); add-ons, guests, discounts
and a certificate stay as booked, so the price changes by the hall time's difference."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import price_bands
from booking.domain.calendar import Interval
from booking.domain.pricing import prepayment_amount, quote
from booking.domain.states import BookingStatus
from booking.errors import SlotTakenError
from booking.holds import is_overlap_violation
from booking.pricing import booking_lines, certificate_paid
from booking.tokens import hash_token, new_booking_code
from db.changes import BookingChange
from db.models import Booking, Hall


@dataclass(frozen=True, slots=True)
class Repriced:
    total: int
    lines: list[dict[str, Any]] | None


def reprice(
    booking: Booking, hall: Hall, start: datetime, end: datetime, tz: ZoneInfo
) -> Repriced:
    """The booking's price with its hall time at [start, end) in `hall`."""
    hall_amount = quote(start, end, hall.hourly_price, price_bands(hall), tz)
    lines = [dict(line) for line in booking_lines(booking)]
    old = sum(int(line["amount"]) for line in lines if line["kind"] == "hall")
    for line in lines:
        if line["kind"] == "hall":
            line.update(title=hall.name, title_en=hall.name_en or hall.name, amount=hall_amount)
            break
    # A gift certificate pays at most the new price: what it paid above that goes back to
    # it when the change is made (make_change), not to the gateways or nowhere.
    gift = certificate_paid(booking)
    if gift and booking.price_lines is not None:
        gross = sum(int(line["amount"]) for line in lines if line["kind"] != "certificate")
        cover = min(gift, max(gross, 0))
        for line in lines:
            if line["kind"] == "certificate":
                line["amount"] = -cover
        total = max(booking.total + hall_amount - old + gift - cover, 0)
        return Repriced(total, lines)
    total = max(booking.total + hall_amount - old, 0)
    return Repriced(total, lines if booking.price_lines is not None else None)


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
