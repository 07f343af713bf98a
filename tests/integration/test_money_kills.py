"""Kill -9 around a payment and a refund: whatever point the process dies at, the next one
starts, takes the gateway's repeated report, and `main.py audit` finds the ledger whole.

The service runs as `main.py run` (PAYMENT_ENV=test, T-Bank at the local fake) in its own
process; it is killed after its Nth SQL statement counted from just before the gateway's
webhook arrives, and again from just before an admin's cancellation sends the refund.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from db.models import Payment
from db.session import create_engine
from tests.payments.helpers import TB_PASSWORD, TERMINAL, FakeTinkoffWithCheckOrder
from tests.processes import Databases, ServiceProcess, run_main, service_env
from tests.support import BACKEND, free_port

pytestmark = pytest.mark.slow

#: Statements counted from the webhook (and from the cancellation) to the kill.
KILL_POINTS = (1, 2, 3, 5, 7, 9, 12, 15)
#: Each backend's pass kills at half of the points, the two passes together at all of them
#: (each point twice: in the report and in the refund): the suite stays short.
THIS_PASS = KILL_POINTS[::2] if BACKEND == "sqlite" else KILL_POINTS[1::2]
ADMIN = "chaos-admin-token-of-enough-length"
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def tinkoff() -> Any:
    async with FakeTinkoffWithCheckOrder(TERMINAL, TB_PASSWORD) as fake:
        yield fake


def chaos_env(database_url: str, tinkoff: FakeTinkoffWithCheckOrder) -> dict[str, str]:
    return service_env(
        database_url,
        PAYMENT_ENV="test",
        TINKOFF_TERMINAL_KEY=TERMINAL,
        TINKOFF_PASSWORD=TB_PASSWORD,
        TINKOFF_API_URL=tinkoff.api_url,
        ADMIN_API_TOKEN=ADMIN,
        PAYMENT_GATEWAY_TIMEOUT="5",
    )


async def _call(
    method: str, url: str, *, json: Any = None, token: str | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, json=json, headers=headers) as response,
    ):
        return response.status, await response.json()


async def _book_and_open_payment(service: ServiceProcess) -> tuple[dict[str, Any], int]:
    """A booking paid in full at T-Bank, as the website makes it; (booking, payment id)."""
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(MOSCOW).date()
    start = datetime.combine(day, time(12), tzinfo=MOSCOW)
    status, booking = await _call(
        "POST",
        f"{service.base_url}/api/bookings",
        json={
            "hall_id": 1,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "payment_mode": "full",
            "client": {"name": "Анна", "phone": "+7 999 123-45-67"},
        },
    )
    assert status == 201, booking
    status, payment = await _call(
        "POST",
        f"{service.base_url}/api/payments",
        json={"booking_id": booking["id"], "gateway": "tinkoff"},
        token=booking["access_token"],
    )
    assert status == 201, payment
    return booking, payment["id"]


async def _gateway_id(database_url: str, payment_id: int) -> str:
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(Payment.gateway_payment_id).where(Payment.id == payment_id)
        )
    await engine.dispose()
    assert found is not None
    return str(found)


@pytest.mark.parametrize("point", THIS_PASS)
async def test_kills_around_a_payment_and_a_refund_leave_the_ledger_whole(
    databases: Databases, tinkoff: FakeTinkoffWithCheckOrder, point: int
) -> None:
    url = await databases.new()
    env = chaos_env(url, tinkoff)

    # The payer pays; the service dies while the gateway's report is being applied.
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    booking, payment_id = await _book_and_open_payment(service)
    gateway_id = await _gateway_id(url, payment_id)
    tinkoff.pay(gateway_id)
    service.arm()
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    report = asyncio.create_task(tinkoff.send_notification(webhook, gateway_id, timeout=60))
    await service.kill_when_stalled()
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        await report

    # The next process takes the gateway's repeated report: the booking is paid, once.
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    assert await tinkoff.send_notification(webhook, gateway_id) == (200, "OK")
    owner = f"{service.base_url}/api/bookings/{booking['id']}"
    status, seen = await _call("GET", owner, token=booking["access_token"])
    assert status == 200 and seen["status"] == "confirmed", seen
    assert seen["paid"] == booking["total"]

    # An admin cancels; the service dies while the refund is reserved, sent or recorded.
    service.arm()
    cancel = asyncio.create_task(_call("DELETE", owner, token=ADMIN))
    await service.kill_when_stalled()
    with contextlib.suppress(aiohttp.ClientError):
        await cancel

    # It starts again, and the money adds up.
    service = await ServiceProcess(env, free_port()).start()
    status, seen = await _call(
        "GET", f"{service.base_url}/api/bookings/{booking['id']}", token=booking["access_token"]
    )
    assert status == 200 and seen["status"] in ("confirmed", "cancelled"), seen
    await service.stop()
    code, out, err = await run_main(env, "audit")
    assert code == 0, out + err[-2000:]
    assert out.startswith("ledger audit: everything holds")
