"""Screens from the priced offer to the hold: the offer's text, the payment mode, the
gateways offered, the studio's rules, the e-mail and the phone."""

from __future__ import annotations

from booking.clients import NO_GATEWAY, Offer
from booking.deps import BookingDeps
from db.sales import StudioRules
from handlers.common import Screen
from handlers.hall_specs import hall_name
from i18n.catalogs import N_, current_language
from i18n.catalogs import gettext as _
from i18n.formats import day as day_text
from i18n.formats import duration, money, time
from i18n.gateways import GATEWAY_NAMES
from keyboards.callbacks import Pick
from keyboards.payment import (
    email_keyboard,
    free_keyboard,
    gateway_keyboard,
    mode_keyboard,
    phone_keyboard,
    rules_keyboard,
)

GATEWAYS = ("yookassa", "tinkoff", "sberpay")
MODES = ("prepay", "full")
PHONE_PROMPT = N_(
    "\n\n📱 A phone number for this booking: press «Share my phone» below "
    "or type it, e.g. +7 999 123-45-67."
)
PHONE_SAVED_PROMPT = N_(
    "\n\n📱 A phone number for this booking: use the saved one or type another."
)


def gateways(deps: BookingDeps) -> list[tuple[str, str]]:
    """The gateways offered in the chat (in mock mode the same three, simulated)."""
    codes = [code for code in GATEWAYS if deps.provider(code) is not None]
    codes = codes or [code for code in deps.providers if code == "mock"]
    return [(code, _(GATEWAY_NAMES[code])) for code in codes]


def payable_pick(pick: Pick, deps: BookingDeps) -> bool:
    """A pick whose payment mode and gateway this process offers (or no gateway, for a
    booking a code pays in full: the hold refuses it if something is left to pay)."""
    offered = pick.gateway == NO_GATEWAY or pick.gateway in dict(gateways(deps))
    return pick.mode in MODES and offered


def offer_text(offer: Offer, deps: BookingDeps) -> str:
    start, end = offer.start.astimezone(deps.rules.tz), offer.end.astimezone(deps.rules.tz)
    text = _("🧾 {hall}\n{date}, {start}–{end} ({duration})\nPrice: {total}").format(
        hall=hall_name(offer.hall),
        date=day_text(start.date()),
        start=time(start),
        end=time(end),
        duration=duration(offer.minutes),
        total=money(offer.total + offer.covered),
    )
    if offer.covered:
        text += _("\nThe gift certificate pays {covered}; left to pay: {rest}").format(
            covered=money(offer.covered), rest=money(offer.total)
        )
    if offer.prepay < offer.total:
        text += _(
            "\nPrepayment {percent}%: {prepay}; the rest at the studio or in the bot."
        ).format(percent=deps.rules.prepayment_percent, prepay=money(offer.prepay))
    return text


def summary_screen(offer: Offer, deps: BookingDeps, pick: Pick) -> Screen:
    if offer.total == 0:  # a promo code or a certificate pays it all: no 0 ₽ payment
        markup = free_keyboard(pick, confirm=_("✅ Confirm the booking"), gateway=NO_GATEWAY,
                               back=_("‹ Back"))  # fmt: skip
        return Screen(offer_text(offer, deps) + _("\n\nNothing is left to pay."), markup)
    prepay = _("Prepayment {amount}").format(amount=money(offer.prepay))
    markup = mode_keyboard(
        pick,
        prepay_label=prepay if offer.prepay < offer.total else None,
        full_label=_("Full payment {amount}").format(amount=money(offer.total)),
        back=_("‹ Back"),
    )
    return Screen(offer_text(offer, deps) + _("\n\nHow would you like to pay?"), markup)


def gateways_screen(offer: Offer, deps: BookingDeps, pick: Pick) -> Screen:
    amount = offer.prepay if pick.mode == "prepay" else offer.total
    choose = _("\nTo pay now: {amount}\n\nChoose the payment method:").format(amount=money(amount))
    return Screen(
        offer_text(offer, deps) + choose, gateway_keyboard(pick, gateways(deps), _("‹ Back"))
    )


def rules_screen(offer: Offer, deps: BookingDeps, pick: Pick, rules: StudioRules) -> Screen:
    """The studio's rules, as a short text or a link, with "I accept the rules"."""
    text = rules.text_en if current_language() == "en" and rules.text_en else rules.text
    body = _("\n\n📜 Studio rules. Booking means accepting them.")
    if text:
        body += "\n\n" + text
    markup = rules_keyboard(
        pick,
        accept=_("✅ I accept the rules"),
        back=_("‹ Back"),
        read=_("📜 Read the rules"),
        url=rules.url,
    )
    return Screen(offer_text(offer, deps) + body, markup)


def email_screen(offer: Offer, deps: BookingDeps, pick: Pick, saved: str | None) -> Screen:
    saved_label = _("Use {email}").format(email=saved) if saved else None
    markup = email_keyboard(pick, saved_label=saved_label, skip=_("Skip"), back=_("‹ Back"))
    ask = _("\n\n✉️ E-mail for the receipt (optional): type it in a message or press «Skip».")
    return Screen(offer_text(offer, deps) + ask, markup)


def phone_screen(offer: Offer, deps: BookingDeps, pick: Pick, saved: str | None) -> Screen:
    saved_label = _("Use {phone}").format(phone=saved) if saved else None
    markup = phone_keyboard(pick, saved_label=saved_label, back=_("‹ Back"))
    prompt = PHONE_SAVED_PROMPT if saved else PHONE_PROMPT
    return Screen(offer_text(offer, deps) + _(prompt), markup)


def picker_done_text(offer: Offer, deps: BookingDeps) -> str:
    start, end = offer.start.astimezone(deps.rules.tz), offer.end.astimezone(deps.rules.tz)
    return _("✓ {hall}, {date}, {start}–{end}").format(
        hall=hall_name(offer.hall), date=day_text(start.date()), start=time(start), end=time(end)
    )
