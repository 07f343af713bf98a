"""Kill -9 in the middle of a move: whatever statement the process dies at, the next one
starts with exactly one live booking of the client (at the old time or at the new, never
both, never neither), the gateway's repeated report finishes a paid move once, and
`main.py audit` finds the ledger whole."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, time, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from db.models import Booking
from db.session import create_engine
from tests.integration.test_money_kills import (
    ADMIN,
    MOSCOW,
    _call,
    _gateway_id,
    chaos_env,
)
from tests.payments.helpers import TB_PASSWORD, TERMINAL, FakeTinkoffWithCheckOrder
from tests.processes import Databases, ServiceProcess, run_main
from tests.support import BACKEND, free_port

pytestmark = pytest.mark.slow

KILL_POINTS = (1, 2, 3, 4, 6, 8, 11, 14)
THIS_PASS = KILL_POINTS[::2] if BACKEND == "sqlite" else KILL_POINTS[1::2]
LIVE = ("pending_payment", "confirmed", "completed", "change_hold")


@pytest.fixture
async def tinkoff() -> Any:
    async with FakeTinkoffWithCheckOrder(TERMINAL, TB_PASSWORD) as fake:
        yield fake


def _at(hour: int) -> datetime:
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(MOSCOW).date()
    return datetime.combine(day, time(hour), tzinfo=MOSCOW)


async def _paid(
    service: ServiceProcess, tinkoff: FakeTinkoffWithCheckOrder, url: str, hall_id: int
) -> dict[str, Any]:
    """A booking of `hall_id` at 12:00-14:00 in three days, paid in full at T-Bank; four
    people, as many as the white hall's price covers (a move there adds no guest fee)."""
    status, booking = await _call(
        "POST",
        f"{service.base_url}/api/bookings",
        json={
            "hall_id": hall_id,
            "start": _at(12).isoformat(),
            "end": _at(14).isoformat(),
            "payment_mode": "full",
            "guests": 4,
            "client": {"name": "Анна", "phone": "+7 999 123-45-67"},
        },
    )
    assert status == 201, booking
    await _pay(service, tinkoff, url, booking)
    return dict(booking)


async def _pay(
    service: ServiceProcess,
    tinkoff: FakeTinkoffWithCheckOrder,
    url: str,
    booking: dict[str, Any],
    *,
    kill: bool = False,
) -> str:
    """Pay what the booking asks now; with `kill`, the process dies applying the report."""
    status, payment = await _call(
        "POST",
        f"{service.base_url}/api/payments",
        json={"booking_id": booking["id"], "gateway": "tinkoff"},
        token=booking["access_token"],
    )
    assert status == 201, payment
    gateway_id = await _gateway_id(url, payment["id"])
    tinkoff.pay(gateway_id)
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    if not kill:
        assert await tinkoff.send_notification(webhook, gateway_id) == (200, "OK")
        return gateway_id
    service.arm()
    report = asyncio.create_task(tinkoff.send_notification(webhook, gateway_id, timeout=60))
    await service.kill_when_stalled()
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        await report
    return gateway_id


async def _live_rows(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(func.count()).select_from(Booking).where(Booking.status.in_(LIVE))
        )
    await engine.dispose()
    return int(found or 0)


async def _audit(env: dict[str, str]) -> None:
    code, out, err = await run_main(env, "audit")
    assert code == 0, out + err[-2000:]
    assert out.startswith("ledger audit: everything holds")


@pytest.mark.parametrize("point", THIS_PASS)
async def test_a_kill_in_a_move_leaves_one_live_booking(
    databases: Databases, tinkoff: FakeTinkoffWithCheckOrder, point: int
) -> None:
    url = await databases.new()
    env = chaos_env(url, tinkoff)
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    booking = await _paid(service, tinkoff, url, hall_id=1)
    service.arm()
    moving = asyncio.create_task(
        _call(
            "POST",
            f"{service.base_url}/api/bookings/{booking['id']}/reschedule",
            json={"start": _at(16).isoformat(), "end": _at(18).isoformat()},
            token=booking["access_token"],
        )
    )
    await service.kill_when_stalled()
    with contextlib.suppress(aiohttp.ClientError):
        await moving

    service = await ServiceProcess(env, free_port()).start()
    assert await _live_rows(url) == 1
    status, seen = await _call(
        "GET", f"{service.base_url}/api/bookings/{booking['id']}", token=booking["access_token"]
    )
    assert status == 200 and seen["status"] == "confirmed", seen
    assert seen["start"] in (_at(12).isoformat(), _at(16).isoformat())
    await service.stop()
    await _audit(env)


@pytest.mark.parametrize("point", THIS_PASS)
async def test_a_kill_while_a_paid_move_is_made_leaves_one_live_booking(
    databases: Databases, tinkoff: FakeTinkoffWithCheckOrder, point: int
) -> None:
    url = await databases.new()
    env = chaos_env(url, tinkoff)
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    booking = await _paid(service, tinkoff, url, hall_id=2)  # loft, dearer hall 1 asked
    status, asked = await _call(
        "POST",
        f"{service.base_url}/api/bookings/{booking['id']}/reschedule",
        json={"start": _at(12).isoformat(), "end": _at(14).isoformat(), "hall_id": 1},
        token=booking["access_token"],
    )
    assert status == 200 and asked["due_kind"] == "change", asked
    assert await _live_rows(url) == 2  # the booking, and the new time held for it
    gateway_id = await _pay(service, tinkoff, url, booking, kill=True)
    assert await _live_rows(url) in (1, 2)

    service = await ServiceProcess(env, free_port()).start()
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    assert await tinkoff.send_notification(webhook, gateway_id) == (200, "OK")
    assert await _live_rows(url) == 1
    status, seen = await _call(
        "GET", f"{service.base_url}/api/bookings/{booking['id']}", token=ADMIN
    )
    assert status == 200 and seen["hall_id"] == 1 and seen["status"] == "confirmed", seen
    assert seen["paid"] == seen["total"] == {"value": "5000.00", "currency": "RUB"}
    await service.stop()
    await _audit(env)
