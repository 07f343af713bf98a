"""The client's bookings: the list, one booking's actions, cancel confirmation, gateways."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from keyboards.callbacks import (
    BookingCallback,
    CancelCallback,
    ExtendCallback,
    MenuCallback,
    MoveCallback,
    MyListCallback,
    PayCallback,
)
from keyboards.rows import button, column, markup


def bookings_keyboard(
    items: Sequence[tuple[int, str]],
    *,
    past: bool,
    switch: str,
    menu: str,
    page: int = 0,
    previous: str | None = None,
    following: str | None = None,
) -> InlineKeyboardMarkup:
    """One booking per row; the neighbouring pages, if any; then upcoming <-> past, and the
    menu."""
    rows = column(
        button(label, BookingCallback(action="show", booking_id=booking_id))
        for booking_id, label in items
    )
    pages = []
    if previous is not None:
        pages.append(button(previous, MyListCallback(past=past, page=page - 1)))
    if following is not None:
        pages.append(button(following, MyListCallback(past=past, page=page + 1)))
    last = [
        button(switch, MyListCallback(past=not past)),
        button(menu, MenuCallback(action="home")),
    ]
    return markup(*rows, *([pages] if pages else []), last)


def booking_keyboard(
    booking_id: int,
    *,
    pay_label: str | None,
    cancel_label: str | None,
    back: str,
    past: bool,
    move_label: str | None = None,
    extend_label: str | None = None,
) -> InlineKeyboardMarkup:
    buttons = []
    if pay_label is not None:
        buttons.append(button(pay_label, BookingCallback(action="pay", booking_id=booking_id)))
    if cancel_label is not None:
        data = BookingCallback(action="cancel", booking_id=booking_id)
        buttons.append(button(cancel_label, data))
    if move_label is not None:
        buttons.append(button(move_label, BookingCallback(action="move", booking_id=booking_id)))
    if extend_label is not None:
        data = BookingCallback(action="extend", booking_id=booking_id)
        buttons.append(button(extend_label, data))
    buttons.append(button(back, MyListCallback(past=past)))
    return markup(*column(buttons))


def cancel_confirm_keyboard(
    booking_id: int, refund: int, *, yes: str, no: str
) -> InlineKeyboardMarkup:
    return markup(
        [button(yes, CancelCallback(booking_id=booking_id, refund=refund))],
        [button(no, BookingCallback(action="show", booking_id=booking_id))],
    )


def pay_gateway_keyboard(
    booking_id: int, gateways: Sequence[tuple[str, str]], back: str
) -> InlineKeyboardMarkup:
    buttons = [
        button(label, PayCallback(booking_id=booking_id, gateway=code)) for code, label in gateways
    ]
    back_button = button(back, BookingCallback(action="show", booking_id=booking_id))
    return markup(*column([*buttons, back_button]))


def extend_keyboard(
    booking_id: int, choices: Sequence[tuple[int, str]], back: str
) -> InlineKeyboardMarkup:
    """How much time to add: one button per choice (minutes, label), then back."""
    buttons = [
        button(label, ExtendCallback(booking_id=booking_id, minutes=minutes))
        for minutes, label in choices
    ]
    return markup(buttons, [button(back, BookingCallback(action="show", booking_id=booking_id))])


def move_confirm_keyboard(
    go: MoveCallback, *, yes: str, another: str, keep: str
) -> InlineKeyboardMarkup:
    """Make the move shown; another time (the day's starts); keep the booking as it is."""
    back = MoveCallback(**(go.model_dump() | {"action": "back"}))
    stay = BookingCallback(action="show", booking_id=go.booking_id)
    return markup([button(yes, go)], [button(another, back)], [button(keep, stay)])
