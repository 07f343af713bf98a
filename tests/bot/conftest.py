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
- ``settings_env`` -- what the root ``settings`` gets here: BOT_TOKEN / TELEGRAM_API_SERVER
  pointed at ``tg``, plus ``bot_env``.
- ``studio`` -- a ``Studio``: ``main.build_service(settings)`` with the test clock, served on
  ``port``, with its bot started (polling, or webhook when ``bot_env`` says so; admins in
  ADMIN_IDS exist as fake users before the start). Stopped on teardown, which also checks
  that every callback query was answered.

``Studio`` helpers (tests/bot/flows.py): ``user(id, first_name, lang)``; ``press(user,
button)`` and ``send(user, text)`` act and wait until the bot handled it; ``deliver()`` runs
the outbox relay and notification delivery once (what the scheduler does every 2 s);
``expire()``; ``checkout(url, outcome)`` acts as the payer on the mock checkout page;
``bookings()``, ``payments()``; ``settle()`` waits until no update is pending or being
handled; ``restart_bot()`` replaces the Bot and Dispatcher as a restart would (polling mode).
Flow helpers that press through a whole booking are there too.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, web
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Base
from db.session import create_engine
from service import build_service
from settings import Settings
from tests.bot.flows import Studio, close_http_now
from tests.fakes.telegram_api import FakeTelegram
from tests.support import BACKEND, FakeClock, reachable_redis


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
async def redis() -> AsyncIterator[Redis]:
    """A client of the test Redis (tests that set REDIS_URL ask for it)."""
    client = await reachable_redis()
    yield client
    await client.aclose()


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings_env(tg: FakeTelegram, bot_env: dict[str, Any]) -> dict[str, Any]:
    return {"bot_token": tg.token, "telegram_api_server": tg.base_url, **bot_env}


@pytest.fixture
async def studio(
    settings: Settings,
    engine: AsyncEngine,
    clock: FakeClock,
    tg: FakeTelegram,
    app_socket: socket.socket,
) -> AsyncIterator[Studio]:
    """The service as `main.run` wires it, on a real port, with the bot started."""
    for admin_id in settings.bot.staff_ids:
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
            await service.close()  # the bot, the pacer's Redis client, the gateways, the pool
    assert tg.unanswered_callback_queries() == []
