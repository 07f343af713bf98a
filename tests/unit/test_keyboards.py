"""The month and the day's starts as keyboards: free days are buttons, full ones ✖ buttons
(their waitlist), the rest plain ·, and the labels are the ones given (the user's language)."""

from __future__ import annotations

from datetime import date
from typing import Any

from keyboards.calendar import FULL, NOT_OFFERED, calendar_keyboard
from keyboards.callbacks import DayCallback, NoopCallback
from keyboards.slots import Start, slots_keyboard


def month(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "hall_id": 1,
        "year": 2026,
        "month": 12,
        "free_days": frozenset({8, 9}),
        "full_days": frozenset({10}),
        "weekdays": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
        "title": "Декабрь 2026",
        "can_go_back": False,
        "can_go_forward": True,
        "back": "‹ Назад",
    }
    return args | changes


def texts(markup: Any) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]


def test_a_taken_day_is_no_longer_a_button() -> None:
    assert {"8", "9"} <= set(texts(calendar_keyboard(**month())))
    fuller = texts(calendar_keyboard(**month(free_days=frozenset({9}), full_days={8, 10})))
    assert "8" not in fuller and "9" in fuller
    assert fuller.count(FULL) == texts(calendar_keyboard(**month())).count(FULL) + 1


def test_a_full_day_is_a_button_and_a_day_not_offered_is_not() -> None:
    buttons = {
        b.callback_data: b.text
        for row in calendar_keyboard(**month()).inline_keyboard
        for b in row
        if b.callback_data
    }
    full = DayCallback(hall_id=1, day=date(2026, 12, 10).toordinal()).pack()
    assert buttons[full] == FULL and list(buttons.values()).count(FULL) == 1
    assert NOT_OFFERED in texts(calendar_keyboard(**month()))
    not_offered = [data for data, text in buttons.items() if text == NOT_OFFERED]
    assert set(not_offered) == {NoopCallback(what="closed").pack()}


def test_slot_labels_follow_the_language() -> None:
    starts = [Start(at=29_000_000 + 15 * n, local=600 + 15 * n) for n in range(4)]
    args: dict[str, Any] = {
        "hall_id": 1,
        "day": 20_430,
        "month": 24_323,
        "starts": starts,
        "part": 0,
        "part_labels": {1: "Утро", 2: "День", 3: "Вечер"},
        "back": "‹ Назад",
    }
    russian = slots_keyboard(**args)
    assert texts(russian) == ["10:00", "10:15", "10:30", "10:45", "‹ Назад"]
    english = slots_keyboard(**args | {"back": "‹ Back"})
    assert english.inline_keyboard[-1][0].text == "‹ Back"
