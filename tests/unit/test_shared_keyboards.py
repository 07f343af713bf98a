"""Identical keyboards are built once and shared; any difference builds a new one."""

from __future__ import annotations

from typing import Any

from keyboards.calendar import calendar_keyboard
from keyboards.slots import Start, slots_keyboard


def month(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "hall_id": 1,
        "year": 2026,
        "month": 12,
        "free_days": frozenset({8, 9}),
        "offered_days": frozenset(range(2, 32)),
        "weekdays": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
        "title": "Декабрь 2026",
        "can_go_back": False,
        "can_go_forward": True,
        "back": "‹ Назад",
    }
    return args | changes


def test_same_month_same_markup_and_a_taken_day_a_new_one() -> None:
    first = calendar_keyboard(**month())
    assert calendar_keyboard(**month()) is first
    fuller = calendar_keyboard(**month(free_days=frozenset({9})))
    assert fuller is not first
    texts = [b.text for row in fuller.inline_keyboard for b in row]
    assert "8" not in texts and "9" in texts


def test_slots_keyed_by_their_labels_too() -> None:
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
    assert slots_keyboard(**args) is russian
    english = slots_keyboard(**args | {"back": "‹ Back"})
    assert english is not russian
    assert english.inline_keyboard[-1][0].text == "‹ Back"
