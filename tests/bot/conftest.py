"""Fixtures for end-to-end bot tests: the real service with its real aiogram bot talking over
HTTP to a local fake Bot API server, a FakeClock and mock payments.

Fixtures (function scope; override any of them in a test module):

- ``engine`` -- the root fixture, but emptied with DELETE instead of TRUNCATE on PostgreSQL
  (faster for these tiny tables).
- ``telegram_options`` -- keyword arguments of ``FakeTelegram`` (default: rate limits on, a
  per-chat burst of 10 because scripted users tap faster than people, and URL buttons to
  127.0.0.1 allowed so the mock checkout's Pay button can be followed).
- ``tg`` -- the started ``FakeTelegram``; its internal errors fail the test.
- ``bot_env`` -- extra settings for the bot, e.g. ``{"admin_ids": [900]}``,
  ``{"bot_mode": "webhook", "telegram_webhook_secret": "s3cret"}``,
  ``{"redis_url": "redis://127.0.0.1:6379/0"}``.
- ``settings`` -- the root ``settings`` with BOT_TOKEN / TELEGRAM_API_SERVER pointed at ``tg``
  plus ``bot_env``.
- ``studio`` -- a ``Studio``: ``main.build_service(settings)`` with the test clock, served on
  ``port``, with its bot started (polling, or webhook when ``bot_env`` says so; admins in
  ADMIN_IDS exist as fake users before the start). Stopped on teardown, which also checks
  that every callback query was answered.

``Studio`` helpers: ``user(id, first_name, lang)``; ``press(user, button)`` and
``send(user, text)`` act and wait until the bot handled it; ``deliver()`` runs the outbox
relay and notification delivery once (what the scheduler does every 2 s); ``expire()``;
``checkout(url, outcome)`` acts as the payer on the mock checkout page; ``bookings()``,
``payments()``; ``settle()`` waits until no update is pending or being handled;
``restart_bot()`` replaces the Bot and Dispatcher as a restart would (polling mode).
Flow helpers that press through a whole booking are in ``tests/bot/flows.py``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp import ClientSession, web
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.factory import IN_FLIGHT, create_bot, create_dispatcher
from bot.middlewares import InFlight
from bot.runner import BotRunner
from db.models import Base, Booking, Payment
from db.session import create_engine
from main import Service, build_service
from settings import BotSettings, Settings
from tests.conftest import BACKEND
from tests.fakes.telegram_api import Call, FakeTelegram, FakeUser
from tests.support import FakeClock

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def reachable_redis() -> Redis:
    """A client of the test Redis. A real server is required (CI starts one): a missing
    one fails the test, never skips it."""
    client = Redis.from_url(REDIS_URL)
    try:
        assert await client.ping() is True  # type: ignore[misc]  # redis types both modes
    except (RedisConnectionError, OSError) as exc:
        await client.aclose()
        pytest.fail(f"no Redis at {REDIS_URL}: {exc}")
    return client


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The root fixture's engine, emptied with DELETE (not TRUNCATE) on PostgreSQL: a third
    of the time for these tiny tables, which adds up over many end-to-end tests."""
    engine = create_engine(database_url)
    if BACKEND == "postgres":
        async with engine.begin() as conn:
            sequences = await conn.scalars(
                text("SELECT sequence_name FROM information_schema.sequences")
            )
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(text(f'DELETE FROM "{table.name}"'))
            for name in sequences.all():
                await conn.execute(text(f'ALTER SEQUENCE "{name}" RESTART WITH 1'))
    yield engine
    await engine.dispose()


@pytest.fixture
def telegram_options() -> dict[str, Any]:
    # The mock checkout lives on 127.0.0.1, which Telegram refuses in URL buttons (the bot
    # then puts the link in the text; test_stale_and_bad_input checks that with strict URLs).
    return {"chat_burst": 10, "strict_urls": False}


@pytest.fixture
async def tg(telegram_options: dict[str, Any]) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(**telegram_options) as fake:
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(settings: Settings, tg: FakeTelegram, bot_env: dict[str, Any]) -> Settings:
    settings.bot = BotSettings(bot_token=tg.token, telegram_api_server=tg.base_url, **bot_env)
    return settings


