"""One user's updates one at a time across processes: the lock in Redis outlives a slow
handler (it is renewed), and a lock a killed process left behind lapses within seconds, so
that user is answered again soon, not after aiogram's minute."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from redis.asyncio import Redis

from bot.isolation import RenewedRedisIsolation

TIMEOUT = 1.0  # the lock's life in these tests (the service's: bot.isolation.LOCK_SECONDS)


@pytest.fixture
async def key(redis: Redis) -> AsyncIterator[StorageKey]:
    user = random.randrange(10**8, 10**9)  # keys of its own in a shared Redis
    yield StorageKey(bot_id=1, chat_id=user, user_id=user)
    await redis.delete(f"test-lock:1:{user}:{user}:lock")


def isolation(redis: Redis) -> RenewedRedisIsolation:
    """What one process has: its own view of the lock, the same Redis."""
    return RenewedRedisIsolation(redis, DefaultKeyBuilder(prefix="test-lock"), timeout=TIMEOUT)


async def test_a_slow_update_keeps_its_users_lock(redis: Redis, key: StorageKey) -> None:
    one, two = isolation(redis), isolation(redis)
    loop = asyncio.get_running_loop()
    order: list[str] = []
    holding = asyncio.Event()

    async def slow() -> None:
        async with one.lock(key):
            order.append("slow begins")
            holding.set()
            await asyncio.sleep(3 * TIMEOUT)  # longer than the lock lives unrenewed
            order.append("slow ends")

    first = asyncio.create_task(slow())
    await asyncio.wait_for(holding.wait(), 10)  # the slow update holds the lock
    began = loop.time()
    async with two.lock(key):  # the same user's next update, in another process
        order.append("next")
    await first
    assert order == ["slow begins", "slow ends", "next"]
    assert loop.time() - began >= 2.5 * TIMEOUT


async def test_a_killed_processs_lock_lapses_in_seconds(redis: Redis, key: StorageKey) -> None:
    """The process died inside the handler: nobody renews or releases its lock."""
    dead = isolation(redis)
    name = dead.key_builder.build(key, "lock")
    assert await redis.lock(name, timeout=TIMEOUT).acquire(blocking=False)
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with isolation(redis).lock(key):
        waited = loop.time() - began
    assert waited <= TIMEOUT + 0.5
