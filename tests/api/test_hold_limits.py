"""MAX_ACTIVE_HOLDS (default 2): one client, by phone, e-mail or Telegram account, and one
address hold at most that many unpaid bookings at once; the next one is 429
`too_many_holds` with Retry-After, whatever the slot. Paid, lapsed or cancelled holds do
not count, and concurrent requests cannot slip past the limit."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from booking.errors import TooManyHolds
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking
from settings import HoldSettings
from tests.support import SHIPPED_LIMITS, Api, Running, moscow

ANNA = {"name": "Анна", "phone": "+7 999 123-45-67", "email": "anna@example.com"}


@pytest.fixture
def settings_env(settings_env: dict[str, Any]) -> dict[str, Any]:
    """The shipped limits; the test server sits behind a proxy at 127.0.0.1, so each
    request can come from the address its X-Forwarded-For names."""
    return {**settings_env, **SHIPPED_LIMITS, "trusted_proxies": ["127.0.0.1"]}


async def hold(api: Api, day: int, **given: str) -> tuple[int, Any, dict[str, str]]:
    """POST /api/bookings for 12:00-14:00 from `ip` (given, or 203.0.113.10), with Anna's
    contacts but those given; the answer's status, body and headers."""
    client = dict(given)
    ip = client.pop("ip", "203.0.113.10")
    start = datetime.fromisoformat(moscow(day, 12))
    body = {
        "hall_id": 1,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "client": {**ANNA, **client},
    }
    async with api.http.post(
        api.url("/api/bookings"), json=body, headers={"X-Forwarded-For": ip}
    ) as response:
        return response.status, await response.json(), dict(response.headers)


async def live_holds(running: Running) -> int:
    async with running.sessionmaker() as session:
        stmt = select(func.count()).where(Booking.status == "pending_payment")
        return int(await session.scalar(stmt) or 0)


def test_the_default_is_two() -> None:
    assert HoldSettings(_env_file=None).max_active_holds == 2


async def test_a_third_hold_is_refused_until_one_lapses(running: Running) -> None:
    api = running.api
    for day in (3, 4):
        status, body, _ = await hold(api, day)
        assert status == 201, body
    status, body, headers = await hold(api, 5)
    assert status == 429
    assert body["error"]["code"] == "too_many_holds"
    assert headers["Retry-After"] == str(15 * 60)  # the first hold lapses in 15 minutes
    assert await live_holds(running) == 2
    running.clock.advance(minutes=10)
    _, _, headers = await hold(api, 5)
    assert headers["Retry-After"] == str(5 * 60)
    running.clock.advance(minutes=5, seconds=1)  # the first one has lapsed, not yet swept
    status, body, _ = await hold(api, 5)
    assert status == 201, body


@pytest.mark.parametrize(
    ("same", "other"),
    [
        # The phone however it is written; another e-mail, another address.
        ({"phone": "8 (999) 123-45-67"}, {"email": "x@example.org", "ip": "198.51.100.1"}),
        # The e-mail in any case; another phone, another address.
        ({"email": "ANNA@Example.COM"}, {"phone": "+79990000001", "ip": "198.51.100.2"}),
        # The address alone: another name, phone and e-mail.
        ({"ip": "203.0.113.10"}, {"phone": "+79990000002", "email": "b@example.org"}),
        # An IPv6 address counts by its /64: the client owns the whole network.
        ({"ip": "2001:db8:1:2::ffff"}, {"phone": "+79990000003", "email": "c@example.org"}),
    ],
)
async def test_each_identity_counts_on_its_own(
    running: Running, same: dict[str, str], other: dict[str, str]
) -> None:
    api = running.api
    ip = "2001:db8:1:2::1" if "2001" in same.get("ip", "") else "203.0.113.10"
    for day in (3, 4):
        status, body, _ = await hold(api, day, ip=ip)
        assert status == 201, body
    status, body, _ = await hold(api, 5, **{**other, **same})
    assert (status, body["error"]["code"]) == (429, "too_many_holds")
    # Someone else entirely, from elsewhere, books as usual.
    stranger = {"phone": "+79995554433", "email": "d@example.net", "ip": "192.0.2.77"}
    status, body, _ = await hold(api, 5, **stranger)
    assert status == 201, body


async def test_paid_and_cancelled_holds_free_their_place(running: Running) -> None:
    api = running.api
    held = []
    for day in (3, 4):
        status, body, _ = await hold(api, day)
        assert status == 201
        held.append(body)
    await api.checkout(await api.start_payment(held[0]), "succeeded")
    status, body, _ = await hold(api, 5)
    assert status == 201, body  # the paid one is a booking, not a hold
    status, body, _ = await hold(api, 6)
    assert status == 429
    await api.cancel(held[1])
    status, body, _ = await hold(api, 6)
    assert status == 201, body


async def test_ten_concurrent_holds_of_one_client_make_two(running: Running) -> None:
    """Different slots, all at once: the limit is checked inside each hold's transaction,
    serialised per client, so no two requests both find the last free place."""
    results = await asyncio.gather(*(hold(running.api, day) for day in range(3, 13)))
    statuses = Counter(status for status, _, _ in results)
    assert statuses == {201: 2, 429: 8}
    assert await live_holds(running) == 2


async def test_a_telegram_user_counts_by_account_and_the_studio_is_not_limited(
    running: Running,
) -> None:
    def request(day: int, source: Source, phone: str) -> HoldRequest:
        start = datetime.fromisoformat(moscow(day, 12))
        return HoldRequest(
            hall_id=2,
            start=start,
            end=start + timedelta(hours=2),
            payment_mode=PaymentMode.PREPAY,
            client=ClientInfo(name="Борис", phone=phone, telegram_id=5001),
            source=source,
        )

    async with running.sessionmaker() as session:
        for day, phone in ((3, "+79990000011"), (4, "+79990000012")):
            await hold_booking(session, running.deps, request(day, Source.TELEGRAM, phone))
        with pytest.raises(TooManyHolds):  # a new phone, the same account
            await hold_booking(session, running.deps, request(5, Source.TELEGRAM, "+79990000013"))
        await session.rollback()
        for day in (5, 6):  # the studio's own holds for him
            await hold_booking(session, running.deps, request(day, Source.ADMIN, "+79990000011"))
    assert await live_holds(running) == 4
