"""More time is asked before or during the session whatever MIN_NOTICE_MINUTES says: the
notice is for new starts, and an extension starts nothing (none, 0, refused it once)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_extend import extend
from tests.api.test_reschedule import audit_holds, paid_booking, rub
from tests.support import Running, moscow


@pytest.fixture(params=[0, 60], ids=["no-notice", "default-notice"])
def settings_env(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"min_notice_minutes": request.param}


async def test_more_time_before_and_during_the_session(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # white 12:00-14:00, 5000 paid
    status, asked = await extend(api, booking, 30)  # days before it
    assert status == 200, asked
    assert asked["due_now"] == rub("1250.00") and asked["due_kind"] == "change"
    await api.checkout(await api.start_payment(booking), "succeeded")
    assert (await api.booking(booking))["end"] == moscow(3, 14, 30)
    running.clock.advance(days=2, hours=4)  # 3 Dec 13:00 in Moscow, an hour into it
    status, asked = await extend(api, booking, 30)
    assert status == 200, asked
    assert asked["due_now"] == rub("1250.00")
    await api.checkout(await api.start_payment(booking), "succeeded")
    seen = await api.booking(booking)
    assert seen["end"] == moscow(3, 15) and seen["total"] == rub("7500.00")
    await audit_holds(running)


async def test_more_time_at_the_very_start(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    running.clock.advance(days=2, hours=3)  # 3 Dec 12:00 in Moscow: it begins now
    status, asked = await extend(api, booking, 15)
    assert status == 200, asked
    assert asked["due_now"] == rub("625.00")
