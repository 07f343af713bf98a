"""The arguments of admin commands: dates ("2026-12-05", "05.12.2026", "завтра"), times,
money in rubles, periods and stats ranges. A bad argument raises BadArguments, which the
admin router answers with the command's usage line."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters import CommandObject

from booking.domain.calendar import SUPPORTED_YEARS
from db.models import MAX_ROW_ID

DAY_WORDS = {"сегодня": 0, "today": 0, "завтра": 1, "tomorrow": 1, "вчера": -1, "yesterday": -1}
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_MONEY = re.compile(r"^(\d{1,9})(?:[.,](\d{1,2}))?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ID = re.compile(r"^[0-9]{1,10}$")


class BadArguments(Exception):
    """The command's arguments do not parse; the usage line is the answer."""


def args_of(command: CommandObject, minimum: int = 0) -> list[str]:
    args = (command.args or "").split()
    if len(args) < minimum:
        raise BadArguments
    return args


def rest_of(command: CommandObject, skip: int) -> str:
    """The free text after the first `skip` arguments (a reason), spacing kept."""
    parts = (command.args or "").split(maxsplit=skip)
    return parts[skip].strip() if len(parts) > skip else ""


def parse_id(token: str) -> int | None:
    """A row id: ASCII digits that fit the database's integer columns."""
    return int(token) if _ID.match(token) and int(token) <= MAX_ROW_ID else None


def parse_date(token: str, today: date) -> date | None:
    if token.lower() in DAY_WORDS:
        return today + timedelta(days=DAY_WORDS[token.lower()])
    dotted = _DOTTED.match(token)
    try:
        if dotted:
            day, month, year = (int(x) for x in dotted.groups())
            parsed = date(year, month, day)
        elif len(token) == 10:
            parsed = date.fromisoformat(token)
        else:
            return None
    except ValueError:
        return None
    return parsed if parsed.year in SUPPORTED_YEARS else None


def parse_time(token: str) -> int | None:
    """Minutes since midnight of "HH:MM" (24:00 is the end of the day)."""
    match = _TIME.match(token)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    value = hours * 60 + minutes
    return value if minutes < 60 and value <= 24 * 60 else None


def parse_money(token: str) -> int | None:
    """Kopecks of "2500", "2500.50" or "2500,5" rubles (a trailing ₽ is fine)."""
    match = _MONEY.match(token.rstrip("₽").strip())
    if match is None:
        return None
    return int(Decimal(f"{match.group(1)}.{match.group(2) or 0}") * 100)


def local_moment(day: date, minute: int, tz: ZoneInfo) -> datetime:
    day += timedelta(days=minute // (24 * 60))
    minute %= 24 * 60
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)


def parse_period(
    tokens: list[str], today: date, tz: ZoneInfo
) -> tuple[datetime, datetime, list[str]]:
    """``date [time] [date] [time]`` → (start, end, the tokens after them).

    A start without a time is its midnight; an end without a time is the end of its day; a
    lone date is that whole day; a lone end time is on the start's day.
    """
    rest = list(tokens)

    def take(parse: Callable[[str], Any]) -> Any:
        value = parse(rest[0]) if rest else None
        if value is not None:
            rest.pop(0)
        return value

    first = take(lambda s: parse_date(s, today))
    if first is None:
        raise BadArguments
    first_minute = take(parse_time)
    last = take(lambda s: parse_date(s, today))
    last_minute = take(parse_time)
    if last is None and last_minute is None:
        if first_minute is not None:
            raise BadArguments  # "from 10:00" with no end
        last, last_minute = first, 24 * 60
    start = local_moment(first, first_minute or 0, tz)
    end = local_moment(last or first, 24 * 60 if last_minute is None else last_minute, tz)
    return start, end, rest


def parse_stats_range(tokens: list[str], today: date) -> tuple[date, date]:
    """Nothing: this month; ``2026-12``: that month; one or two dates: those days."""
    month = _MONTH.match(tokens[0]) if len(tokens) == 1 else None
    if tokens and month is None:
        days = [d for d in (parse_date(token, today) for token in tokens) if d is not None]
        if len(days) != len(tokens) or len(days) > 2:
            raise BadArguments
        return days[0], days[-1]
    try:
        first = (
            date(int(month.group(1)), int(month.group(2)), 1) if month else today.replace(day=1)
        )
    except ValueError:
        raise BadArguments from None
    if first.year not in SUPPORTED_YEARS:
        raise BadArguments
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)
