"""What a hold would cost, checked and priced as the hold itself checks and prices it.

`price_request` is the one path from a request to its price: the hold (holds.py) calls it
before its first write, and `quote_hold` calls it to answer a client who has not booked yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, promo, stock
from booking.availability import active_hall, load_schedule
from booking.deps import BookingDeps
from booking.domain.calendar import Interval, blocked_interval, check_bounds, validate_booking
from booking.domain.pricing import prepayment_amount
from booking.hours_lock import share_hours
from booking.sale import Sale, prepare_sale
from db.models import Hall

if TYPE_CHECKING:
    from booking.holds import HoldRequest


@dataclass(frozen=True, slots=True)
class Quote:
    hall: Hall
    sale: Sale
    #: the booking's time and the hall's cleaning buffer after it
    blocked: Interval
    #: what confirms the booking: the prepayment, or the whole total
    prepay: int

    @property
    def total(self) -> int:
        return self.sale.priced.total


async def price_request(
    session: AsyncSession, deps: BookingDeps, request: HoldRequest, *, quoting: bool = False
) -> Quote:
    """Check the slot and what the request buys beside it, and price it; writes nothing.

    What other holds could take meanwhile (add-ons' stock, the code's uses) is checked
    again by the hold under its locks."""
    now = deps.now()
    hall = await active_hall(session, request.hall_id)
    check_bounds(request.start, request.end, deps.rules.window, now)
    blocked = blocked_interval(request.start, request.end, hall.buffer_minutes)
    await share_hours(session)  # the hours read next stay until the hold is made
    schedule = await load_schedule(session, deps, hall, request.start, request.end)
    validate_booking(
        request.start,
        request.end,
        schedule.calendar,
        deps.rules.window,
        schedule.busy,
        schedule.closures,
        now,
    )
    sale = await prepare_sale(session, deps, hall, request, quoting=quoting)
    prepay = confirming_amount(deps, request, sale.priced.total)
    return Quote(hall=hall, sale=sale, blocked=blocked, prepay=prepay)


def confirming_amount(deps: BookingDeps, request: HoldRequest, total: int) -> int:
    """What confirms a booking of `total` left to pay: the prepayment, or all of it."""
    if request.payment_mode == "prepay":
        return prepayment_amount(total, deps.rules.prepayment_percent)
    return total


async def quote_hold(session: AsyncSession, deps: BookingDeps, request: HoldRequest) -> Quote:
    """The price a hold of `request` would get now, refused as the hold would refuse it;
    holds nothing and writes nothing. The studio's rules are not asked for: the client
    accepts them when booking. A code's per-client limit needs the client and is left to
    the hold. A gift certificate pays what its balance covers now, and `prepay` is of the
    rest, as the hold will take them."""
    now = deps.now()
    quote = await price_request(session, deps, request, quoting=True)
    sale = quote.sale
    await stock.check_stock(session, sale.addons, request.start, quote.blocked.end, now)
    if sale.promo_code is not None:
        await promo.check_uses(session, sale.promo_code, now)
    if sale.certificate is None:
        return quote
    price = sale.priced.total
    sale.certificate_spend = await certificates.preview_spend(
        session, sale.certificate, price, now
    )
    return replace(quote, prepay=confirming_amount(deps, request, sale.due))
