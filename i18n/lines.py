"""Titles of a booking's price lines in a language. Hall and add-on lines carry the
studio's own titles (Russian and English) as they were when booked; the lines of guests,
discounts and certificates carry their figures, worded here from the catalogs."""

from __future__ import annotations

from typing import Any

from i18n.catalogs import gettext, language_of
from i18n.formats import money


def line_title(line: dict[str, Any], lang: str | None) -> str:
    lang = language_of(lang)
    kind = line["kind"]
    if kind == "guests":
        return gettext("Guests over {above}: {extra}", lang=lang).format(
            above=line["above"], extra=line["guests"] - line["above"]
        )
    if kind == "discount":
        return gettext("Promo code {code}", lang=lang).format(code=line["code"])
    if kind == "certificate":
        return gettext("Gift certificate {code}", lang=lang).format(code=line["code"])
    if kind == "overtime":
        return gettext("Overtime: {minutes} min", lang=lang).format(minutes=line["minutes"])
    title = str(line["title_en"] if lang == "en" and line["title_en"] else line["title"])
    return title or gettext("Hall rent", lang=lang)


def titled(line: dict[str, Any]) -> tuple[str, str]:
    """The line's title in Russian and in English."""
    return line_title(line, "ru"), line_title(line, "en")


def lines_text(lines: list[dict[str, Any]], lang: str | None) -> str:
    """The price line by line, as a client reads it: "• Гримёрное место: 600 ₽", discounts
    with a minus, add-ons taken more than once with their number."""
    rows = []
    for line in lines:
        title = line_title(line, lang)
        if line["kind"] == "addon" and int(line.get("quantity") or 1) > 1:
            title += f" × {line['quantity']}"
        amount = int(line["amount"])
        sign = "−" if amount < 0 else ""
        rows.append(f"• {title}: {sign}{money(abs(amount), language_of(lang))}")
    return "\n".join(rows)
