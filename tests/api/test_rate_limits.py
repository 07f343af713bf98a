"""How fast one address may create bookings (default 10 a minute) and payments (20): the
next one is 429 `rate_limited` with Retry-After in seconds. The buckets live in the
process, or in Redis when REDIS_URL is set, where every process shares them; both
backends answer alike, and both read the service's clock."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientSession, web

from api.app import create_app
from api.limits import RATE_LIMITS
from api.rate_limiter import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from settings import Settings
from tests.support import REDIS_URL, SHIPPED_LIMITS, START, Api, Running, moscow, reachable_redis

MINUTE = timedelta(minutes=1)


@pytest.fixture
def settings_env(settings_env: dict[str, Any]) -> dict[str, Any]:
    # The rates as shipped; the hold limit out of the way (each request is another client,
    # but from one address).
    return {
        **settings_env,
        **SHIPPED_LIMITS,
        "max_active_holds": 1000,
        "trusted_proxies": ["127.0.0.1"],
    }


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """Keys of their own on the test Redis (which must be there: no skip)."""
    prefix = f"test:rate:{uuid.uuid4().hex}"
    client = await reachable_redis()
    yield prefix
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def limiter_of(backend: str, prefix: str) -> RateLimiter:
    if backend == "memory":
        return MemoryRateLimiter()
    return RedisRateLimiter(await reachable_redis(), prefix)


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_a_bucket_of_ten_a_minute(backend: str, redis_prefix: str) -> None:
    limiter = await limiter_of(backend, redis_prefix)
    now = START
    try:
        assert [await limiter.take("a", 10, MINUTE, now) for _ in range(10)] == [0] * 10
        assert await limiter.take("a", 10, MINUTE, now) == pytest.approx(6.0)
        assert await limiter.take("b", 10, MINUTE, now) == 0  # another address
        now += timedelta(seconds=4)
        assert await limiter.take("a", 10, MINUTE, now) == pytest.approx(2.0)
        now += timedelta(seconds=2)
        assert await limiter.take("a", 10, MINUTE, now) == 0  # one token back every 6 s
        assert await limiter.take("a", 10, MINUTE, now) == pytest.approx(6.0)
        now += MINUTE
        assert [await limiter.take("a", 10, MINUTE, now) for _ in range(10)] == [0] * 10
        # A clock set back (a test's, an operator's) does not lock the key out for long.
        back = now - timedelta(days=365)
        assert await limiter.take("a", 10, MINUTE, back) == 0
    finally:
        await limiter.close()


async def test_processes_share_one_bucket_through_redis(redis_prefix: str) -> None:
    one = RedisRateLimiter(await reachable_redis(), redis_prefix)
    two = RedisRateLimiter(await reachable_redis(), redis_prefix)
    try:
        taken = [await (one if n % 2 else two).take("a", 10, MINUTE, START) for n in range(10)]
        assert taken == [0] * 10
        assert await one.take("a", 10, MINUTE, START) > 0
        assert await two.take("a", 10, MINUTE, START) > 0
    finally:
        await one.close()
        await two.close()


async def test_a_redis_that_is_away_lets_requests_through() -> None:
    """The database's hold limit still stands; refusing every booking would be worse."""
    from redis.asyncio import Redis

    away = RedisRateLimiter(Redis.from_url("redis://127.0.0.1:1/0"), "test:rate:away")
    try:
        assert [await away.take("a", 1, MINUTE, START) for _ in range(3)] == [0, 0, 0]
    finally:
        await away.close()


