"""Telegram's limits shared by several processes through Redis (REDIS_URL): two delivery
channels, each with its own Bot, pacer and Redis connection as two processes would have, send
to the fake Bot API over HTTP. Together they stay within 30 a second and one a second per
chat, one process's replies and the other's notifications included; one process's busy chat
does not hold up its others; a "retry after" one of them gets holds the other; without Redis
they overrun; a Redis that is away or silent holds nothing."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pacing import PacedReplies
from notifications.delivery import Outgoing
from notifications.shared_pacing import RESERVED
from notifications.telegram import TelegramChannel, paced_for
from tests.fakes.telegram_api import FakeTelegram
from tests.support import REDIS_URL, reachable_redis

# Rates in real time: two "processes" share one event loop here, and a loop slowed by other
# test processes on the machine bunches their sends at the fake; `make test` runs these alone.
pytestmark = pytest.mark.serial
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
    keys = [key async for key in client.scan_iter(f"{{{prefix}}}:*")]
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
        max_wait: float = 60.0,
    ) -> None:
        self.pacer = paced_for(redis_url if prefix else None, prefix=prefix or "")
        self.bot: Bot = tg.make_bot()
        self.channel = TelegramChannel(self.bot, sessionmaker, pacer=self.pacer, max_wait=max_wait)

    async def send(self, chats: Sequence[int], first_id: int) -> list[BaseException | None]:
        """Deliver "hi" to each chat at once; what each delivery raised, if anything."""
        return await asyncio.gather(
            *(
                self.channel.deliver(Outgoing(first_id + n, "telegram", str(chat), "", "hi", None))
                for n, chat in enumerate(chats)
            ),
            return_exceptions=True,
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
    assert stats.rate_limited == 0  # the fake answers 429 to a 31st send in any second


async def test_two_processes_keep_a_chats_interval(
    tg: FakeTelegram, processes: tuple[Process, Process]
) -> None:
    one, two = processes
    [chat] = chats(tg, 0, 1)
    await asyncio.gather(one.send([chat], 1), two.send([chat], 2), one.send([chat], 3))
    stats = tg.stats
    assert stats.sends_per_chat[chat] == 3
    assert stats.rate_limited == 0  # the fake answers 429 to a second send within 1 s


async def test_a_chat_another_process_just_used_does_not_hold_up_other_chats(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession], prefix: str
) -> None:
    """The other process has just sent to chat A: A waits its interval out of the queue,
    and this process's other chats go at once."""
    busy, *others = chats(tg, 0, 6)
    elsewhere = paced_for(REDIS_URL, prefix=prefix).shared
    here = Process(tg, sessionmaker, prefix)
    assert elsewhere is not None
    try:
        assert await elsewhere.reserve(busy) == RESERVED
        await elsewhere.finished(busy)  # A may get its next message 1.05 s from now
        assert await here.send([busy, *others], 1) == [None] * 6  # A asks first
    finally:
        await elsewhere.close()
        await here.close()
    order = [int(c.params["chat_id"]) for c in tg.calls("sendMessage")]
    # A asked first and went last: it waited its interval, and the others did not wait for A.
    assert sorted(order[:-1]) == sorted(others) and order[-1] == busy


async def test_replies_in_one_process_and_notifications_in_another_share_a_chats_limit(
    tg: FakeTelegram, processes: tuple[Process, Process]
) -> None:
    """One process answers a person's taps (two messages at once are allowed), the other
    delivers a confirmation to the same chat: it waits until the chat has rested, and the
    replies after it wait their turn too."""
    one, two = processes
    one.bot.session.middleware(PacedReplies(one.pacer))
    tg.chat_burst = 2  # a third message within a second: 429
    [chat] = chats(tg, 0, 1)
    await one.bot.send_message(chat, "Вы выбрали зал")
    await one.bot.send_message(chat, "Выберите день")
    assert await two.send([chat], 1) == [None]
    await one.bot.send_message(chat, "Вы выбрали день")
    await one.bot.send_message(chat, "Выберите время")
    sent = tg.calls("sendMessage")
    assert [c.params["text"] for c in sent] == [
        "Вы выбрали зал", "Выберите день", "hi", "Вы выбрали день", "Выберите время",
    ]  # fmt: skip
    assert tg.stats.rate_limited == 0
    assert sent[2].time - sent[1].time > 1.5  # the confirmation waited about two intervals


async def test_a_retry_after_in_one_process_holds_the_other(
    tg: FakeTelegram, processes: tuple[Process, Process], prefix: str
) -> None:
    one, two = processes
    first, second = chats(tg, 0, 2)
    tg.fail_next("sendMessage", 429, retry_after=2)
    sending = asyncio.create_task(one.send([first], 1))
    redis = await reachable_redis()
    try:
        while not (paused := await redis.get(f"{{{prefix}}}:paused_until")):  # one got the 429
            await asyncio.sleep(0.01)
    finally:
        await redis.aclose()
    resume_ms = int(paused)  # on Redis's clock, in ms since the epoch
    assert await two.send([second], 2) == [None]
    assert await sending == [None]
    sent = [call for call in tg.calls("sendMessage") if call.ok]
    assert {int(call.params["chat_id"]) for call in sent} == {first, second}
    # Neither process sent before the pause held in Redis was over.
    assert all(call.time * 1000 >= resume_ms for call in sent)


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
    assert results == [[None] * 40, [None] * 40]  # all went, after waiting out 429s
    assert tg.stats.rate_limited > 0


async def test_an_unreachable_redis_leaves_each_process_its_own_pacing(
    tg: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    lost = Process(tg, sessionmaker, "test:pacing:unreachable", redis_url="redis://127.0.0.1:1/0")
    try:
        with caplog.at_level(logging.WARNING, logger="notifications.shared_pacing"):
            assert await lost.send(chats(tg, 0, 5), 1) == [None] * 5
    finally:
        await lost.close()
    assert sum(tg.stats.sends_per_chat.values()) == 5
    warnings = [r for r in caplog.records if "shared Telegram pacing unavailable" in r.message]
    assert len(warnings) == 1  # once, not per send


async def test_a_redis_that_never_answers_holds_no_send_for_long(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A server that takes the connection and says nothing: after the socket timeout the
    sends go on, paced by this process alone, without asking it again for each send."""
    silent: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hung = Process(tg, sessionmaker, "test:pacing:hung", redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        assert await hung.send(chats(tg, 0, 5), 1) == [None] * 5
    finally:
        await hung.close()
        for writer in silent:
            writer.close()
        server.close()
    assert sum(tg.stats.sends_per_chat.values()) == 5
    # Asked once: a hung connection is dropped after its timeout, so asking again for each
    # send would have opened a connection per send.
    assert len(silent) == 1


async def test_the_service_shares_its_pacing_when_redis_is_configured(prefix: str) -> None:
    assert paced_for(None).shared is None
    pacer = paced_for(REDIS_URL, prefix=prefix)
    shared = pacer.shared
    assert shared is not None
    try:
        assert await shared.reserve(7) == RESERVED
        held = await shared.reserve(7)  # the send is still out: the chat is held
        assert held.chat and held.seconds > pacer.chat_interval
        await shared.finished(7)
        after = await shared.reserve(7)  # the interval now runs from the end of the send
        assert after.chat and 0 < after.seconds <= pacer.chat_interval
        assert await shared.reserve(8) == RESERVED  # another chat: the overall rate allows
    finally:
        await shared.close()
