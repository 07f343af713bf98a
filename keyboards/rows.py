"""Laying buttons out in rows without aiogram's KeyboardBuilder, whose every `add` deep-copies
the whole markup (quadratic: ~20 ms for a 40-button keyboard, measured)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import Any, ParamSpec

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

SHARED_KEYBOARDS = 512
P = ParamSpec("P")


def shared(build: Callable[P, InlineKeyboardMarkup]) -> Callable[P, InlineKeyboardMarkup]:
    """Many users see the same keyboards (one hall's month, one day's starts), and a markup
    is only read once built: identical keyword arguments get the same markup object."""
    built: dict[tuple[Any, ...], InlineKeyboardMarkup] = {}

    @functools.wraps(build)
    def cached(*args: P.args, **kwargs: P.kwargs) -> InlineKeyboardMarkup:
        key = (
            _hashable(args),
            tuple((name, _hashable(kwargs[name])) for name in sorted(kwargs)),
        )
        markup = built.get(key)
        if markup is None:
            if len(built) >= SHARED_KEYBOARDS:
                built.clear()
            markup = built[key] = build(*args, **kwargs)
        return markup

    return cached


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, Set):
        return frozenset(value)
    if isinstance(value, list | tuple):
        return tuple(_hashable(item) for item in value)
    return value


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def in_rows(
    buttons: Sequence[InlineKeyboardButton], width: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def markup(*rows: Iterable[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """A keyboard of the given rows (empty ones dropped)."""
    kept = [list(row) for row in rows]
    return InlineKeyboardMarkup(inline_keyboard=[row for row in kept if row])


def column(buttons: Iterable[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """One button per row."""
    return [[b] for b in buttons]
