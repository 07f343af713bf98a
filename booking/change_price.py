"""A change's new price: the booking's recorded choices priced by `price_hold`, the function
that prices a new booking, at the changed hall and span, so a move or more time costs what
a booking made that way now would.

The choices recorded: the add-ons and their quantities (at their prices now, per hour ones
for the new length), the people the client chose (none chosen: the number the hall's price
covers), and the promo code: its percentage applies to the new price when the code applies
to the new session as it would to a new booking (promo.check_applies: its halls, weekdays,
least length); otherwise, like a fixed-amount code, it takes off what it took at booking,
no more than the client already had. A gift certificate pays at most the new price (what
it paid above that goes back to it when the change is made), and overtime already billed
stays as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import promo
from booking.domain.charges import AddonChoice, Discount
from booking.errors import BookingRuleError
from booking.pricing import (
    booking_lines,
    certificate_paid,
    counted_guests,
    guests_of,
    price_hold,
)
from booking.stock import booking_addons
from db.changes import BookingChange
from db.models import Booking, Hall
from db.sales import Addon, BookingAddon, PromoCode

#: Lines a change carries over as they are: what a certificate paid (its amount set again
#: to what it covers) and overtime billed.
KEPT = ("certificate", "overtime")


@dataclass(frozen=True, slots=True)
class Repriced:
    total: int
    lines: list[dict[str, Any]]


async def reprice(
    session: AsyncSession,
    booking: Booking,
    hall: Hall,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> Repriced:
    """The booking's price at [start, end) in `hall` (its capacity is checked apart, by
    change_parts.check_fits)."""
    old_lines = booking_lines(booking)
    order = [line.get("addon_id") for line in old_lines if line["kind"] == "addon"]
    booked = sorted(
        await booking_addons(session, booking.id),
        key=lambda item: order.index(item[0].slug) if item[0].slug in order else len(order),
    )
    chosen = [
        AddonChoice(addon.slug, addon.title, addon.title_en, addon.price, addon.per, quantity)
        for addon, quantity in booked
    ]
    guests = guests_of(hall, booking.guests_chosen)
    discount = await booked_discount(session, booking, hall, start, end, tz)
    priced = price_hold(hall, start, end, tz, chosen, guests, discount)
    lines = [line.as_dict() for line in priced.lines]
    gross = priced.total + sum(int(ln["amount"]) for ln in old_lines if ln["kind"] == "overtime")
    cover = min(certificate_paid(booking), max(gross, 0))
    for line in old_lines:
        if line["kind"] in KEPT:
            kept = dict(line)
            if kept["kind"] == "certificate":
                kept["amount"] = -cover
            lines.append(kept)
    return Repriced(max(gross - cover, 0), lines)


async def booked_discount(
    session: AsyncSession,
    booking: Booking,
    hall: Hall,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> Discount | None:
    """The booking's discount to price a change to [start, end) in `hall` with: its code's
    percentage where the code applies to that session (its halls, weekdays, least length,
    as a new booking's), else that percentage but no more than its discount line took off
    (a shorter session takes off less); a fixed amount code takes off what it took."""
    line = next((ln for ln in booking_lines(booking) if ln["kind"] == "discount"), None)
    taken = -int(line["amount"]) if line is not None else 0
    code = None
    if booking.promo_code_id is not None:
        code = await session.get(PromoCode, booking.promo_code_id)
    if code is not None and code.percent and applies(code, hall, start, end, tz):
        return Discount(code.code, percent=code.percent)
    if line is None:
        return None
    if code is None:  # the code is gone: what the line took off
        return Discount(str(line.get("code", "")), amount=taken)
    return Discount(code.code, percent=code.percent or 0, amount=taken)


def applies(code: PromoCode, hall: Hall, start: datetime, end: datetime, tz: ZoneInfo) -> bool:
    try:
        promo.check_applies(code, hall.id, start, end, tz)
    except BookingRuleError:
        return False
    return True


async def record_repriced(session: AsyncSession, booking: Booking, change: BookingChange) -> None:
    """What the booking took, as the change priced it: its people counted for the hall it
    is in now, its add-ons' amounts (the statistics sum them)."""
    hall = await session.get(Hall, change.hall_id)
    assert hall is not None
    booking.guests = counted_guests(hall, booking.guests_chosen)
    amounts = {
        line["addon_id"]: int(line["amount"])
        for line in change.price_lines or []
        if line["kind"] == "addon"
    }
    stmt = (
        select(BookingAddon, Addon)
        .join(Addon, Addon.id == BookingAddon.addon_id)
        .where(BookingAddon.booking_id == booking.id)
    )
    for taken, addon in (await session.execute(stmt)).all():
        if addon.slug in amounts:
            taken.unit_price, taken.amount = addon.price, amounts[addon.slug]
