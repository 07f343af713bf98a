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
    (
        "hall",
        N_(
            "Halls: /hall new NAME PRICE, /hall 2 price 2500 | name … | about … | photo URL "
            "| band 18:00-22:00 3000 | min 90 | hide | show"
        ),
    ),
    ("addon", N_("Add-ons: /addon new ID PRICE hour NAME, /addon ID price 900 | stock 3 | hide")),
    ("rules", N_("New studio rules: /rules text, or /rules https://...")),
]
USAGES: Final[dict[str, str]] = {
    "hours": N_(
        "/hours — the opening hours\n"
        "/hours mon 10:00-22:00 — weekdays (mon…sun, mon-fri, sat,sun; closed: “closed”)\n"
        "/hours 2026-12-31 10:00-16:00 — one date (“closed”; “reset”: as its weekday)"
    ),
    "hall": N_(
        "/hall new NAME PRICE — a new hall (/hall new Белый зал 2500)\n"
        "/hall HALL price 2500 — the hourly price (HALL: its number or slug, see /admin)\n"
        "/hall HALL name NAME | name_en NAME — its name, in Russian or English\n"
        "/hall HALL about TEXT | about_en TEXT — its description (“-”: none)\n"
        "/hall HALL photo https://… — add a photo (“photo none”: remove them all)\n"
        "/hall HALL band [mon-fri] 18:00-22:00 3000 — another hourly price at those hours "
        "(“band none”: one price all day)\n"
        "/hall HALL min 90 | buffer 30 — the shortest booking, the break after one (minutes)\n"
        "/hall HALL capacity 10 | guests 4 — the most people, those the price covers (“none”)\n"
        "/hall HALL fee 500 hour | fee 200 booking | fee 20% | fee none — each further person\n"
        "/hall HALL spec area 80 | ceiling 4.5 | equipment a, b — specs (“none”: remove)\n"
        "/hall HALL hide [force] | show — hide it from clients or show it again"
    ),
    "addon": N_(
        "/addon new ID PRICE [booking|hour|unit] NAME — a new add-on "
        "(/addon new fog 500 booking Дым-машина)\n"
        "/addon ID price 900 | stock 3 | stock none — its price, how many there are\n"
        "/addon ID title NAME | title_en NAME — its name, in Russian or English\n"
        "/addon ID per booking|hour|unit | max 2 — how it is priced, "
        "at most how many a booking takes\n"
        "/addon ID hall 2 | hall all — offered in one hall only, or in all\n"
        "/addon ID hide | show — stop offering it, or offer it again"
    ),
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
    "bad_hall:photo": N_(
        "Not accepted: a photo is an http(s) address of a picture, or photos/NAME of one "
        "shipped with the studio file."
    ),
    "bad_hall:band": N_("Not accepted: a time band starts before it ends, within the day."),
    "bad_hall:new": N_("Not accepted: check the hall's name and price (at most 1 000 000 ₽)."),
    "bad_hall:price": N_("Not accepted: a price is at most 1 000 000 ₽."),
    "bad_addon:new": N_(
        "Not accepted: an id is lower-case Latin letters, digits, - or _; a price is at most "
        "1 000 000 ₽."
    ),
    "bad_addon:price": N_("Not accepted: a price is at most 1 000 000 ₽."),
    "addon_exists": N_("An add-on {arg} exists already: choose another id."),
    "bad_rules": N_("Not accepted: send the text of the rules or an http(s) address."),
    "hours_off_grid": N_("Not accepted: times are on a 15-minute grid (:00, :15, :30, :45)."),
    "date_in_past": N_("Not accepted: this date has passed."),
}


def studio_help() -> str:
    """The owners' commands, after the admin commands in /admin."""
    lines = "\n".join(escape(_(USAGES[name])) for name, _text in STUDIO_COMMANDS)
    return "\n\n" + _("<b>Owners: the studio</b>") + "\n" + lines


def usage(command: str) -> str:
    return _("Usage:\n{usage}").format(usage=escape(_(USAGES[command])))


def refusal(error: DomainError, arg: str, what: str = "", command: str = "") -> str:
    """The refusal in the owner's language (the use cases' own messages are the API's);
    `what` was changed ("photo", "band", "new"…) when the refusal depends on it."""
    if error.code in CONFLICTS:
        codes = escape(str(error.details.get("bookings", "")))
        return _(CONFLICTS[error.code]).format(codes=codes, command=escape(command))
    text = REFUSALS.get(f"{error.code}:{what}") or REFUSALS.get(error.code)
    if text is not None:
        return _(text).format(arg=escape(arg))
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


def hours_changed_text(hours: dict[str, Any]) -> str:
    return _("🕘 Hours changed; bookings already made stand.") + "\n\n" + hours_text(hours)


def rules_text(version: str) -> str:
    return _(
        "📜 New rules in force, version {version}. Clients accept them with their next booking."
    ).format(version=escape(version))
