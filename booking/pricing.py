"""A hold's price from the studio's data: the hall's time by its bands, the add-ons chosen,
the guests over those included, then the discount (booking/domain/charges.py does the sums).
The lines are stored with the booking, titled in Russian and English: a booking keeps the
price it was made at, whatever the studio's prices or names become.

A move or more time the client asks for is priced as a new booking of the new span would
be at that moment (booking/change_price.py: today's hall time and add-on prices, with the
booking's own choices), not at the prices it was made at. A dearer change is made only once
the client pays the difference they are shown; one that costs the same or less is made at
once, and the booking then shows its new price."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from booking.availability import price_bands
from booking.deps import BookingDeps
from booking.domain.charges import (
    AddonChoice,
    Discount,
    GuestFee,
    Priced,
    PriceLine,
    check_guests,
    price_lines,
)
from booking.domain.pricing import quote
from booking.errors import BookingRuleError
from db.models import Booking, Client, Hall
from db.sales import Addon
from payments.base import ReceiptInfo


@dataclass(frozen=True, slots=True)
class AddonWanted:
    """An add-on as a client asks for it: its id (the studio file's) and how many."""

    id: str
    quantity: int = 1


def guest_fee_of(hall: Hall) -> GuestFee | None:
    fee = hall.guest_fee
    if not fee:
        return None
    above = fee.get("above")
    return GuestFee(
        per=fee["per"],
        above=above if above is not None else hall.included_guests or 0,
        price=int(fee.get("price") or 0),
        percent=int(fee.get("percent") or 0),
    )


def guests_of(hall: Hall, guests: int | None) -> int | None:
    """The people coming: as asked (within capacity), else the number the price covers."""
    if guests is not None:
        check_guests(guests, hall.capacity)
    return counted_guests(hall, guests)


def counted_guests(hall: Hall, chosen: int | None) -> int | None:
    """The people a booking counts in `hall`: as its client chose, else the number the
    hall's price covers (a booking moved to another hall takes that hall's)."""
    return chosen if chosen is not None else hall.included_guests


def choose_addons(
    offered: Sequence[Addon], wanted: Sequence[AddonWanted]
) -> list[tuple[Addon, AddonChoice]]:
    """The add-ons asked for, each offered in the hall and within its max_quantity."""
    by_slug = {addon.slug: addon for addon in offered}
    seen: set[str] = set()
    chosen = []
    for item in wanted:
        addon = by_slug.get(item.id)
        if item.id in seen:
            raise BookingRuleError(
                "duplicate_addon",
                f"The add-on {item.id!r} is listed twice: give its quantity once.",
            )
        if addon is None:
            raise BookingRuleError(
                "addon_unavailable", f"The add-on {item.id!r} is not offered in this hall."
            )
        if not 1 <= item.quantity <= addon.max_quantity:
            raise BookingRuleError(
                "addon_unavailable",
                f"The add-on {item.id!r} can be taken 1 to {addon.max_quantity} times.",
                max_quantity=addon.max_quantity,
            )
        seen.add(item.id)
        choice = AddonChoice(
            addon.slug, addon.title, addon.title_en, addon.price, addon.per, item.quantity
        )
        chosen.append((addon, choice))
    return chosen


def price_hold(
    hall: Hall,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    chosen: Sequence[AddonChoice],
    guests: int | None,
    discount: Discount | None,
) -> Priced:
    minutes = int((end - start).total_seconds()) // 60
    hall_amount = quote(start, end, hall.hourly_price, price_bands(hall), tz)
    hall_line = PriceLine("hall", hall.name, hall.name_en or hall.name, hall_amount)
    # The guests' and the discount's lines are titled where they are shown, from their
    # figures (i18n/lines.py): their words belong to the catalogs, not to the studio.
    return price_lines(hall_line, minutes, chosen, guests, guest_fee_of(hall), discount=discount)


def booking_receipt(
    deps: BookingDeps, booking: Booking, hall: Hall, client: Client, payment_mode: str
) -> ReceiptInfo | None:
    """The 54-FZ receipt of a payment or a refund of the booking, when the studio sends
    receipts: a position per line of its price."""
    rent = f"Аренда фотостудии: {hall.name}"
    lines = receipt_lines(booking, rent)
    return deps.receipts.receipt(rent, payment_mode, client.email, client.phone, lines)


def receipt_lines(booking: Booking, rent_title: str) -> list[tuple[str, int]]:
    """The positions of the booking's 54-FZ receipts (in Russian, as fiscal documents are):
    the hall time as `rent_title`, each add-on, the guests; the discount is not a position
    but is spread over them (payments/receipts.py)."""
    positions = []
    for line in booking_lines(booking):
        if line["kind"] == "hall":
            positions.append((rent_title, int(line["amount"])))
        elif line["kind"] == "addon":
            positions.append((f"{line['title']} × {line['quantity']}", int(line["amount"])))
        elif line["kind"] == "guests":
            extra = int(line["guests"]) - int(line["above"])
            positions.append((f"Дополнительные гости: {extra}", int(line["amount"])))
    return positions


def booking_lines(booking: Booking) -> list[dict[str, Any]]:
    """The booking's price lines as stored; one hall line, titled where it is shown, for a
    booking made before them."""
    if booking.price_lines is not None:
        return booking.price_lines
    return [{"kind": "hall", "title": "", "title_en": "", "amount": booking.total}]


def certificate_paid(booking: Booking) -> int:
    """What a gift certificate paid of the booking's price (its `total` is the rest, what
    the gateways are asked for)."""
    return -sum(
        int(line["amount"]) for line in booking_lines(booking) if line["kind"] == "certificate"
    )


@dataclass(frozen=True, slots=True)
class MoneyState:
    """A booking's money as a person is told it (i18n.paid): what money is asked for (the
    price less what a gift certificate paid), what was paid and kept (refunds made or under
    way taken off), what went back, what is on its way back (a gateway's refund under way,
    cash the studio still owes), and what the certificate paid."""

    to_pay: int
    paid: int
    refunded: int
    certificate: int
    returning: int = 0


def money_state(booking: Booking, *, returning: int) -> MoneyState:
    """`returning`: the booking's refunds not made yet (booking.refunds.owed_back), which no
    longer count as paid; the caller reads it, as it needs the database."""
    return MoneyState(
        to_pay=booking.total,
        paid=max(booking.paid - booking.refunded - returning, 0),
        refunded=booking.refunded,
        certificate=certificate_paid(booking),
        returning=returning,
    )
