"""Kill -9 around a payment and a refund: whatever point the process dies at, the next one
starts, takes the gateway's repeated report, and `main.py audit` finds the ledger whole.

The service runs as `main.py run` (PAYMENT_ENV=test, T-Bank at the local fake) in its own
process; it is killed after its Nth SQL statement counted from just before the gateway's
webhook arrives, and again from just before an admin's cancellation sends the refund.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.payments.helpers import FakeTinkoffWithCheckOrder
from tests.processes import (
    ADMIN,
    Databases,
    ServiceProcess,
    audit_holds,
    paid_at_tbank,
    tbank_env,
)
from tests.support import BACKEND, free_port

pytestmark = pytest.mark.slow

#: Statements counted from the webhook (and from the cancellation) to the kill.
KILL_POINTS = (1, 2, 3, 5, 7, 9, 12, 15)
#: Each backend's pass kills at half of the points, the two passes together at all of them
#: (each point twice: in the report and in the refund): the suite stays short.
THIS_PASS = KILL_POINTS[::2] if BACKEND == "sqlite" else KILL_POINTS[1::2]
MOSCOW = ZoneInfo("Europe/Moscow")


async def _book(service: ServiceProcess) -> dict[str, Any]:
    """A booking to pay in full, as the website makes it."""
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(MOSCOW).date()
    start = datetime.combine(day, time(12), tzinfo=MOSCOW)
    status, booking = await service.call(
        "POST",
        "/api/bookings",
        json={
            "hall_id": 1,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "payment_mode": "full",
            "client": {"name": "Анна", "phone": "+7 999 123-45-67"},
        },
    )
    assert status == 201, booking
    return dict(booking)


@pytest.mark.parametrize("point", THIS_PASS)
async def test_kills_around_a_payment_and_a_refund_leave_the_ledger_whole(
    databases: Databases, tinkoff: FakeTinkoffWithCheckOrder, point: int
) -> None:
    url = await databases.new()
    env = tbank_env(url, tinkoff)

    # The payer pays; the service dies while the gateway's report is being applied.
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    booking = await _book(service)
    gateway_id = await paid_at_tbank(service, tinkoff, url, booking)
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    await service.kill_during(tinkoff.send_notification(webhook, gateway_id, timeout=60))

    # The next process takes the gateway's repeated report: the booking is paid, once.
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    assert await tinkoff.send_notification(webhook, gateway_id) == (200, "OK")
    owner = f"/api/bookings/{booking['id']}"
    status, seen = await service.call("GET", owner, token=booking["access_token"])
    assert status == 200 and seen["status"] == "confirmed", seen
    assert seen["paid"] == booking["total"]

    # An admin cancels; the service dies while the refund is reserved, sent or recorded.
    await service.kill_during(service.call("DELETE", owner, token=ADMIN))

    # It starts again, and the money adds up.
    service = await ServiceProcess(env, free_port()).start()
    status, seen = await service.call("GET", owner, token=booking["access_token"])
    assert status == 200 and seen["status"] in ("confirmed", "cancelled"), seen
    await service.stop()
    await audit_holds(env)
