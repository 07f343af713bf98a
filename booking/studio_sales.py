"""The studio file's selling parts: a hall's capacity, guests, photos and specs; add-ons;
the studio's rules. Each is checked here, so a bad file stops the start with the place of
the mistake instead of a booking failing later."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from booking.domain.charges import GUEST_FEE_KINDS, PER_CHOICES
from booking.latin import english_name
from db.models import Hall
from db.sales import Addon, StudioRules

#: Photos shipped with the studio file live in this folder beside it and are served at
#: /studio/photos/<name> (api/photos.py); anything else must be an absolute http(s) URL.
PHOTOS_DIR = "photos"
PHOTO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(jpg|jpeg|png|webp)")
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class StudioFileError(ValueError):
    """The studio file is malformed; the message says where."""


#: The dearest price a studio sets (rubles): more is a typo, and would not fit the database.
MAX_PRICE_RUBLES = 1_000_000


def kopecks(text: str | int) -> int:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise StudioFileError(f"bad price {text!r}") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise StudioFileError(f"bad price {text!r}")
    if value > MAX_PRICE_RUBLES:
        raise StudioFileError(f"bad price {text!r}: at most {MAX_PRICE_RUBLES} rubles")
    return int(value * 100)


def _count(item: dict[str, Any], key: str, where: str, *, minimum: int = 0) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise StudioFileError(f"{where}: {key} must be a whole number of at least {minimum}")
    return value


def photo_path(name: str, studio_dir: Path) -> Path | None:
    """The file of a shipped photo name, or None for a name that cannot be one."""
    if not PHOTO_NAME.fullmatch(name):
        return None
    return studio_dir / PHOTOS_DIR / name


def copy_photos(halls: list[dict[str, Any]], studio_dir: Path, target_dir: Path) -> list[str]:
    """Copy the shipped photos the halls show into `target_dir`'s photos folder, so a studio
    file written there loads as it is (a file of that name already there is kept). Returns
    the names copied."""
    if target_dir.resolve() == studio_dir.resolve():
        return []
    copied: list[str] = []
    for hall in halls:
        for entry in hall.get("photos") or []:
            name = str(entry).removeprefix(f"{PHOTOS_DIR}/")
            source = photo_path(name, studio_dir)
            target = target_dir / PHOTOS_DIR / name
            if source is None or not source.is_file() or target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied.append(name)
    return copied


def _photo(entry: Any, where: str, studio_dir: Path) -> str:
    if not isinstance(entry, str):
        raise StudioFileError(f"{where}: a photo is a file name or a URL")
    if entry.startswith(("https://", "http://")):
        return entry
    name = entry.removeprefix(f"{PHOTOS_DIR}/")
    path = photo_path(name, studio_dir)
    if path is None or not path.is_file():
        # The server's own folders stay unnamed: the message may reach an API caller.
        raise StudioFileError(f"{where}: no photo {entry!r} in the studio's {PHOTOS_DIR}/")
    return f"{PHOTOS_DIR}/{name}"


def _guest_fee(item: dict[str, Any], where: str) -> dict[str, Any] | None:
    fee = item.get("extra_guest_fee")
    if fee is None:
        return None
    per = fee.get("per")
    if per not in GUEST_FEE_KINDS:
        kinds = ", ".join(sorted(GUEST_FEE_KINDS))
        raise StudioFileError(f"{where}: extra_guest_fee per must be one of {kinds}")
    parsed: dict[str, Any] = {"per": per, "above": _count(fee, "above", where)}
    if per == "percent":
        parsed["percent"] = _count(fee, "percent", where, minimum=1)
        if parsed["percent"] is None:
            raise StudioFileError(f"{where}: a percent guest fee needs its percent")
    elif fee.get("price") is None:
        raise StudioFileError(f"{where}: a guest fee per {per} needs its price")
    else:
        parsed["price"] = kopecks(fee["price"])
    return parsed


def apply_hall_extras(hall: Hall, item: dict[str, Any], studio_dir: Path) -> None:
    """Capacity, included guests and their fee, photos and specs of one hall."""
    where = f"hall {item.get('slug')}"
    hall.capacity = _count(item, "capacity", where, minimum=1)
    hall.included_guests = _count(item, "included_guests", where, minimum=1)
    if hall.capacity and hall.included_guests and hall.included_guests > hall.capacity:
        raise StudioFileError(f"{where}: included_guests is above capacity")
    hall.guest_fee = _guest_fee(item, where)
    if hall.guest_fee and hall.included_guests is None and hall.guest_fee["above"] is None:
        raise StudioFileError(f"{where}: a guest fee needs included_guests or its own above")
    hall.photos = [_photo(entry, where, studio_dir) for entry in item.get("photos", [])]
    specs = item.get("specs", {})
    if not isinstance(specs, dict):
        raise StudioFileError(f"{where}: specs must be an object")
    hall.specs = specs


def parse_addon(item: dict[str, Any], hall_id: int | None, order: int) -> Addon:
    """An add-on of the studio (`hall_id` None) or of one hall."""
    slug = str(item.get("id", ""))
    where = f"add-on {slug!r}"
    if not SLUG.fullmatch(slug) or slug == "availability":
        raise StudioFileError(f"{where}: id must be lower-case letters, digits, - or _")
    if item.get("per") not in PER_CHOICES:
        raise StudioFileError(f"{where}: per must be one of {', '.join(sorted(PER_CHOICES))}")
    return Addon(
        slug=slug,
        hall_id=hall_id,
        title=str(item["title"]),
        title_en=english_name(item, "title_en", str(item["title"])),
        price=kopecks(item["price"]),
        per=item["per"],
        max_quantity=_count(item, "max_quantity", where, minimum=1) or 1,
        stock=_count(item, "stock", where),
        active=bool(item.get("active", True)),
        sort_order=order,
    )


def parse_rules(data: dict[str, Any]) -> StudioRules | None:
    """The studio's rules: a version, and a text (ru, en) or a URL, or both."""
    rules = data.get("rules")
    if rules is None:
        return None
    version = str(rules.get("version", "")).strip()
    if not version or len(version) > 64:
        raise StudioFileError("rules: a version of 1 to 64 characters is required")
    url = rules.get("url")
    if url is not None and not str(url).startswith(("https://", "http://")):
        raise StudioFileError("rules: url must be an http(s) address")
    text = str(rules.get("text", "")).strip()
    if not text and url is None:
        raise StudioFileError("rules: a text or a url is required")
    return StudioRules(
        version=version, text=text, text_en=str(rules.get("text_en", "")).strip(), url=url
    )
