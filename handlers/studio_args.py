"""The arguments of the owners' studio commands (`/hours`, `/hall`, `/addon`): clock spans,
weekdays, counts, and the free text after a few words (a name, a description), kept as
typed. A bad argument raises BadArguments, answered with the command's usage."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.studio_file import WEEKDAYS
from handlers.admin_args import BadArguments
from settings import Settings

RU_WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
ALL_DAYS = frozenset({"all", "все", "всё", "ежедневно", "daily"})
CLOSED = frozenset({"closed", "off", "выходной", "закрыто", "нет"})
NONE = frozenset({"none", "нет", "-", "0"})
FORCE = frozenset({"force", "!"})
MAX_NAME = 200
_SPAN = re.compile(r"^(\d{1,2}(?::\d{2})?)[-–—](\d{1,2}(?::\d{2})?)$")
#: A command's handler: (message, its words, session, deps, settings) -> the answer.
Handler = Callable[[Message, list[str], AsyncSession, BookingDeps, Settings], Awaitable[str]]


def owner_id(message: Message) -> int:
    """Who the event log names for the change."""
    return message.from_user.id if message.from_user else 0


def text_after(message: Message, words: int) -> str:
    """The text after the command and its first `words` arguments, lines kept."""
    parts = (message.text or message.caption or "").split(maxsplit=words + 1)
    return parts[words + 1].strip() if len(parts) > words + 1 else ""


def one_line(message: Message, words: int, longest: int = MAX_NAME) -> str:
    """A name: one line of text after the command's first `words` arguments."""
    text = text_after(message, words)
    if not text or "\n" in text or len(text) > longest:
        raise BadArguments
    return text


def _clock(text: str) -> str:
    hours, _sep, minutes = text.partition(":")
    return f"{int(hours):02d}:{minutes or '00'}"


def parse_span(tokens: list[str]) -> list[str] | None:
    """["10:00-22:00"] or ["10:00", "22:00"] (or "10-22"); None for a closed day."""
    if len(tokens) == 1 and tokens[0].lower() in CLOSED:
        return None
    joined = "-".join(tokens) if len(tokens) == 2 else "".join(tokens)
    match = _SPAN.match(joined)
    if match is None:
        raise BadArguments
    return [_clock(match.group(1)), _clock(match.group(2))]


def weekday(token: str) -> str | None:
    """ "mon", "monday", "пн" → "mon"; None for anything else."""
    day = token.lower()
    if day[:3] in WEEKDAYS and day.isascii():
        return day[:3]
    if day[:2] in RU_WEEKDAYS and len(day) <= 11:
        return WEEKDAYS[RU_WEEKDAYS.index(day[:2])]
    return None


def parse_weekdays(token: str) -> list[str]:
    """ "пн-пт", "sat,sun", "all" → the file's weekday names, in week order."""
    if token.lower() in ALL_DAYS:
        return list(WEEKDAYS)
    days: set[int] = set()
    for part in token.split(","):
        first, dash, last = part.partition("-")
        start, end = weekday(first), weekday(last) if dash else weekday(first)
        if start is None or end is None:
            raise BadArguments
        a, b = WEEKDAYS.index(start), WEEKDAYS.index(end)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    return [WEEKDAYS[day] for day in sorted(days)]


def count(token: str, *, allow_none: bool = False) -> int | None:
    """A whole number (or None for "none" when allowed)."""
    if allow_none and token.lower() in NONE:
        return None
    if not token.isdigit() or len(token) > 5:
        raise BadArguments
    return int(token)