async def post_booking(api: Api, n: int, ip: str) -> tuple[int, Any, dict[str, str]]:
    """A hold of a new client each time (so only the rate can refuse it), from `ip`."""
    start = datetime.fromisoformat(moscow(3 + n % 20, 10 + n // 20 % 10))
    body = {
        "hall_id": 1 + n // 200,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "client": {"name": "Клиент", "phone": f"+7999{n:07d}"},
    }
    async with api.http.post(
        api.url("/api/bookings"), json=body, headers={"X-Forwarded-For": ip}
    ) as response:
        return response.status, await response.json(), dict(response.headers)


async def test_bookings_from_one_address_are_paced(running: Running) -> None:
    api = running.api
    statuses = [(await post_booking(api, n, "203.0.113.5"))[0] for n in range(10)]
    assert statuses == [201] * 10
    status, body, headers = await post_booking(api, 10, "203.0.113.5")
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert headers["Retry-After"] == "6"
    status, _, _ = await post_booking(api, 11, "198.51.100.5")  # another address
    assert status == 201
    status, _, _ = await post_booking(api, 12, "203.0.113.5")  # still refused
    assert status == 429
    running.clock.advance(seconds=6)
    status, body, _ = await post_booking(api, 13, "203.0.113.5")
    assert status == 201, body


async def test_prices_asked_from_one_address_are_paced(running: Running) -> None:
    """Asking prices is cheap for a person (120 a minute) but caps guessing promo codes."""
    api = running.api
    asked = {"hall_id": 1, "start": moscow(3, 12), "end": moscow(3, 14), "promo_code": "GUESS"}

    async def ask(ip: str) -> tuple[int, Any, dict[str, str]]:
        async with api.http.post(
            api.url("/api/bookings/quote"), json=asked, headers={"X-Forwarded-For": ip}
        ) as response:
            return response.status, await response.json(), dict(response.headers)

    statuses = {(await ask("203.0.113.9"))[0] for _ in range(120)}
    assert statuses == {400}  # promo_invalid, each counted
    status, body, headers = await ask("203.0.113.9")
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert headers["Retry-After"] == "1"
    assert (await ask("198.51.100.9"))[0] == 400  # another address
    running.clock.advance(seconds=1)
    assert (await ask("203.0.113.9"))[0] == 400


async def test_payments_from_one_address_are_paced(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    answers = [
        await api.call(
            "POST",
            "/api/payments",
            json={"booking_id": booking["id"], "gateway": "mock"},
            token=booking["access_token"],
        )
        for _ in range(21)
    ]
    assert [status for status, _ in answers] == [201] * 20 + [429]
    assert answers[-1][1]["error"]["code"] == "rate_limited"
    # The studio's own calls (the admin token) are not limited.
    status, _ = await api.admin(
        "POST", "/api/payments", json={"booking_id": booking["id"], "gateway": "mock"}
    )
    assert status == 201


@pytest.fixture
async def two_processes(running: Running, settings: Settings) -> AsyncIterator[list[Api]]:
    """Two apps on one database and one Redis, as two processes of one studio would be."""
    settings.bot.redis_url = REDIS_URL
    apps = [create_app(settings, running.sessionmaker, running.deps) for _ in range(2)]
    limiter = apps[0][RATE_LIMITS].limiter
    assert isinstance(limiter, RedisRateLimiter)
    redis = await reachable_redis()
    await _forget(redis, limiter.prefix)
    runners, sockets = [], []
    async with ClientSession() as http:
        apis = []
        for app in apps:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.SockSite(runner, sock).start()
            runners.append(runner)
            sockets.append(sock)
            apis.append(Api(http, f"http://127.0.0.1:{sock.getsockname()[1]}", ""))
        yield apis
    for runner in runners:
        await runner.cleanup()
    for sock in sockets:
        sock.close()
    await _forget(redis, limiter.prefix)
    await redis.aclose()


async def _forget(redis: Any, prefix: str) -> None:
    keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)


async def test_with_redis_the_processes_share_the_budget(two_processes: list[Api]) -> None:
    one, two = two_processes
    statuses = [
        (await post_booking(one if n % 2 else two, n, "203.0.113.6"))[0] for n in range(12)
    ]
    assert statuses == [201] * 10 + [429] * 2
