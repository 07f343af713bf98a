"""The month calendar of one hall: free days, full days, days not offered, ‹ › months.

A full day (✖) is a button, its day offers the waitlist; a day that no booking letting go
could open (closed, past, no start left today) is a · that only answers with a hint."""

from __future__ import annotations

import calendar
from collections.abc import Collection, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from keyboards.callbacks import DayCallback, MenuCallback, MonthCallback, NoopCallback, to_day

BLANK = "\u2800"  # Telegram needs a non-empty button text; this one shows as empty
FULL = "✖"
NOT_OFFERED = "·"


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_of(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def _noop(text: str, what: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=NoopCallback(what=what).pack())


def calendar_keyboard(
    *,
    hall_id: int,
    year: int,
    month: int,
    free_days: Collection[int],
    full_days: Collection[int],
    weekdays: Sequence[str],
    title: str,
    can_go_back: bool,
    can_go_forward: bool,
    back: str,
    web_app: tuple[str, str] | None = None,
    back_to: str = "book",
) -> InlineKeyboardMarkup:
    """A 7-column month grid: free days are buttons, full days ✖ buttons, the rest ·.

    `web_app` (text, https URL) adds a button opening the booking page as a Mini App.
    `back_to`: the menu action of "‹ Back" (the halls of a new booking, or of a move).
    """
    index = month_index(year, month)
    rows: list[list[InlineKeyboardButton]] = [
        [
            InlineKeyboardButton(
                text="‹", callback_data=MonthCallback(hall_id=hall_id, month=index - 1).pack()
            )
            if can_go_back
            else _noop(BLANK, "edge"),
            _noop(title, "month"),
            InlineKeyboardButton(
                text="›", callback_data=MonthCallback(hall_id=hall_id, month=index + 1).pack()
            )
            if can_go_forward
            else _noop(BLANK, "edge"),
        ],
        [_noop(name, "weekday") for name in weekdays],
    ]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(_noop(BLANK, "pad"))
            elif day.day in free_days:
                data = DayCallback(hall_id=hall_id, day=to_day(day))
                row.append(InlineKeyboardButton(text=str(day.day), callback_data=data.pack()))
            elif day.day in full_days:  # its day offers the waitlist
                data = DayCallback(hall_id=hall_id, day=to_day(day))
                row.append(InlineKeyboardButton(text=FULL, callback_data=data.pack()))
            else:
                row.append(_noop(NOT_OFFERED, "closed"))
        rows.append(row)
    if web_app is not None:
        text, url = web_app
        rows.append([InlineKeyboardButton(text=text, web_app=WebAppInfo(url=url))])
    back_data = MenuCallback(action=back_to).pack()
    rows.append([InlineKeyboardButton(text=back, callback_data=back_data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
