"""Buttons of the steps beside hall time: the people coming, add-ons, the promo code.

Like the rest of the picker each button carries the pick (hall, start, length); what the
client chose so far lives in the FSM data (handlers/booking_extras.py), so the screen is
rebuilt from there and never from the keyboard that was pressed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from keyboards.callbacks import Pick, SlotCallback
from keyboards.rows import button, column, in_rows


class GuestsCallback(CallbackData, prefix="gs"):
    hall_id: int
    start: int
    minutes: int
    guests: int


class AddonCallback(CallbackData, prefix="ao"):
    """+1 / −1 of an add-on (a toggle is +1 or −1 of one); addon 0 with delta 0 is "Next"."""

    hall_id: int
    start: int
    minutes: int
    addon: int  # the add-on's row id
    delta: int


class StepCallback(CallbackData, prefix="sp"):
    """Back to an earlier step beside hall time: "guests" or "addons"."""

    hall_id: int
    start: int
    minutes: int
    step: str


def back_to(pick: Pick, step: str | None) -> CallbackData:
    """Back to `step`, or to the durations when there is none before."""
    if step is None:
        return SlotCallback(hall_id=pick.hall_id, start=pick.start)
    return StepCallback(hall_id=pick.hall_id, start=pick.start, minutes=pick.minutes, step=step)


class PromoCallback(CallbackData, prefix="pc"):
    """ "I have a promo code" (ask) or "Without a promo code" (drop)."""

    hall_id: int
    start: int
    minutes: int
    action: str


@dataclass(frozen=True, slots=True)
class AddonButton:
    """One add-on as offered: its row id, label, how many are chosen and the most allowed."""

    id: int
    label: str
    chosen: int
    most: int
    countable: bool  # per unit: − and +; otherwise a toggle


def guests_keyboard(pick: Pick, capacity: int, chosen: int, back: str) -> InlineKeyboardMarkup:
    """1 … capacity, five in a row, the chosen number marked; Back to the durations."""
    buttons = [
        button(
            f"• {n} •" if n == chosen else str(n),
            GuestsCallback(hall_id=pick.hall_id, start=pick.start, minutes=pick.minutes, guests=n),
        )
        for n in range(1, capacity + 1)
    ]
    rows = in_rows(buttons, 5)
    rows.append([button(back, SlotCallback(hall_id=pick.hall_id, start=pick.start))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _step(pick: Pick, addon: int, delta: int) -> AddonCallback:
    return AddonCallback(
        hall_id=pick.hall_id, start=pick.start, minutes=pick.minutes, addon=addon, delta=delta
    )


def addons_keyboard(
    pick: Pick, items: Sequence[AddonButton], *, next_label: str, back: str, back_step: str | None
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for item in items:
        if item.countable:
            row = [button(f"{item.label}: {item.chosen}", _step(pick, item.id, 0))]
            if item.chosen > 0:
                row.insert(0, button("−", _step(pick, item.id, -1)))
            if item.chosen < item.most:
                row.append(button("+", _step(pick, item.id, 1)))
            rows.append(row)
        else:
            mark = "✅ " if item.chosen else ""
            rows.append(
                [button(mark + item.label, _step(pick, item.id, -1 if item.chosen else 1))]
            )
    rows += column([button(next_label, _step(pick, 0, 0))])
    rows.append([button(back, back_to(pick, back_step))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def promo_button(pick: Pick, label: str, action: str) -> InlineKeyboardButton:
    return button(
        label,
        PromoCallback(hall_id=pick.hall_id, start=pick.start, minutes=pick.minutes, action=action),
    )
