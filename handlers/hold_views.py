"""Screens of a held booking: what to pay now and by when, with the Pay link (or Try again
when the payment service did not answer), and the words for what a payment is for."""

from __future__ import annotations

import math

from aiogram.types import InlineKeyboardMarkup

from booking.deps import BookingDeps
from booking.payment_due import amount_due
from db.models import Booking, Hall, Payment
from handlers.common import Screen
from handlers.hall_specs import hall_name
from i18n.catalogs import N_, ngettext
from i18n.catalogs import gettext as _
from i18n.formats import day as day_text
from i18n.formats import money, time
from keyboards.payment import pay_keyboard

#: What a payment is for, as a client reads it ("to pay now: 2 500 ₽ (prepayment)").
KINDS = {
    "prepayment": N_("prepayment"),
    "full": N_("full price"),
    "balance": N_("balance"),
    "change": N_("the difference for the change"),
}


def kind_text(kind: str | None) -> str:
    return _(KINDS[kind]) if kind else ""


def hold_screen(
    booking: Booking, hall: Hall, payment: Payment | None, deps: BookingDeps
) -> Screen:
    """The held booking: what to pay, by when, and the Pay link (or Try again)."""
    tz, now = deps.rules.tz, deps.now()
    due, due_kind = amount_due(booking, now)
    kind: str | None = due_kind
    if payment is not None:
        due, kind = payment.amount, payment.kind
    expires = booking.hold_expires_at or now
    start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
    minutes = max(1, math.ceil((expires - now).total_seconds() / 60))
    until = time(expires.astimezone(tz))
    text = _(
        "⏳ Booking {code} has been made and is awaiting payment.\n{hall}, {date}, {start}–{end}\n"
        "Due now: {due} ({kind}); {total} in total.\n"
    ).format(
        code=booking.code,
        hall=hall_name(hall),
        date=day_text(start.date()),
        start=time(start),
        end=time(end),
        due=money(due),
        kind=kind_text(kind),
        total=money(booking.total),
    )
    text += ngettext(
        "Please pay within {minutes} minute (by {until}), or the booking will be cancelled.",
        "Please pay within {minutes} minutes (by {until}), or the booking will be cancelled.",
        minutes,
    ).format(minutes=minutes, until=until)
    text += _("\nYou will get the confirmation here, in this chat.")
    url = payment.confirmation_url if payment is not None else None
    if url is None:
        text += _(
            "\n\n⚠️ The payment service does not answer right now. The booking is kept "
            "until {until}; press «Try again»."
        ).format(until=until)
    return Screen(text, pay_keyboard_for(booking.id, url, due), link_text(url))


def pay_keyboard_for(booking_id: int, url: str | None, due: int) -> InlineKeyboardMarkup:
    """The Pay link (or Try again), Cancel and My bookings under a booking to pay."""
    return pay_keyboard(
        booking_id,
        url=url,
        pay_label=_("💳 Pay {amount}").format(amount=money(due)),
        retry_label=_("🔄 Try again"),
        cancel_label=_("✖ Cancel booking"),
        my_label=_("📋 My bookings"),
    )


def link_text(url: str | None) -> str | None:
    """The payment link as text, for a Bot API server that refuses its button."""
    return _("\n\nPayment link: {url}").format(url=url) if url else None
