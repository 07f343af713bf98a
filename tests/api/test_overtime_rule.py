"""OVERTIME_RULE with a price of its own: 100 ₽ per started 10 minutes after 5 of grace."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_overtime import overtime
from tests.api.test_reschedule import paid_booking, rub
from tests.support import Running


@pytest.fixture
def settings_env() -> dict[str, Any]:
    return {"overtime_rule": "10:5:100"}  # 100 ₽ per started 10 minutes after 5


async def test_a_fixed_price_per_step(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    running.clock.advance(days=2, hours=6)
    status, payment = await overtime(api, booking, 25)
    assert status == 201 and payment["amount"] == rub("300.00"), payment
