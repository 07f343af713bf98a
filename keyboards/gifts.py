"""Buying a gift certificate in the chat: the amounts, the gateways, the Pay link."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from keyboards.callbacks import GiftCallback, MenuCallback
from keyboards.rows import button, column, markup


def gift_amounts_keyboard(amounts: Sequence[tuple[int, str]], back: str) -> InlineKeyboardMarkup:
    """`amounts` are (rubles, label), two to a row; Back to the main menu."""
    buttons = [button(label, GiftCallback(rubles=rubles)) for rubles, label in amounts]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return markup(*rows, [button(back, MenuCallback(action="home"))])


def gift_gateways_keyboard(
    rubles: int, gateways: Sequence[tuple[str, str]], back: str
) -> InlineKeyboardMarkup:
    """`gateways` are (code, label); Back to the amounts."""
    buttons = [
        button(label, GiftCallback(rubles=rubles, gateway=code)) for code, label in gateways
    ]
    return markup(*column([*buttons, button(back, MenuCallback(action="gift"))]))


def gift_pay_keyboard(
    url: str | None, pay: str, retry: str, rubles: int, gateway: str, home: str
) -> InlineKeyboardMarkup:
    """The Pay link (or "try again" when the gateway failed), then the main menu."""
    rows: list[list[InlineKeyboardButton]] = []
    if url:
        rows.append([InlineKeyboardButton(text=pay, url=url)])
    else:
        rows.append([button(retry, GiftCallback(rubles=rubles, gateway=gateway))])
    rows.append([button(home, MenuCallback(action="home"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)
