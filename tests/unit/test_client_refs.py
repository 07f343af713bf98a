"""How an admin names a client in /block and /unblock: a phone, a Telegram id or a booking
code, told apart by their shape."""

from __future__ import annotations

import pytest

from booking.blocks import ClientRef


@pytest.mark.parametrize(
    ("token", "ref"),
    [
        ("+79991234567", ClientRef(phone="+79991234567")),
        ("89991234567", ClientRef(phone="89991234567")),
        ("79991234567", ClientRef(phone="79991234567")),
        ("+44207946000", ClientRef(phone="+44207946000")),
        ("123456789", ClientRef(telegram_id=123456789)),
        ("7123456789", ClientRef(telegram_id=7123456789)),
        ("K7M2QX9D", ClientRef(booking_code="K7M2QX9D")),
        ("١٢٣", ClientRef(booking_code="١٢٣")),  # other scripts' digits are no id
    ],
)
def test_parse(token: str, ref: ClientRef) -> None:
    assert ClientRef.parse(token) == ref
