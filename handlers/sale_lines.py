"""A booking's guests, add-ons, discount and certificate in one line, for the admins' cards
and lists."""

from __future__ import annotations

from html import escape

from booking.pricing import booking_lines, certificate_paid
from db.models import Booking
from i18n.catalogs import current_language
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.lines import line_title

EXTRAS = ("addon", "guests", "discount", "certificate")


def price(booking: Booking) -> int:
    """The booking's price, what a gift certificate paid of it included."""
    return booking.total + certificate_paid(booking)


def sale_text(booking: Booking) -> str:
    """Guests, add-ons, the discount and what a certificate paid, in one line; empty for hall time
    alone (the admin's language)."""
    lang = current_language()
    parts = []
    lines = booking_lines(booking)
    extras = [
        line for line in lines if line["kind"] in ("addon", "guests", "discount", "certificate")
    ]
    if booking.guests is not None and extras:
        parts.append(_("👥 {guests}").format(guests=booking.guests))
    for line in extras:
        title = escape(line_title(line, lang))
        if line["kind"] == "addon":
            title += f" × {line['quantity']}"
        sign = "−" if line["amount"] < 0 else ""
        parts.append(f"{title}: {sign}{rub(abs(int(line['amount'])))} ₽")
    return " · ".join(parts)
