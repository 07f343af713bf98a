"""Laying buttons out in rows without aiogram's KeyboardBuilder, whose every `add` deep-copies
the whole markup (quadratic: ~20 ms for a 40-button keyboard, measured)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup


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
