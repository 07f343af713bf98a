"""Free start times of one day on the 15-minute grid, grouped by part of the day when many.

A day can offer ~56 starts; more than `FLAT_LIMIT` are split into morning / afternoon /
evening pages with tabs, so a keyboard stays far below Telegram's 100 buttons and readable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from keyboards.callbacks import DayCallback, MonthCallback, NoopCallback, SlotCallback

FLAT_LIMIT = 24
PER_ROW = 4
# Part of the day -> [from, to) local minutes.
PARTS: Mapping[int, tuple[int, int]] = {1: (0, 12 * 60), 2: (12 * 60, 17 * 60), 3: (17 * 60, 1440)}


@dataclass(frozen=True, slots=True)
class Start:
    """A free start: `at` in epoch minutes (for the button), `local` minute of the day."""

    at: int
    local: int

    @property
    def label(self) -> str:
        return f"{self.local // 60:02d}:{self.local % 60:02d}"


def split_by_part(starts: Sequence[Start]) -> dict[int, list[Start]]:
    """Non-empty parts of the day, in order."""
    parts: dict[int, list[Start]] = {}
    for start in starts:
        part = next(p for p, (lo, hi) in PARTS.items() if lo <= start.local < hi)
        parts.setdefault(part, []).append(start)
    return parts


def shown_part(starts: Sequence[Start], wanted: int) -> int:
    """0 when the whole day fits on one page, else `wanted` if it has starts, else the first."""
    if len(starts) <= FLAT_LIMIT:
        return 0
    parts = split_by_part(starts)
    return wanted if wanted in parts else next(iter(parts))


def slots_keyboard(
    *,
    hall_id: int,
    day: int,
    month: int,
    starts: Sequence[Start],
    part: int,
    part_labels: Mapping[int, str],
    back: str,
) -> InlineKeyboardMarkup:
    """Tabs for the parts of the day (when split), the starts of the shown part, Back."""
    rows: list[list[InlineKeyboardButton]] = []
    visible = list(starts)
    if part:
        parts = split_by_part(starts)
        tabs = []
        for number, items in parts.items():
            label = f"{part_labels[number]} ({len(items)})"
            data = (
                NoopCallback(what="part")
                if number == part
                else DayCallback(hall_id=hall_id, day=day, part=number)
            )
            tabs.append(
                InlineKeyboardButton(
                    text=f"• {label} •" if number == part else label, callback_data=data.pack()
                )
            )
        rows.append(tabs)
        visible = parts[part]
    for offset in range(0, len(visible), PER_ROW):
        rows.append(
            [
                InlineKeyboardButton(
                    text=start.label,
                    callback_data=SlotCallback(hall_id=hall_id, start=start.at).pack(),
                )
                for start in visible[offset : offset + PER_ROW]
            ]
        )
    back_data = MonthCallback(hall_id=hall_id, month=month).pack()
    rows.append([InlineKeyboardButton(text=back, callback_data=back_data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
