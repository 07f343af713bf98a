"""How the admin commands refuse, in the admin's language: the usage of a command typed wrong,
and a use case's refusal (its error code) said in words, sums in rubles."""

from __future__ import annotations

from html import escape

from booking.errors import DomainError
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub

USAGES = {
    "admin": "/admin",
    "day": "/day 2026-12-05",
    "booking": N_("/booking CODE"),
    "confirm": N_("/confirm CODE [amount]"),
    "cancel": N_("/cancel CODE reason"),
    "refund": N_("/refund CODE amount|all [reason]"),
    "close": N_("/close all|hall 2026-12-05 10:00 2026-12-05 18:00 [force] [reason]"),
    "reopen": "/reopen ID",
    "price": N_("/price hall 2800"),
    "stats": "/stats 2026-12-01 2026-12-31",
    "settle": N_("/settle ID yes|no [note]"),
    "calendar": N_("/calendar [new]"),
    "promo": N_("/promo CODE 20%|500 [uses] [from] [to]"),
    "certificate": N_("/certificate 5000 or /certificate CODE"),
    "certorder": N_("/certorder ORDER_NO yes|no"),
    "promo_off": "/promo_off CODE",
    "noshow": N_("/noshow CODE"),
    "block": N_("/block PHONE|TELEGRAM_ID|CODE [reason]"),
    "unblock": N_("/unblock PHONE|TELEGRAM_ID|CODE"),
}


#: A booking's status where an admin's command does not fit it ("Not possible: ...").
IN_STATUS = {
    "pending_payment": N_("the booking is still awaiting payment"),
    "confirmed": N_("the booking is already confirmed"),
    "completed": N_("the booking has already taken place"),
    "cancelled": N_("the booking is already cancelled"),
    "expired": N_("the booking expired unpaid"),
    "no_show": N_("the booking is already marked a no-show"),
}


#: Refusals of the use cases, by code; their own messages are English and in kopecks, for
#: the API, so an admin never sees them. {arg} is the command's first argument.
ERRORS = {
    "booking_not_found": N_("Booking {arg} not found."),
    "hall_not_found": N_("Hall {arg} not found. Halls: /admin"),
    "closure_not_found": N_("Closure {arg} not found. List: /closures"),
    "order_not_found": N_("Gift certificate order no. {arg} not found."),
    "order_settled": N_(
        "Order no. {arg} is settled already: its gateway's word or an admin decided it."
    ),
    "slot_taken": N_("Cannot confirm: the time is taken by another booking."),
    "not_payable": N_("Nothing to confirm: the booking is confirmed and fully paid."),
    "too_late": N_("Not possible: the booking's time has already begun."),
    "nothing_to_refund": N_("Nothing to refund for this booking."),
    "not_refundable": N_("This payment cannot be refunded: it is not paid or already refunded."),
    "refund_not_found": N_("There is no refund #{arg}."),
    "not_pending": N_("Refund #{arg} is finished already."),
    "refund_in_flight": N_(
        "A call about refund #{arg} may still be under way; try again in a minute."
    ),
    "bad_range": N_("Wrong period: the end is before the start."),
    "range_too_long": N_("The period is too long: a year at most."),
    "in_past": N_("That period is already over."),
    "bad_price": N_("Wrong price."),
    "gateway_unavailable": N_("The payment service did not answer; try again."),
    "promo_exists": N_("That promo code exists already: /promos"),
    "promo_not_found": N_("There is no promo code {arg}: /promos"),
    "certificate_not_found": N_("There is no gift certificate under this code."),
    "invalid_input": N_("Wrong value; see the usage: /admin"),
    "bad_discount": N_("Wrong discount: 1% to 100%, or an amount above zero."),
    "not_started": N_("Not yet: a booking is marked a no-show only after its start."),
    "not_blocked": N_("This client is not blocked."),
    "no_identity": N_("The booking's client left neither a phone nor Telegram to block."),
    "bad_phone": N_("Wrong phone number: +79991234567, without spaces."),
    "owner_needed": N_("🔒 Only an owner of the studio can do this (OWNER_IDS); ask an owner."),
}


def usage(command: str) -> str:
    return _("Usage: {usage}").format(usage=escape(_(USAGES.get(command, "/admin"))))


def error_text(error: DomainError, arg: str = "") -> str:
    """The refusal in the admin's language, sums in rubles, whatever the use case said."""
    details = error.details
    if error.code == "invalid_state" and details.get("status") in IN_STATUS:
        return _("Not possible: {why}.").format(why=_(IN_STATUS[str(details["status"])]))
    if error.code == "bad_amount" and "most" in details:
        return _("Wrong amount: from 0 to {most} ₽.").format(most=rub(int(details["most"])))
    if error.code == "refund_too_large" and "most" in details:
        text = _("The amount is too large: at most {most} ₽ can be refunded.")
        return text.format(most=rub(int(details["most"])))
    if error.code == "refund_over_limit" and "limit" in details:
        text = _("🔒 A refund above {limit} ₽ needs an owner of the studio (OWNER_IDS).")
        return text.format(limit=rub(int(details["limit"])))
    if error.code in ERRORS:
        return _(ERRORS[error.code]).format(arg=escape(arg))
    if error.code == "bad_amount":
        return _("Wrong amount.")
    return _("Not possible (code {code}).").format(code=escape(error.code))
