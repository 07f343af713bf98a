"""Fixtures: a fresh database on SQLite or PostgreSQL (TEST_DATABASE=postgres), and the real
aiohttp app served over HTTP on a free port with a controllable clock and mock payments."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from booking.deps import BookingDeps
from booking.studio_file import seed_if_empty
from db.migrate import upgrade
from db.models import Base
from db.session import create_engine, create_sessionmaker
from jobs.scheduler import JobContext
from notifications.channels import Channels
from notifications.delivery import Sender
from notifications.email import EmailSender
from notifications.email_channel import EmailChannel
from payments.base import PaymentProvider
from payments.registry import build_providers, close_providers
from settings import Settings, SmtpSettings
from tests.fakes.smtp_server import FakeSmtpServer
from tests.pg_ready import pg_problem
from tests.support import (
    ADMIN_TOKEN,
    BACKEND,
    PG_ADMIN_URL,
    Api,
    FakeClock,
    Running,
    studio_without_rules,
    wired_deps,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BACKEND == "postgres" and item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason="SQLite-specific test"))
        if BACKEND != "postgres" and item.get_closest_marker("postgres_only"):
            item.add_marker(pytest.mark.skip(reason="runs in the PostgreSQL pass"))
    # The long tests first (a stable sort keeps the rest in order): with `-n`, the workers
    # start on them at once instead of one of them ending the run while the others wait.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: only meaningful on SQLite")
    config.addinivalue_line("markers", "postgres_only: only meaningful on PostgreSQL")
    config.addinivalue_line("markers", "email: the jobs also mail, through the `smtp` fixture")
    problem = pg_problem(PG_ADMIN_URL) if BACKEND == "postgres" else None
    if problem is not None:
        pytest.exit(problem, returncode=2)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated schema made once per run: a SQLite file, or a PostgreSQL database."""
    if BACKEND == "postgres":
        name = f"studio_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        asyncio.run(_migrate(url))
        yield url
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


async def _pg_admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(sql))
    await engine.dispose()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    if BACKEND == "postgres":
        return database_template
    path = tmp_path / "studio.db"
    shutil.copy(database_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if BACKEND == "postgres":
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine, clock: FakeClock) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine, clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app_socket() -> Iterator[socket.socket]:
    """The app's port, bound from the start: picking a free port and binding it later lets
    a fake gateway or another test process take it in between."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.fixture
def port(app_socket: socket.socket) -> int:
    return int(app_socket.getsockname()[1])


@pytest.fixture
def settings_env() -> dict[str, Any]:
    """What a directory or a test module adds to the settings, by the names of the
    environment variables (lower case): override this fixture, never `settings`."""
    return {}


@pytest.fixture
def settings(database_url: str, port: int, settings_env: dict[str, Any]) -> Settings:
    """The one settings of a test: the test's database and port, the example studio, and
    `settings_env` on top."""
    return Settings(
        **{
            "database_url": database_url,
            "port": port,
            "public_base_url": f"http://127.0.0.1:{port}",
            "admin_api_token": ADMIN_TOKEN,
            "studio_file": studio_without_rules(),
            "min_notice_minutes": 60,
            "hold_minutes": 15,
            "prepayment_percent": 50,
            "booking_horizon_days": 90,
            # Most tests act as many clients from one address and one phone; the limits have
            # their own tests (tests/api/test_hold_limits.py, test_rate_limits.py) at defaults.
            "max_active_holds": 1000,
            "booking_rate_per_minute": 100_000,
            "payment_rate_per_minute": 100_000,
            "quote_rate_per_minute": 100_000,
            # A studio that mails (the API takes e-mail-only waits and certificate buyers);
            # what is sent goes through the `senders` fixture, never to this host.
            "smtp_host": "127.0.0.1",
            "smtp_port": 9,
            **settings_env,
        }
    )


@pytest.fixture
async def providers(settings: Settings) -> AsyncIterator[dict[str, PaymentProvider]]:
    built = build_providers(settings.payments, settings.server.base_url())
    yield built
    await close_providers(built)


@pytest.fixture
async def deps(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    providers: dict[str, PaymentProvider],
) -> BookingDeps:
    """As main.py wires it, with the test's clock."""
    async with sessionmaker() as session:
        await seed_if_empty(session, settings.studio.studio_file, settings.studio.tz)
    return wired_deps(settings, providers, clock)


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtpServer]:
    """A real SMTP server on a free port (tests/fakes): where tests marked `email` mail to."""
    async with FakeSmtpServer() as server:
        yield server


@pytest.fixture
def channels(request: pytest.FixtureRequest) -> Channels:
    """Telegram only; with the `email` mark, e-mail too, to clients and to an owner."""
    if request.node.get_closest_marker("email") is None:
        return Channels(studio_address="Москва, ул. Примерная, 1")
    return Channels(
        email=True,
        admin_emails=("owner@studio.test",),
        studio_address="Москва",
        studio_address_en="Moscow",
        studio_email="studio@test",
    )


@pytest.fixture
def senders(request: pytest.FixtureRequest) -> dict[str, Sender]:
    """No sender but the jobs' own; with the `email` mark, e-mail through the `smtp` server
    (the same one the test asks for, to read what was sent)."""
    if request.node.get_closest_marker("email") is None:
        return {}
    smtp: FakeSmtpServer = request.getfixturevalue("smtp")
    settings = SmtpSettings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="studio@test")
    return {"email": EmailChannel(EmailSender(settings))}


@pytest.fixture
async def running(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    clock: FakeClock,
    port: int,
    app_socket: socket.socket,
    channels: Channels,
    senders: dict[str, Sender],
) -> AsyncIterator[Running]:
    """The real app on a real port, so the mock checkout can call its own webhook."""
    app = create_app(settings, sessionmaker, deps)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.SockSite(runner, app_socket)
    await site.start()
    jobs = JobContext(sessionmaker=sessionmaker, deps=deps, channels=channels, senders=senders)
    async with ClientSession() as http:
        yield Running(
            app=app,
            api=Api(http, f"http://127.0.0.1:{port}", ADMIN_TOKEN),
            deps=deps,
            sessionmaker=sessionmaker,
            clock=clock,
            jobs=jobs,
        )
    await runner.cleanup()


@pytest.fixture
def api(running: Running) -> Api:
    return running.api
