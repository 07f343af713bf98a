"""The main menu, the hall list and one-button keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from keyboards.callbacks import HallCallback, MenuCallback, PhotosCallback
from keyboards.rows import button, markup


def main_menu_keyboard(
    book: str, my: str, halls: str, help_: str, gift: str
) -> InlineKeyboardMarkup:
    return markup(
        [button(book, MenuCallback(action="book"))],
        [button(my, MenuCallback(action="my"))],
        [button(halls, MenuCallback(action="halls")), button(help_, MenuCallback(action="help"))],
        [button(gift, MenuCallback(action="gift"))],
    )


def halls_keyboard(
    halls: Sequence[tuple[int, str]], back: str, back_data: CallbackData | None = None
) -> InlineKeyboardMarkup:
    """One hall per row (its label carries the price), then Back to the menu (or to
    `back_data`: a moved booking's own screen)."""
    rows = [[button(label, HallCallback(hall_id=hall_id))] for hall_id, label in halls]
    return markup(*rows, [button(back, back_data or MenuCallback(action="home"))])


def hall_choice_keyboard(
    halls: Sequence[tuple[int, str, str | None]], back: str
) -> InlineKeyboardMarkup:
    """Per hall its booking button and, when it has photos, a photos button beside it."""
    rows = [
        [button(label, HallCallback(hall_id=hall_id))]
        + ([button(photos, PhotosCallback(hall_id=hall_id))] if photos else [])
        for hall_id, label, photos in halls
    ]
    return markup(*rows, [button(back, MenuCallback(action="home"))])


def single_button_keyboard(label: str, data: CallbackData) -> InlineKeyboardMarkup:
    return markup([button(label, data)])


def menu_keyboard(label: str, action: str) -> InlineKeyboardMarkup:
    """One button into a menu action under a notice (e.g. "Book again" with an expired
    hold's notice: straight back into the hall list)."""
    return single_button_keyboard(label, MenuCallback(action=action))
