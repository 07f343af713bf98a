"""Payment choices, the e-mail and phone steps, and the Pay link."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from keyboards.callbacks import BookingCallback, MyListCallback, Pick, SlotCallback
from keyboards.rows import button, column, markup


def mode_keyboard(
    pick: Pick, *, prepay_label: str | None, full_label: str, back: str
) -> InlineKeyboardMarkup:
    """Prepayment (when it is less than the price) or the full price; Back to durations."""
    buttons = []
    if prepay_label is not None:
        buttons.append(button(prepay_label, pick.with_mode("prepay")))
    buttons.append(button(full_label, pick.with_mode("full")))
    buttons.append(button(back, SlotCallback(hall_id=pick.hall_id, start=pick.start)))
    return markup(*column(buttons))


def free_keyboard(pick: Pick, *, confirm: str, gateway: str, back: str) -> InlineKeyboardMarkup:
    """Nothing left to pay (a code covers the price): Confirm, with no gateway to choose,
    and Back to the durations."""
    confirm_button = button(
        confirm, Pick(pick.hall_id, pick.start, pick.minutes, "full").with_gateway(gateway)
    )
    return markup(
        [confirm_button], [button(back, SlotCallback(hall_id=pick.hall_id, start=pick.start))]
    )


def gateway_keyboard(
    pick: Pick, gateways: Sequence[tuple[str, str]], back: str
) -> InlineKeyboardMarkup:
    """`gateways` are (code, label); Back to the summary (a mode that is none)."""
    buttons = [button(label, pick.with_gateway(code)) for code, label in gateways]
    return markup(*column([*buttons, button(back, pick.with_mode("-"))]))


def rules_keyboard(
    pick: Pick, *, accept: str, back: str, read: str | None, url: str | None
) -> InlineKeyboardMarkup:
    """The rules' link (when they are a page), "I accept", and Back to the gateways."""
    rows: list[list[InlineKeyboardButton]] = []
    if url and read:
        rows.append([InlineKeyboardButton(text=read, url=url)])
    rows += column([button(accept, pick.accept_rules()), button(back, pick.with_mode(pick.mode))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def email_keyboard(
    pick: Pick, *, saved_label: str | None, skip: str, back: str
) -> InlineKeyboardMarkup:
    buttons = [button(saved_label, pick.contact("mail"))] if saved_label is not None else []
    buttons += [button(skip, pick.contact("skip")), button(back, pick.with_mode(pick.mode))]
    return markup(*column(buttons))


def phone_keyboard(pick: Pick, *, saved_label: str | None, back: str) -> InlineKeyboardMarkup:
    """On the picker: use the saved phone (creates the booking), or Back to the e-mail."""
    buttons = [button(saved_label, pick.contact("phone"))] if saved_label is not None else []
    buttons.append(button(back, pick.with_gateway(pick.gateway)))
    return markup(*column(buttons))


def share_phone_keyboard(label: str, placeholder: str) -> ReplyKeyboardMarkup:
    """The contact-sharing button under the input field; typing the number works too."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=label, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=placeholder[:64],
    )


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def pay_keyboard(
    booking_id: int,
    *,
    url: str | None,
    pay_label: str,
    retry_label: str,
    cancel_label: str,
    my_label: str,
) -> InlineKeyboardMarkup:
    """The Pay link (or "try again" when the gateway failed), cancel, my bookings."""
    rows: list[list[InlineKeyboardButton]] = []
    if url:
        rows.append([InlineKeyboardButton(text=pay_label, url=url)])
    else:
        data = BookingCallback(action="pay", booking_id=booking_id).pack()
        rows.append([InlineKeyboardButton(text=retry_label, callback_data=data)])
    cancel = BookingCallback(action="cancel", booking_id=booking_id).pack()
    show = MyListCallback(past=False).pack()
    rows.append(
        [
            InlineKeyboardButton(text=cancel_label, callback_data=cancel),
            InlineKeyboardButton(text=my_label, callback_data=show),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def without_url_buttons(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """The same keyboard minus URL buttons, for a Bot API server that refuses the URL."""
    rows = [[b for b in row if b.url is None] for row in markup.inline_keyboard]
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
