"""What a client reads of a hall beside its prices: its name and description in the client's
language, the people it takes and what more cost, its size and equipment as the studio
file states them, and the add-ons offered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db.models import Hall
from db.sales import Addon
from i18n.catalogs import N_, current_language
from i18n.catalogs import gettext as _
from i18n.formats import money

#: How an add-on's price reads after the amount.
PER = {"booking": N_(" a booking"), "hour": N_("/h"), "unit": N_(" each")}


def hall_name(hall: Hall) -> str:
    return hall.name_en if current_language() == "en" and hall.name_en else hall.name


def hall_description(hall: Hall) -> str:
    english = current_language() == "en" and hall.description_en
    return hall.description_en if english else hall.description


def _guest_fee(fee: dict[str, Any], above: int) -> str:
    if fee["per"] == "person_hour":
        text = _("+{price} an hour for each person over {above}")
        return text.format(price=money(int(fee["price"])), above=above)
    if fee["per"] == "person_booking":
        text = _("+{price} for each person over {above}")
        return text.format(price=money(int(fee["price"])), above=above)
    return _("+{percent}% of the hall time over {above} people").format(
        percent=fee["percent"], above=above
    )


def people_line(hall: Hall) -> str:
    """ "Up to 15 people; the price covers 4; +500 ₽ an hour for each person over 4"."""
    parts = []
    if hall.capacity:
        parts.append(_("👥 Up to {capacity} people").format(capacity=hall.capacity))
    if hall.included_guests:
        parts.append(_("the price covers {included}").format(included=hall.included_guests))
    if hall.guest_fee:
        above = hall.guest_fee.get("above")
        parts.append(
            _guest_fee(hall.guest_fee, above if above is not None else hall.included_guests or 0)
        )
    return "; ".join(parts)


def specs_line(hall: Hall) -> str:
    """The specs a client chooses by: area, ceiling, cyclorama, equipment (other keys of
    the studio file are for the API)."""
    specs = hall.specs or {}
    parts = []
    if specs.get("area_m2"):
        parts.append(_("{area} m²").format(area=specs["area_m2"]))
    if specs.get("ceiling_m"):
        parts.append(_("ceiling {height} m").format(height=specs["ceiling_m"]))
    if specs.get("cyclorama"):
        parts.append(_("cyclorama {size}").format(size=specs["cyclorama"]))
    equipment = specs.get("equipment")
    if isinstance(equipment, list) and equipment:
        parts.append(", ".join(str(item) for item in equipment))
    return "📐 " + " · ".join(parts) if parts else ""


def addons_line(addons: Sequence[Addon]) -> str:
    if not addons:
        return ""
    english = current_language() == "en"
    items = [
        f"{a.title_en if english and a.title_en else a.title} {money(a.price)}{_(PER[a.per])}"
        for a in addons
    ]
    return _("➕ Extras: {items}").format(items="; ".join(items))


def hall_extras(hall: Hall, addons: Sequence[Addon]) -> str:
    return "\n".join(
        line for line in (people_line(hall), specs_line(hall), addons_line(addons)) if line
    )
