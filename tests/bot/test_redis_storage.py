"""FSM state in Redis (REDIS_URL): it survives a restart of the bot, and Redis event
isolation makes two quick taps of one user run one after the other."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.bot.flows import Studio, book_and_pay, share_phone, to_gateway, to_phone
from tests.support import REDIS_URL


@pytest.fixture
def bot_env(redis: Redis) -> dict[str, Any]:
    return {"redis_url": REDIS_URL}


@pytest.fixture
async def user_id(redis: Redis) -> AsyncIterator[int]:
    """A user id of its own, so runs sharing the Redis server never see each other's state."""
    user_id = random.randrange(10**8, 10**9)
    yield user_id
    keys = [key async for key in redis.scan_iter(f"fsm:*{user_id}*")]
    if keys:
        await redis.delete(*keys)


async def test_state_lives_in_redis_and_survives_a_restart(
    studio: Studio, redis: Redis, user_id: int
) -> None:
    anna = studio.user(user_id)
    await to_gateway(studio, anna)
    await studio.press(anna, "ЮKassa")
    state = await redis.get(f"fsm:{user_id}:{user_id}:state")
    assert state == b"BookingForm:email"
    await studio.restart_bot()
    reply = await studio.send(anna, "anna@example.com")  # the step is still there
    assert "Телефон для связи" in reply.params["text"]
    await share_phone(studio, anna)
    bookings = await studio.bookings()
    assert len(bookings) == 1
    assert await redis.get(f"fsm:{user_id}:{user_id}:state") is None


async def test_two_quick_taps_on_create_make_one_booking(
    studio: Studio, redis: Redis, user_id: int
) -> None:
    anna = studio.user(user_id)
    await book_and_pay(studio, anna, day="3")  # the phone is saved now
    await to_phone(studio, anna, day="4")
    saved = "Использовать +79991234567"
    picker = anna.last_message()
    assert picker is not None
    first = await anna.press(saved)
    second = await anna.press(saved, picker["message_id"])
    answers = [await studio.answered(first["id"]), await studio.answered(second["id"])]
    await studio.settle()
    # Run one after the other, in either order (a lock is not a queue): one tap makes the
    # booking, the other is told it is made.
    texts = [a.params.get("text") for a in answers]
    assert sorted(texts, key=str) == [None, "Бронь уже оформлена"]
    assert [b.start_at.day for b in await studio.bookings()] == [3, 4]
