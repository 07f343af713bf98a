"""The service for the browser tests, served from a thread with its own event loop, so that
Playwright's synchronous API drives Chromium from the test's thread while the app answers:
one service per test module (each test books its own day), with a fake Telegram Bot API
server beside it for the Mini App."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from aiogram import Bot
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from booking.deps import BookingDeps
from booking.studio_file import seed_if_empty
from db.models import Base
from db.session import create_engine, create_sessionmaker
from jobs.outbox import relay_events
from notifications.channels import Channels
from notifications.delivery import deliver_due
from notifications.telegram import TelegramChannel
from payments.registry import build_providers, close_providers
from settings import ROOT, Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.support import ADMIN_TOKEN, BACKEND, FakeClock, signed_init_data, wired_deps

T = TypeVar("T")
#: Where Chromium is on Debian (Playwright's own browser download is not reachable here).
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Served:
    """The running service: its URL, clock, database and the fake Telegram."""

    url: str
    clock: FakeClock
    settings: Settings
    loop: asyncio.AbstractEventLoop
    sessionmaker: async_sessionmaker[AsyncSession] = field(repr=False)
    deps: BookingDeps = field(repr=False)
    tg: FakeTelegram = field(repr=False)
    bot: Bot = field(repr=False)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the service's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def deliver(self) -> int:
        """What the jobs would do next: events into notifications, then Telegram sends."""

        async def once() -> int:
            await relay_events(self.sessionmaker, self.deps, Channels(telegram=True))
            channel = TelegramChannel(self.bot, self.sessionmaker)
            return await deliver_due(self.sessionmaker, self.deps, {"telegram": channel})

        return self.run(once())

    @contextmanager
    def other_site(self, html: str) -> Iterator[str]:
        """A page of another website (another origin, on this machine), until the block ends."""

        async def page(_: web.Request) -> web.Response:
            return web.Response(text=html, content_type="text/html")

        app = web.Application()
        app.router.add_get("/", page)
        runner = web.AppRunner(app, access_log=None)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))

        async def start() -> None:
            await runner.setup()
            await web.SockSite(runner, sock).start()

        self.run(start())
        try:
            yield f"http://localhost:{sock.getsockname()[1]}/"
        finally:
            self.run(runner.cleanup())
            sock.close()

    def init_data(self, user: dict[str, Any], auth_date: datetime | None = None) -> str:
        """initData as Telegram signs it for this service's bot."""
        return signed_init_data(self.tg.token, user, auth_date or self.clock.now)


async def _database(url: str) -> AsyncEngine:
    engine = create_engine(url)
    if BACKEND == "postgres":
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@contextmanager
def serve(database_template: str, workdir: Path, clock: FakeClock) -> Iterator[Served]:
    """The app on a free port in a thread of its own, until the block ends."""
    if BACKEND == "postgres":
        url = database_template
    else:
        shutil.copy(database_template, workdir / "studio.db")
        url = f"sqlite+aiosqlite:///{workdir / 'studio.db'}"
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="served-studio", daemon=True)
    thread.start()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    async def start() -> tuple[Served, web.AppRunner, AsyncEngine, Any]:
        tg = await FakeTelegram(chat_burst=10, strict_urls=False).start()
        settings = Settings(
            database_url=url,
            port=port,
            public_base_url=f"http://127.0.0.1:{port}",
            admin_api_token=ADMIN_TOKEN,
            studio_file=ROOT / "studio" / "example.json",
            min_notice_minutes=60,
            hold_minutes=15,
            prepayment_percent=50,
            booking_horizon_days=90,
            max_active_holds=1000,
            booking_rate_per_minute=100_000,
            quote_rate_per_minute=100_000,
            payment_rate_per_minute=100_000,
            bot_token=tg.token,
            telegram_api_server=tg.base_url,
            # A studio that mails (the page's e-mail-only waits and certificate buyers); no
            # job runs here, so nothing is ever sent to this host.
            smtp_host="127.0.0.1",
            smtp_port=9,
        )
        engine = await _database(url)
        sessionmaker = create_sessionmaker(engine, clock)
        async with sessionmaker() as session:
            await seed_if_empty(session, settings.studio.studio_file, settings.studio.tz)
        providers = build_providers(settings.payments, settings.server.base_url())
        deps = wired_deps(settings, providers, clock)
        runner = web.AppRunner(create_app(settings, sessionmaker, deps), access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        bot = tg.make_bot()
        served = Served(
            f"http://127.0.0.1:{port}", clock, settings, loop, sessionmaker, deps, tg, bot
        )
        return served, runner, engine, providers

    served, runner, engine, providers = asyncio.run_coroutine_threadsafe(start(), loop).result(60)

    async def stop() -> None:
        await served.bot.session.close()
        await runner.cleanup()
        await close_providers(providers)
        await served.tg.stop()
        await engine.dispose()

    try:
        yield served
    finally:
        served.run(stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        sock.close()
