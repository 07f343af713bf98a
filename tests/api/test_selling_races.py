"""Twenty bookings at once in twenty halls, all at the same time: the last light kit goes
to exactly one of them, and a code of one use discounts exactly one. Run on SQLite and on
PostgreSQL (TEST_DATABASE=postgres)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Booking
from db.sales import BookingAddon
from tests.api.test_selling import body
from tests.support import Running

HALLS = 21


@pytest.fixture
def settings_env(tmp_path: Path) -> dict[str, Any]:
    """A studio of 21 halls sharing two light kits."""
    studio = tmp_path / "studio.json"
    always = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), ["09:00", "22:00"])
    halls = [
        {"slug": f"h{n}", "name": f"Зал {n}", "hourly_price": "1000.00", "buffer_minutes": 0}
        for n in range(1, HALLS + 1)
    ]
    kit = {"id": "light-kit", "title": "Свет", "price": "800.00", "per": "booking",
           "max_quantity": 2, "stock": 2}  # fmt: skip
    data = {"hours": always, "halls": halls, "addons": [kit]}
    studio.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    # Each client from an address of its own: the holds of one address take turns anyway
    # (booking/hold_limits.py), which would hide a race between different clients.
    return {"studio_file": studio, "trusted_proxies": ["127.0.0.1"]}


def client(n: int) -> dict[str, str]:
    return {"name": f"Клиент {n}", "phone": f"+7900{n:07d}"}


async def burst(running: Running, **extra: Any) -> Counter[tuple[int, str]]:
    """Halls 2..21 booked at once for the same two hours."""

    async def one(hall_id: int) -> tuple[int, str]:
        sent = body(hall_id=hall_id, **extra) | {"client": client(hall_id)}
        address = {"X-Forwarded-For": f"198.51.100.{hall_id}"}
        status, answer = await running.api.call(
            "POST", "/api/bookings", json=sent, headers=address
        )
        return status, answer["error"]["code"] if status != 201 else ""

    return Counter(await asyncio.gather(*(one(hall) for hall in range(2, HALLS + 1))))


async def test_twenty_bookings_want_the_last_light_kit_and_one_gets_it(
    running: Running,
) -> None:
    status, first = await running.api.call(
        "POST", "/api/bookings", json=body(hall_id=1, addons=[{"id": "light-kit"}])
    )
    assert status == 201, first
    results = await burst(running, addons=[{"id": "light-kit"}])
    assert results == {(201, ""): 1, (409, "addon_unavailable"): HALLS - 2}
    async with running.sessionmaker() as session:
        held = await session.scalar(select(func.sum(BookingAddon.quantity)))
        bookings = await session.scalar(select(func.count()).select_from(Booking))
    assert (held, bookings) == (2, 2)


async def test_twenty_bookings_with_a_code_of_one_use_and_one_is_discounted(
    running: Running,
) -> None:
    status, _ = await running.api.admin(
        "POST", "/api/promo-codes", json={"code": "ONCE", "percent": 50, "max_uses": 1}
    )
    assert status == 201
    results = await burst(running, promo_code="ONCE")
    assert results == {(201, ""): 1, (409, "promo_used_up"): HALLS - 2}
    async with running.sessionmaker() as session:
        used = await session.scalar(
            select(func.count()).select_from(Booking).where(Booking.promo_code_id.is_not(None))
        )
    assert used == 1
