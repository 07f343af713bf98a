"""The JSON of what is sold beside hall time: add-ons, guests, rules, price lines.
`api/serializers.py` adds these fields to halls and bookings; the models in
`api/outputs.py` check them like every other field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from booking.offers import photo_urls
from booking.pricing import booking_lines
from db.models import Booking, Hall
from db.sales import Addon, StudioRules
from i18n.lines import titled


def signed_money(kopecks: int) -> dict[str, str]:
    """Money that may be negative (a discount line), written like any other amount."""
    sign, whole = ("-" if kopecks < 0 else ""), abs(kopecks)
    return {"value": f"{sign}{whole // 100}.{whole % 100:02d}", "currency": "RUB"}


def addon_json(addon: Addon) -> dict[str, Any]:
    return {
        "id": addon.slug,
        "title": addon.title,
        "title_en": addon.title_en,
        "price": signed_money(addon.price),
        "per": addon.per,
        "max_quantity": addon.max_quantity,
        "stock": addon.stock,
        "hall_id": addon.hall_id,
    }


def rules_json(rules: StudioRules | None) -> dict[str, Any] | None:
    if rules is None:
        return None
    return {"version": rules.version, "text": rules.text, "text_en": rules.text_en,
            "url": rules.url}  # fmt: skip


def _guest_fee_json(hall: Hall) -> dict[str, Any] | None:
    fee = hall.guest_fee
    if not fee:
        return None
    above = fee.get("above")
    return {
        "per": fee["per"],
        "above": above if above is not None else hall.included_guests,
        "price": signed_money(fee["price"]) if "price" in fee else None,
        "percent": fee.get("percent"),
    }


def hall_sales_fields(hall: Hall, addons: Sequence[Addon], base_url: str) -> dict[str, Any]:
    return {
        "capacity": hall.capacity,
        "included_guests": hall.included_guests,
        "extra_guest_fee": _guest_fee_json(hall),
        "photos": photo_urls(hall, base_url),
        "specs": hall.specs or {},
        "addons": [addon_json(addon) for addon in addons],
    }


def booking_sales_fields(booking: Booking) -> dict[str, Any]:
    lines = booking_lines(booking)
    return {
        "guests": booking.guests,
        "addons": [
            {"id": line["addon_id"], "quantity": line["quantity"]}
            for line in lines
            if line["kind"] == "addon"
        ],
        "price_lines": lines_json(lines),
        "rules_version": booking.rules_version,
    }


def lines_json(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Price lines as the API shows them (a booking's, or a quote's)."""
    return [_line_json(line) for line in lines]


def _line_json(line: dict[str, Any]) -> dict[str, Any]:
    title, title_en = titled(line)
    return {
        "kind": line["kind"],
        "title": title,
        "title_en": title_en,
        "amount": signed_money(line["amount"]),
        **{key: line[key] for key in ("addon_id", "quantity", "code") if key in line},
    }
