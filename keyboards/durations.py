"""Lengths that fit at the chosen start (before the next booking, a closure or closing)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from keyboards.callbacks import DayCallback, DurationCallback
from keyboards.rows import button, in_rows, markup

PER_ROW = 3


def durations_keyboard(
    *,
    hall_id: int,
    start: int,
    options: Sequence[tuple[int, str]],
    day: int,
    part: int,
    back: str,
) -> InlineKeyboardMarkup:
    """`options` are (minutes, label); Back returns to the day's start times."""
    buttons = [
        button(label, DurationCallback(hall_id=hall_id, start=start, minutes=minutes))
        for minutes, label in options
    ]
    back_button = button(back, DayCallback(hall_id=hall_id, day=day, part=part))
    return markup(*in_rows(buttons, PER_ROW), [back_button])
