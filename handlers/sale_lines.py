"""A booking's guests, add-ons and discount in one line, for the admins' cards and lists."""

from __future__ import annotations

from html import escape

from booking.pricing import booking_lines
from db.models import Booking
from i18n.catalogs import current_language
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.lines import line_title


def sale_text(booking: Booking) -> str:
    """Guests, add-ons and the discount of a booking in one line; empty for hall time
    alone (the admin's language)."""
    lang = current_language()
    parts = []
    lines = booking_lines(booking)
    extras = [line for line in lines if line["kind"] in ("addon", "guests", "discount")]
    if booking.guests is not None and extras:
        parts.append(_("👥 {guests}").format(guests=booking.guests))
    for line in extras:
        title = escape(line_title(line, lang))
        if line["kind"] == "addon":
            title += f" × {line['quantity']}"
        sign = "−" if line["amount"] < 0 else ""
        parts.append(f"{title}: {sign}{rub(abs(int(line['amount'])))} ₽")
    return " · ".join(parts)
