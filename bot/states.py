"""FSM states: only the steps that wait for typed input. Beside them the FSM data keeps the
picker's `cart` (people, add-ons, promo code of one pick: handlers/booking_extras.py)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class BookingForm(StatesGroup):
    """After the gateway: an optional e-mail, then the phone, then the hold is made.

    Data: `pick` (Pick.as_list()), `email`, `picker` (message id of the picker),
    `keyboard` (whether the contact-sharing keyboard is shown).
    """

    email = State()
    phone = State()
    #: The promo code typed on the summary (data: `promo_pick`, and the `cart`).
    promo = State()


class PhoneBookingForm(StatesGroup):
    """An admin books for a client (/new): the clients' picker up to the length, then the
    people coming (where the hall counts them), the client's name, phone and optional
    e-mail, then how it is settled.

    Data: `pick` ([hall_id, start, minutes]) from the length on, then `guests`, `name`, `phone`,
    `email`, and `picker` (the message id of the screen to edit).
    """

    calendar = State()
    guests = State()
    name = State()
    phone = State()
    email = State()
    settle = State()
