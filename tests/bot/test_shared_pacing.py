"""Telegram's limits shared by several processes through Redis (REDIS_URL): two delivery
channels, each with its own Bot, pacer and Redis connection as two processes would have, send
to the fake Bot API over HTTP. Together they stay within 30 a second and one a second per
chat; a "retry after" one of them gets holds the other; without Redis they overrun."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications.delivery import DeliveryError, Outgoing
from notifications.telegram import TelegramChannel, paced_for
from tests.bot.conftest import REDIS_URL, reachable_redis
from tests.fakes.telegram_api import FakeTelegram

FIRST_CHAT = 4_400_000


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(chat_burst=1) as fake:  # two sends in 1 s to a chat: 429
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """Keys of their own, so runs sharing the Redis server never meet; a missing Redis
    fails the test (CI starts one), never skips it."""
    prefix = f"test:pacing:{uuid.uuid4().hex}"
    client = await reachable_redis()
    yield prefix
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


class Process:
    """What one process of the service has for Telegram: a Bot and a paced channel."""

    def __init__(
        self,
        tg: FakeTelegram,
        sessionmaker: async_sessionmaker[AsyncSession],
        prefix: str | None,
        redis_url: str = REDIS_URL,
    ) -> None:
        pacer = paced_for(redis_url if prefix else None, prefix=prefix or "")
        self.bot: Bot = tg.make_bot()
        self.channel = TelegramChannel(self.bot, sessionmaker, pacer=pacer)

    async def send(self, chats: Sequence[int], first_id: int) -> None:
        await asyncio.gather(
            *(
                self.channel.deliver(Outgoing(first_id + n, "telegram", str(chat), "", "hi", None))
                for n, chat in enumerate(chats)
            )
        )

    async def close(self) -> None:
        await self.channel.close()
        await self.bot.session.close()


@pytest.fixture
async def processes(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession], prefix: str
) -> AsyncIterator[tuple[Process, Process]]:
    pair = (Process(tg, sessionmaker, prefix), Process(tg, sessionmaker, prefix))
    yield pair
    for process in pair:
        await process.close()


def chats(tg: FakeTelegram, first: int, count: int) -> list[int]:
    return [tg.user(FIRST_CHAT + n).id for n in range(first, first + count)]


async def test_two_processes_together_stay_within_the_overall_rate(
    tg: FakeTelegram, processes: tuple[Process, Process]
) -> None:
    one, two = processes
    await asyncio.gather(one.send(chats(tg, 0, 40), 1), two.send(chats(tg, 40, 40), 1000))
    stats = tg.stats
    assert sum(stats.sends_per_chat.values()) == 80
    assert stats.rate_limited == 0
    assert stats.max_overall_per_second <= 30


async def test_two_processes_keep_a_chats_interval(
    tg: FakeTelegram, processes: tuple[Process, Process]
) -> None:
    one, two = processes
    [chat] = chats(tg, 0, 1)
    await asyncio.gather(one.send([chat], 1), two.send([chat], 2), one.send([chat], 3))
    stats = tg.stats
    assert stats.sends_per_chat[chat] == 3 and stats.rate_limited == 0
    times = [call.monotonic for call in tg.calls("sendMessage") if call.ok]
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False))


async def test_a_retry_after_in_one_process_holds_the_other(
    tg: FakeTelegram, processes: tuple[Process, Process]
) -> None:
    one, two = processes
    first, second = chats(tg, 0, 2)
    tg.fail_next("sendMessage", 429, retry_after=2)
    told = asyncio.get_running_loop().time()
    sending = asyncio.create_task(one.send([first], 1))
    await asyncio.sleep(0.3)  # the 429 has come back to process one
    await two.send([second], 2)
    await sending
    sent = [call for call in tg.calls("sendMessage") if call.ok]
    assert {int(call.params["chat_id"]) for call in sent} == {first, second}
    assert all(call.monotonic - told >= 1.9 for call in sent)  # both waited the 2 s out


async def test_without_redis_two_processes_overrun_the_limits(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The failure the sharing prevents (and so a check that the tests above can fail)."""
    one, two = Process(tg, sessionmaker, None), Process(tg, sessionmaker, None)
    try:
        results = await asyncio.gather(
            one.send(chats(tg, 0, 40), 1), two.send(chats(tg, 40, 40), 1000)
        )
    finally:
        await one.close()
        await two.close()
    assert results == [None, None]  # every message still went, after waiting out 429s
    assert tg.stats.rate_limited > 0


async def test_an_unreachable_redis_leaves_each_process_its_own_pacing(
    tg: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    lost = Process(tg, sessionmaker, "test:pacing:unreachable", redis_url="redis://127.0.0.1:1/0")
    try:
        with caplog.at_level(logging.WARNING, logger="notifications.shared_pacing"):
            await lost.send(chats(tg, 0, 5), 1)
    except DeliveryError as exc:  # pragma: no cover - shown if it ever happens
        pytest.fail(f"delivery failed without Redis: {exc}")
    finally:
        await lost.close()
    assert sum(tg.stats.sends_per_chat.values()) == 5
    warnings = [r for r in caplog.records if "shared Telegram pacing unavailable" in r.message]
    assert len(warnings) == 1  # once, not per send


async def test_the_service_shares_its_pacing_when_redis_is_configured(prefix: str) -> None:
    assert paced_for(None).shared is None
    pacer = paced_for(REDIS_URL, prefix=prefix)
    shared = pacer.shared
    assert shared is not None
    try:
        assert await shared.reserve(7) == 0  # reserved
        wait = await shared.reserve(7)  # the same chat again at once: not reserved
        assert pacer.chat_interval - 0.1 < wait <= pacer.chat_interval
        assert await shared.reserve(8) == 0  # another chat: the overall rate still allows
    finally:
        await shared.close()
