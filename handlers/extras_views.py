"""Screens of the steps beside hall time: how many people, which add-ons, the summary with
its price line by line and the promo code or gift certificate; and the words for what a
sale refuses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from booking.chat_sale import SaleOffer
from booking.deps import BookingDeps
from db.models import Hall
from db.sales import Addon
from handlers.common import Screen
from handlers.hall_specs import PER, people_line
from handlers.offer_views import offer_text, summary_screen
from i18n.catalogs import N_, current_language
from i18n.catalogs import gettext as _
from i18n.formats import money
from i18n.lines import lines_text as price_lines_text
from keyboards.callbacks import Pick
from keyboards.extras import (
    AddonButton,
    addons_keyboard,
    back_to,
    guests_keyboard,
    promo_button,
)
from keyboards.rows import button

#: What a sale refuses, by the error's code, as the client reads it.
REFUSALS = {
    "promo_invalid": N_("There is no such promo code, or it does not apply to this booking."),
    "promo_expired": N_(
        "This promo code is not valid today: it has expired or has not started yet."
    ),
    "promo_used_up": N_("This promo code has been used up."),
    "addon_unavailable": N_("This extra has just been taken for your time."),
    "over_capacity": N_("The hall does not take that many people."),
    "certificate_invalid": N_("There is no gift certificate under this code."),
    "certificate_expired": N_("This gift certificate has expired."),
    "certificate_empty": N_("There is nothing left on this gift certificate."),
    "price_changed": N_("The price has just changed; please check it again."),
}
PROMO_PROMPT = N_("🎟 Type the promo code or the gift certificate's code in a message.")
ASK_CODE = N_("🎟 I have a promo code / certificate")
#: The button that drops the codes typed, by which are in the cart (promo, certificate).
DROP_CODES = {
    (True, False): N_("✖ Without the promo code"),
    (False, True): N_("✖ Without the certificate"),
    (True, True): N_("✖ Without the promo code and certificate"),
}


def refusal(code: str) -> str:
    return _(REFUSALS.get(code, REFUSALS["promo_invalid"]))


def asks_guests(hall: Hall) -> bool:
    """Worth asking only when more people than the price covers fit in the hall."""
    return bool(hall.capacity) and (hall.capacity or 0) > (hall.included_guests or 0)


def addon_title(addon: Addon) -> str:
    english = current_language() == "en" and addon.title_en
    return addon.title_en if english else addon.title


def lines_text(lines: Sequence[dict[str, Any]]) -> str:
    return price_lines_text(list(lines), current_language())


def guests_screen(sale: SaleOffer, deps: BookingDeps, pick: Pick) -> Screen:
    hall = sale.offer.hall
    chosen = sale.guests or hall.included_guests or 1
    text = offer_text(sale.offer, deps) + "\n\n" + people_line(hall)
    text += _("\n\nHow many people are coming?")
    return Screen(text, guests_keyboard(pick, hall.capacity or 1, chosen, _("‹ Back")))


def addons_screen(
    sale: SaleOffer,
    deps: BookingDeps,
    pick: Pick,
    offered: Sequence[tuple[Addon, int, int]],
    back_step: str | None,
) -> Screen:
    """`offered`: (add-on, how many are free for this time, how many are chosen)."""
    items = [
        AddonButton(
            id=addon.id,
            label=f"{addon_title(addon)} · {money(addon.price)}{_(PER[addon.per])}",
            chosen=chosen,
            most=min(addon.max_quantity, free),
            countable=addon.per == "unit" and addon.max_quantity > 1,
        )
        for addon, free, chosen in offered
        if free > 0 or chosen > 0
    ]
    text = offer_text(sale.offer, deps) + "\n" + lines_text(sale.lines)
    text += _("\n\n➕ Choose extras, then press «Next»:") if items else ""
    if not items:
        text += _("\n\nAll extras are taken for this time.")
    markup = addons_keyboard(
        pick, items, next_label=_("Next ›"), back=_("‹ Back"), back_step=back_step
    )
    return Screen(text, markup)


def sale_summary_screen(
    sale: SaleOffer,
    deps: BookingDeps,
    pick: Pick,
    codes: tuple[str | None, str | None],
    back_step: str | None,
) -> Screen:
    """The summary with the price line by line, the promo code and certificate step, the
    payment mode (or Confirm, when the codes pay it all), and Back to the step before (the
    add-ons, the people, or the durations). `codes`: the promo code and certificate typed."""
    screen = summary_screen(sale.offer, deps, pick)
    rows = []
    if not all(codes) and sale.offer.total > 0:
        rows.append([promo_button(pick, _(ASK_CODE), "ask")])
    if any(codes):
        label = DROP_CODES[(bool(codes[0]), bool(codes[1]))]
        rows.append([promo_button(pick, _(label), "drop")])
    text = screen.text
    if len(sale.lines) > 1:  # hall, date; the lines; then the total and the rest
        hall, when, rest = text.split("\n", 2)
        text = f"{hall}\n{when}\n{lines_text(sale.lines)}\n{rest}"
    assert isinstance(screen.markup, InlineKeyboardMarkup)
    back = button(_("‹ Back"), back_to(pick, back_step))
    keyboard = screen.markup.inline_keyboard
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[*keyboard[:-1], *rows, [back]]))
