"""RESCHEDULE_CHEAPER=keep: what was paid above a cheaper price stays with the booking as
the client's credit, and pays for more time later."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_extend import extend
from tests.api.test_reschedule import audit_holds, move, paid_booking, rub
from tests.support import Running, moscow


@pytest.fixture
def settings_env() -> dict[str, Any]:
    return {"reschedule_cheaper": "keep"}


async def test_cheaper_keeps_the_money_and_it_pays_for_more_time(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=1)  # 5000 paid
    status, moved = await move(api, booking, 3, 12, hall_id=2)  # loft: 3600
    assert status == 200, moved
    assert moved["total"] == rub("3600.00") and moved["paid"] == rub("5000.00")
    assert moved["refunded"] == rub("0.00") and moved["due_now"] == rub("0.00")
    status, longer = await extend(api, booking, 60)  # 1800 more, 1400 of it kept
    assert status == 200, longer
    assert longer["due_now"] == rub("400.00")
    await api.checkout(await api.start_payment(booking), "succeeded")
    seen = await api.booking(booking)
    assert seen["end"] == moscow(3, 15) and seen["total"] == rub("5400.00")
    assert seen["paid"] == rub("5400.00")
    await audit_holds(running)
