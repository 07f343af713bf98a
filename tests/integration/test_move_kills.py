"""Kill -9 in the middle of a move: whatever statement the process dies at, the next one
starts with exactly one live booking of the client (at the old time or at the new, never
both, never neither), the gateway's repeated report finishes a paid move once, and
`main.py audit` finds the ledger whole."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db.models import Booking
from db.session import create_engine
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

KILL_POINTS = (1, 2, 3, 4, 6, 8, 11, 14)
THIS_PASS = KILL_POINTS[::2] if BACKEND == "sqlite" else KILL_POINTS[1::2]
LIVE = ("pending_payment", "confirmed", "completed", "change_hold")
MOSCOW = ZoneInfo("Europe/Moscow")


def _at(hour: int) -> datetime:
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(MOSCOW).date()
    return datetime.combine(day, time(hour), tzinfo=MOSCOW)


async def _paid(
    service: ServiceProcess, tinkoff: FakeTinkoffWithCheckOrder, url: str, hall_id: int
) -> dict[str, Any]:
    """A booking of `hall_id` at 12:00-14:00 in three days, paid in full at T-Bank; four
    people, as many as the white hall's price covers (a move there adds no guest fee)."""
    status, booking = await service.call(
        "POST",
        "/api/bookings",
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
    gateway_id = await paid_at_tbank(service, tinkoff, url, booking)
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    assert await tinkoff.send_notification(webhook, gateway_id) == (200, "OK")
    return dict(booking)


async def _live_rows(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(func.count()).select_from(Booking).where(Booking.status.in_(LIVE))
        )
    await engine.dispose()
    return int(found or 0)


@pytest.mark.parametrize("point", THIS_PASS)
async def test_a_kill_in_a_move_leaves_one_live_booking(
    databases: Databases, tinkoff: FakeTinkoffWithCheckOrder, point: int
) -> None:
    url = await databases.new()
    env = tbank_env(url, tinkoff)
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    booking = await _paid(service, tinkoff, url, hall_id=1)
    owner = f"/api/bookings/{booking['id']}"
    await service.kill_during(
        service.call(
            "POST",
            f"{owner}/reschedule",
            json={"start": _at(16).isoformat(), "end": _at(18).isoformat()},
            token=booking["access_token"],
        )
    )

    service = await ServiceProcess(env, free_port()).start()
    assert await _live_rows(url) == 1
    status, seen = await service.call("GET", owner, token=booking["access_token"])
    assert status == 200 and seen["status"] == "confirmed", seen
    assert seen["start"] in (_at(12).isoformat(), _at(16).isoformat())
    await service.stop()
    await audit_holds(env)


@pytest.mark.parametrize("point", THIS_PASS)
async def test_a_kill_while_a_paid_move_is_made_leaves_one_live_booking(
    databases: Databases, tinkoff: FakeTinkoffWithCheckOrder, point: int
) -> None:
    url = await databases.new()
    env = tbank_env(url, tinkoff)
    service = await ServiceProcess(env, free_port(), stall_after=point).start()
    booking = await _paid(service, tinkoff, url, hall_id=2)  # loft, dearer hall 1 asked
    owner = f"/api/bookings/{booking['id']}"
    status, asked = await service.call(
        "POST",
        f"{owner}/reschedule",
        json={"start": _at(12).isoformat(), "end": _at(14).isoformat(), "hall_id": 1},
        token=booking["access_token"],
    )
    assert status == 200 and asked["due_kind"] == "change", asked
    assert await _live_rows(url) == 2  # the booking, and the new time held for it
    gateway_id = await paid_at_tbank(service, tinkoff, url, booking)
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    await service.kill_during(tinkoff.send_notification(webhook, gateway_id, timeout=60))
    assert await _live_rows(url) in (1, 2)

    service = await ServiceProcess(env, free_port()).start()
    webhook = f"{service.base_url}/api/payments/webhook/tinkoff"
    assert await tinkoff.send_notification(webhook, gateway_id) == (200, "OK")
    assert await _live_rows(url) == 1
    status, seen = await service.call("GET", owner, token=ADMIN)
    assert status == 200 and seen["hall_id"] == 1 and seen["status"] == "confirmed", seen
    assert seen["paid"] == seen["total"] == {"value": "5000.00", "currency": "RUB"}
    await service.stop()
    await audit_holds(env)