@dataclass
class Studio:
    tg: FakeTelegram
    service: Service
    clock: FakeClock
    http: ClientSession
    settings: Settings

    @property
    def deps(self) -> Any:
        return self.service.deps

    @property
    def sessionmaker(self) -> Any:
        return self.service.sessionmaker

    @property
    def in_flight(self) -> InFlight:
        assert self.service.bot is not None
        flight: InFlight = self.service.bot.dp[IN_FLIGHT]
        return flight

    def user(self, id: int = 1001, first_name: str = "Анна", lang: str | None = "ru") -> FakeUser:
        return self.tg.user(id, first_name, language_code=lang)

    async def press(self, user: FakeUser, button: str, message_id: int | None = None) -> Call:
        """Press an inline button; returns the answerCallbackQuery (the handler's last call)."""
        query = await user.press(button, message_id)
        return await self.answered(query["id"])

    async def answered(self, query_id: str) -> Call:
        def answer(call: Call) -> bool:
            return (
                call.method == "answerCallbackQuery"
                and call.params.get("callback_query_id") == query_id
            )

        call: Call = await self.tg.wait_for(answer)
        return call

    async def send(self, user: FakeUser, text: str) -> Call:
        """Type a message; returns the bot's first reply to this chat."""
        await user.send_text(text)
        call: Call = await self.tg.wait_for("sendMessage", chat_id=user.id)
        return call

    async def settle(self) -> None:
        """Wait until no update is waiting in the fake or being handled by the bot."""

        def idle() -> bool:
            return not self.tg.pending_updates() and self.in_flight.count == 0

        await self.tg.wait_until(idle)

    async def deliver(self) -> None:
        """One run of the outbox relay and the notification delivery jobs."""
        await self.service.jobs.relay()
        await self.service.jobs.deliver()

    async def expire(self) -> None:
        await self.service.jobs.expire()

    async def checkout(self, url: str, outcome: str = "succeeded") -> Any:
        """Act as the payer on the mock checkout page (it sends the signed webhook)."""
        async with self.http.post(
            url, data={"outcome": outcome}, headers={"Accept": "application/json"}
        ) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def restart_bot(self) -> None:
        """Stop the bot and start a new Bot and Dispatcher (polling mode): memory state is
        lost, Redis state is kept, the database and the web server stay up."""
        old = self.service.bot
        assert old is not None and not old.webhook
        await old.stop()
        await close_http_now(old.bot)
        await old.close()
        bot = create_bot(self.settings)
        assert bot is not None
        dp = create_dispatcher(
            self.settings, self.sessionmaker, self.deps, studio=old.dp["studio"]
        )
        self.service.bot = BotRunner(bot, dp, self.settings.bot, old.base_url)
        polls = self.tg.polls_started
        await self.service.bot.start()
        await self.tg.wait_until(lambda: self.tg.polls_started > polls)

    async def bookings(self) -> list[Booking]:
        async with self.sessionmaker() as session:
            return list((await session.scalars(select(Booking).order_by(Booking.id))).all())

    async def payments(self) -> list[Payment]:
        async with self.sessionmaker() as session:
            return list((await session.scalars(select(Payment).order_by(Payment.id))).all())


async def close_http_now(bot: Bot) -> None:
    """Close the bot's HTTP client at once: plain HTTP to a local server has no TLS to drain,
    so aiogram's 250 ms graceful-close pause would only slow every test down."""
    if isinstance(bot.session, AiohttpSession):
        await (await bot.session.create_session()).close()


@pytest.fixture
async def studio(
    settings: Settings,
    engine: AsyncEngine,
    clock: FakeClock,
    tg: FakeTelegram,
    app_socket: socket.socket,
) -> AsyncIterator[Studio]:
    """The service as `main.run` wires it, on a real port, with the bot started."""
    for admin_id in settings.bot.admin_ids:
        tg.user(admin_id, "Admin")
    service = await build_service(settings, clock)
    runner = web.AppRunner(service.app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, app_socket).start()
    assert service.bot is not None
    polls = tg.polls_started
    await service.bot.start()
    if not service.bot.webhook:
        await tg.wait_until(lambda: tg.polls_started > polls)
    async with ClientSession() as http:
        studio = Studio(tg, service, clock, http, settings)
        try:
            yield studio
            await studio.settle()
        finally:
            await service.bot.stop()
            await close_http_now(service.bot.bot)
            await runner.cleanup()
            await service.bot.close()
            await service.engine.dispose()
    assert tg.unanswered_callback_queries() == []
