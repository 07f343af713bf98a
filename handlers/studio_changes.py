"""What an owner's `/hall` or `/addon` changed, in the owner's language: one line naming the
hall or add-on and the new value, and that bookings already made keep what they have."""

from __future__ import annotations

from html import escape
from typing import Final

from i18n.catalogs import N_
from i18n.catalogs import gettext as _

#: A change's text with its value, and without one (a value cleared).
HALL_CHANGES: Final[dict[str, tuple[str, str]]] = {
    "price": (N_("hourly price {value} ₽"), ""),
    "min": (N_("shortest booking {value} min"), ""),
    "buffer": (N_("buffer after a booking {value} min"), ""),
    "capacity": (N_("capacity {value}"), N_("capacity not stated")),
    "guests": (N_("guests in the price: {value}"), N_("the price covers any number of people")),
    "fee": (N_("each further person {value}"), N_("no fee for further people")),
    "hide": ("", N_("hidden from clients")),
    "show": ("", N_("shown to clients")),
    "name": (N_("now called “{value}”"), ""),
    "name_en": (N_("English name “{value}”"), ""),
    "about": ("", N_("description changed")),
    "about_en": ("", N_("English description changed")),
    "photo": (N_("photo added, {value} in all"), N_("no photos")),
    "band": (N_("time band added: {value}/h"), N_("no time bands, one price all day")),
    "spec": (N_("specs: {value}"), ""),
}
ADDON_CHANGES: Final[dict[str, tuple[str, str]]] = {
    "price": (N_("price {value} ₽"), ""),
    "stock": (N_("stock {value}"), N_("stock not counted")),
    "hide": ("", N_("no longer offered")),
    "show": ("", N_("offered again")),
    "title": (N_("now called “{value}”"), ""),
    "title_en": (N_("English name “{value}”"), ""),
    "per": (N_("priced per {value}"), ""),
    "max": (N_("at most {value} in a booking"), ""),
    "hall": (N_("offered in the hall {value} only"), N_("offered in every hall")),
}
#: How `per` reads after "priced per".
PER_NAMES: Final[dict[str, str]] = {"booking": N_("booking"), "hour": N_("hour"),
                                    "unit": N_("unit")}  # fmt: skip


def _change(texts: dict[str, tuple[str, str]], what: str, value: str) -> str:
    with_value, without = texts[what]
    return _(with_value).format(value=escape(value)) if value and with_value else _(without)


def hall_change_text(name: str, what: str, value: str = "") -> str:
    return _("✅ {hall}: {change}. Bookings already made keep their price and time.").format(
        hall=escape(name), change=_change(HALL_CHANGES, what, value)
    )


def addon_change_text(title: str, what: str, value: str = "") -> str:
    return _("✅ {addon}: {change}. Bookings already made keep theirs.").format(
        addon=escape(title), change=_change(ADDON_CHANGES, what, value)
    )


def hall_created_text(number: int, name: str, price: str, slug: str) -> str:
    return _(
        "✅ New hall no. {number}: {name}, {price} ₽ an hour, shown to clients (booking page "
        "/book/{slug}). Describe it: /hall {number} about …, a photo: /hall {number} photo "
        "https://…; hide it until it is ready: /hall {number} hide"
    ).format(number=number, name=escape(name), price=price, slug=escape(slug))


def addon_created_text(slug: str, title: str, price: str, per: str) -> str:
    return _(
        "✅ New add-on {slug}: {title}, {price} ₽ per {per}, offered in every hall. "
        "Only in one: /addon {slug} hall 2; a stock: /addon {slug} stock 3"
    ).format(slug=escape(slug), title=escape(title), price=price, per=_(PER_NAMES[per]))


def fee_value(per: str, amount: str) -> str:
    """A further person's fee as the answer shows it: "500 ₽ an hour", "20% of the hall time"."""
    texts = {"person_hour": N_("{amount} ₽ an hour"), "person_booking": N_("{amount} ₽ a booking"),
             "percent": N_("{amount}% of the hall time")}  # fmt: skip
    return _(texts[per]).format(amount=amount)


def photo_by_address_text(number: int) -> str:
    """A photo sent in the chat: the website and the API show a hall's photos by address."""
    return _(
        "📷 A photo sent here is not kept: clients see a hall's photos on the website and in "
        "the bot by the picture's address. Put the photo online and send its address: "
        "/hall {number} photo https://…"
    ).format(number=number)
