"""What the admin reads on /new beside the picker: the offer priced with the people the
client named, the guests step, how the booking is settled, why a client cannot be booked,
and the booking once made."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from booking.chat_sale import Extras, sale_offer
from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.no_show import full_payment_only
from booking.phone_booking import PhoneBooking
from db.models import Hall
from handlers import offer_views
from handlers.common import Screen
from handlers.extras_views import lines_text
from handlers.hall_specs import people_line
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import money, time
from keyboards.callbacks import Pick, SettleCallback, from_minutes
from keyboards.extras import guests_keyboard
from keyboards.rows import button, column, markup

SETTLES = {
    "cash": N_("💵 Paid in cash"),
    "unpaid": N_("🤝 Confirm unpaid"),
    "link": N_("🔗 Payment link"),
}
#: The most numbers offered as buttons for a hall that states no capacity (more: typed).
GUESTS_SHOWN = 20


def cancel_button() -> list[InlineKeyboardButton]:
    return [button(_("✖ Cancel"), SettleCallback(action="cancel"))]


def asks_guests(hall: Hall) -> bool:
    """The people are asked where they matter: the hall states how many it takes, or
    charges for people over those its price covers."""
    return bool(hall.capacity) or bool(hall.guest_fee)


async def priced_text(session: AsyncSession, deps: BookingDeps, data: dict[str, object]) -> str:
    """The offer priced with the people named (line by line when they cost more), as the
    hold will price it; "" when the time can no longer be sold (the settle step says so)."""
    pick = Pick(*data["pick"])  # type: ignore[misc]
    guests = data.get("guests")
    extras = Extras(guests=int(guests) if isinstance(guests, int) else None)
    try:
        sale = await sale_offer(
            session, deps, pick.hall_id, from_minutes(pick.start), pick.minutes, extras
        )
    except DomainError:
        return ""
    text = offer_views.offer_text(sale.offer, deps)
    if len(sale.lines) > 1:
        text += "\n" + lines_text(sale.lines)
    return text


def guests_screen(offer_text: str, hall: Hall, pick: Pick) -> Screen:
    """How many people come: a number to press (or type), Back to the lengths, Cancel."""
    keyboard = guests_keyboard(
        pick, hall.capacity or GUESTS_SHOWN, hall.included_guests or 0, _("‹ Back")
    )
    rows = [*keyboard.inline_keyboard, cancel_button()]
    question = _("How many people are coming? Press the number or type it:")
    text = "\n\n".join(part for part in (offer_text, people_line(hall), question) if part)
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


async def settle_screen(
    session: AsyncSession, deps: BookingDeps, data: dict[str, object]
) -> Screen:
    """Who the client is and the ways to settle; a client who must pay in full (after
    no-shows) is not offered "confirm unpaid"."""
    offer = await priced_text(session, deps, data)
    offer = offer + "\n\n" if offer else ""
    who = _("Client: {name}, {phone}").format(name=data["name"], phone=data["phone"])
    if data.get("email"):
        who += f", {data['email']}"
    question = _("How is it settled?")
    settles = dict(SETTLES)
    if await full_payment_only(session, deps, phone=str(data["phone"])):
        question = f"{full_price_text(deps)}\n\n{question}"
        del settles["unpaid"]
    buttons = [
        button(_(label), SettleCallback(action=action)) for action, label in settles.items()
    ]
    keyboard = markup(*column(buttons), cancel_button())
    return Screen(f"{offer}{who}\n\n{question}", keyboard)


def guests_again(hall: Hall) -> str:
    """A typed number that is not one the hall takes."""
    if hall.capacity:
        return _("Type a number from 1 to {capacity}.").format(capacity=hall.capacity)
    return _("Type the number of people, like 3.")


def blocked_text(phone: str) -> str:
    """Why nothing can be booked for a blocked client, and how to lift the block."""
    return _(
        "⛔ The client {phone} is blocked: nothing can be booked for them, by phone either. "
        "To lift the block: /unblock {phone} — then start again with /new"
    ).format(phone=phone)


def full_price_text(deps: BookingDeps, *, refused: bool = False) -> str:
    """A client past NO_SHOW_LIMIT: the full price, in cash or by a link for all of it."""
    text = _(
        "⚠️ The client has missed {limit} or more bookings: they pay the full price — in cash "
        "or by a payment link for the whole sum; a booking unpaid is not possible."
    ).format(limit=deps.rules.no_show_limit)
    if refused:
        text = _("😔 Not booked.") + " " + text + "\n" + _("Start again: /new")
    return text


def done_text(taken: PhoneBooking, data: dict[str, object], deps: BookingDeps) -> str:
    """What the admin reads once it is booked: the code, how it stands, the link to forward."""
    booking = taken.booking
    values = {
        "code": booking.code,
        "who": _("{name}, {phone}").format(name=data["name"], phone=data["phone"]),
        "paid": money(booking.paid),
        "due": money(booking.total - booking.paid),
    }
    if booking.status == "confirmed" and booking.paid >= booking.total:
        text = _("✅ Booking {code} for {who} is confirmed. Paid {paid}.").format(**values)
    elif booking.status == "confirmed":
        text = _(
            "✅ Booking {code} for {who} is confirmed, unpaid: {due} due at the studio."
        ).format(**values)
    else:
        until = booking.hold_expires_at or booking.start_at
        values["until"] = time(until.astimezone(deps.rules.tz))
        text = _("⏳ Booking {code} for {who} is held until {until}.").format(**values)
        if taken.payment is not None and taken.payment.confirmation_url:
            link = _("Forward this payment link to the client:")
            text += f"\n{link}\n{taken.payment.confirmation_url}"
        else:
            text += "\n" + _("The payment service did not answer; no link was made.")
    if data.get("email"):
        text += "\n" + _("The client gets the confirmation by e-mail.")
    later = _(
        "When the client opens the bot and shares this phone (/phone), the booking shows there."
    )
    return f"{text}\n{later}"
