"""Money, dates and lengths as a reader of the language expects them (CLDR data via Babel):
"2 500 ₽" and "ср, 9 декабря" in Russian, "2,500 ₽" and "Wed, 9 December" in English."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Literal

from babel.dates import format_date, get_day_names, get_month_names
from babel.numbers import format_decimal

from i18n.catalogs import current_language
from i18n.catalogs import gettext as _

NBSP = "\u00a0"


def amount(kopecks: int, lang: str | None = None) -> str:
    """Rubles without the sign: "2 500", "2 500,50" (English: "2,500", "2,500.50")."""
    pattern = "#,##0.00" if kopecks % 100 else "#,##0"
    text = format_decimal(Decimal(kopecks) / 100, pattern, locale=lang or current_language())
    return text.replace(NBSP, " ")


def money(kopecks: int, lang: str | None = None) -> str:
    """Rubles with the sign, kept on one line: "2 500 ₽"."""
    return f"{amount(kopecks, lang)} ₽".replace(" ", NBSP)


def day(value: dt.date, lang: str | None = None) -> str:
    """The weekday and the date: "чт, 3 декабря", "Thu, 3 December"."""
    return format_date(value, "EEE, d MMMM", locale=lang or current_language())


#: A date with its year, as each language writes it in a message: "03.12.2026" in Russian,
#: "Thu, 3 December 2026" in English (whose readers differ on the order of numbers).
_WITH_YEAR = {"ru": "dd.MM.y", "en": "EEE, d MMMM y"}


def date_with_year(value: dt.date, lang: str | None = None) -> str:
    lang = lang or current_language()
    return format_date(value, _WITH_YEAR[lang], locale=lang)


def day_month(value: dt.date) -> str:
    return f"{value:%d.%m}"


def time(moment: dt.datetime) -> str:
    return f"{moment:%H:%M}"


@functools.cache
def weekdays(lang: str, width: Literal["abbreviated", "short"] = "abbreviated") -> tuple[str, ...]:
    """Monday first, capitalised: ("Пн", ...) or ("Mon", ...); width "short" gives "Mo"."""
    names = get_day_names(width, context="stand-alone", locale=lang)
    return tuple(names[number].capitalize() for number in range(7))


@functools.cache
def _months(lang: str) -> tuple[str, ...]:
    names = get_month_names("wide", context="stand-alone", locale=lang)
    return tuple(names[number].capitalize() for number in range(1, 13))


def month_title(year: int, month: int, lang: str | None = None) -> str:
    """ "Декабрь 2026", "December 2026"."""
    return f"{_months(lang or current_language())[month - 1]} {year}"


def duration(minutes: int) -> str:
    """ "2 ч", "2 ч 30 мин", "45 мин" (abbreviations need no plural forms)."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("{m} min").format(m=rest)
    if not rest:
        return _("{h} h").format(h=hours)
    return _("{h} h {m} min").format(h=hours, m=rest)


def clock(minute: int) -> str:
    """A minute of the day as "09:30"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
