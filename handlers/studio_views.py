"""Texts of the owners' studio commands: the hours as a table, what changed, the usage
lines and the refusals (a change that bookings stand in the way of names them)."""

from __future__ import annotations

from html import escape
from typing import Any, Final

from booking.errors import DomainError
from booking.studio_file import WEEKDAYS
from i18n.catalogs import N_
from i18n.catalogs import gettext as _

#: The owners' studio commands for the menu: (command, description marked for the catalogs).
STUDIO_COMMANDS: Final[list[tuple[str, str]]] = [
    ("hours", N_("Opening hours: /hours mon 10:00-22:00, /hours 2026-12-31 closed")),
    ("hall", N_("A hall: /hall 2 price 2500 | min 90 | buffer 30 | capacity 10 | hide | show")),
    ("addon", N_("An add-on: /addon light-kit price 900 | stock 3 | hide | show")),
    ("rules", N_("New studio rules: /rules text, or /rules https://...")),
]
USAGES: Final[dict[str, str]] = {
    "hours": N_(
        "/hours — the opening hours\n"
        "/hours mon 10:00-22:00 — a weekday (mon…sun; closed: “closed”)\n"
        "/hours 2026-12-31 10:00-16:00 — one date (“closed”; “reset”: as its weekday)"
    ),
    "hall": N_(
        "/hall HALL price 2500 | min 90 | buffer 30 | capacity 10 | capacity none | "
        "hide [force] | show (HALL: its number or slug, see /admin)"
    ),
    "addon": N_("/addon ID price 900 | stock 3 | stock none | hide | show"),
    "rules": N_(
        "/rules the text of the rules (an English text may follow a line ---), "
        "or /rules https://… for a page with them"
    ),
}
WEEKDAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
CONFLICTS: Final[dict[str, str]] = {
    "bookings_outside_hours": N_(
        "Not changed: these bookings would fall outside the hours: {codes}. "
        "Move or cancel them first."
    ),
    "stock_below_booked": N_("Not changed: these bookings hold more of it at once: {codes}."),
    "bookings_over_capacity": N_("Not changed: these bookings bring more people: {codes}."),
    "hall_has_bookings": N_(
        "Not hidden: the hall has bookings to come: {codes}. They will stand if you hide it "
        "anyway: {command}"
    ),
}
REFUSALS: Final[dict[str, str]] = {
    "hall_not_found": N_("No hall {arg}. Halls: /admin"),
    "addon_not_found": N_("No add-on {arg}."),
    "bad_hours": N_("Not accepted: the opening must come before the closing."),
    "bad_hall": N_(
        "Not accepted: lengths and buffers are multiples of 15 minutes (a booking from 15 "
        "minutes to 24 hours, a buffer up to 12 hours), and the capacity is not below the "
        "guests the price includes."
    ),
    "bad_addon": N_("Not accepted: check the price and the stock."),
    "bad_rules": N_("Not accepted: send the text of the rules or an http(s) address."),
}


def studio_help() -> str:
    """The owners' commands, after the admin commands in /admin."""
    lines = "\n".join(escape(_(USAGES[name])) for name, _text in STUDIO_COMMANDS)
    return "\n\n" + _("<b>Owners: the studio</b>") + "\n" + lines


def usage(command: str) -> str:
    return _("Usage:\n{usage}").format(usage=escape(_(USAGES[command])))


def refusal(error: DomainError, arg: str, command: str = "") -> str:
    """The refusal in the owner's language (the use cases' own messages are the API's)."""
    if error.code in CONFLICTS:
        codes = escape(str(error.details.get("bookings", "")))
        return _(CONFLICTS[error.code]).format(codes=codes, command=escape(command))
    if error.code in REFUSALS:
        return _(REFUSALS[error.code]).format(arg=escape(arg))
    return _("Not possible (code {code}).").format(code=escape(error.code))


def _span(span: list[str] | None) -> str:
    return _("closed") if span is None else f"{span[0]}–{span[1]}"


def hours_text(hours: dict[str, Any]) -> str:
    """The weekly hours, then the dates that differ."""
    weekly = hours["hours"]
    lines = [_("<b>Opening hours</b>")]
    lines += [
        f"{_(WEEKDAY_NAMES[index])} {_span(weekly.get(day))}" for index, day in enumerate(WEEKDAYS)
    ]
    if hours["days"]:
        lines.append(_("<b>Dates</b>"))
        lines += [f"{day} {_span(span)}" for day, span in hours["days"].items()]
    return "\n".join(lines)


def hall_change_text(name: str, what: str, value: str = "") -> str:
    texts = {
        "price": _("hourly price {value} ₽"),
        "min": _("shortest booking {value} min"),
        "buffer": _("buffer after a booking {value} min"),
        "capacity": _("capacity {value}") if value else _("capacity not stated"),
        "hide": _("hidden from clients"),
        "show": _("shown to clients"),
    }
    change = texts[what].format(value=value)
    return _("✅ {hall}: {change}. Bookings already made keep their price and time.").format(
        hall=escape(name), change=change
    )


def addon_change_text(title: str, what: str, value: str = "") -> str:
    texts = {
        "price": _("price {value} ₽"),
        "stock": _("stock {value}") if value else _("stock not counted"),
        "hide": _("no longer offered"),
        "show": _("offered again"),
    }
    change = texts[what].format(value=value)
    return _("✅ {addon}: {change}. Bookings already made keep theirs.").format(
        addon=escape(title), change=change
    )


def hours_changed_text(hours: dict[str, Any]) -> str:
    return _("🕘 Hours changed; bookings already made stand.") + "\n\n" + hours_text(hours)


def rules_text(version: str) -> str:
    return _(
        "📜 New rules in force, version {version}. Clients accept them with their next booking."
    ).format(version=escape(version))
