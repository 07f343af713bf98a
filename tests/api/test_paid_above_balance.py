"""A prepayment paid twice where the second is more than the balance left: the balance takes
what it owes, the rest goes back, and the client and the admins are told that split."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_superseded_change import ADMIN, channels, kopecks, told
from tests.support import Running

__all__ = ["channels"]  # the module's channels: the client by e-mail, an admin by Telegram


@pytest.fixture
def settings_env() -> dict[str, Any]:
    return {"prepayment_percent": 60}  # two prepayments are more than the price


async def test_a_second_prepayment_pays_the_balance_and_the_rest_goes_back(
    running: Running,
) -> None:
    api = running.api
    booking = await api.booked(mode="prepay")  # 5 000 ₽, 3 000 ₽ to prepay
    await api.paid_twice(booking)
    seen = await api.booking(booking)
    assert seen["status"] == "confirmed"
    assert (kopecks(seen["paid"]), kopecks(seen["refunded"])) == (600000, 100000)
    code = booking["code"]
    assert await told(running, booking) == {
        "client@example.com": [
            f"Оплата 3 000 ₽ по брони {code} оказалась больше остатка: в остаток зачтено "
            "2 000 ₽, а 1 000 ₽ вернём тем же способом, которым вы платили."
        ],
        ADMIN: [
            f"⚠️ Оплата 3 000 ₽ по брони {code} больше остатка: в остаток зачтено 2 000 ₽, "
            "возврат 1 000 ₽ оформлен."
        ],
    }
