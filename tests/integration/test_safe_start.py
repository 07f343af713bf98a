"""Safe by default, as an operator meets it: `main.py` refuses unsafe or broken settings in
one line naming the fix (no traceback, no half-made database), and a demo on a public
address says what it is."""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from api.keys import SETTINGS
from settings import ROOT
from tests.fakes.telegram_api import FakeTelegram
from tests.processes import ServiceProcess, run_main, service_env
from tests.support import BACKEND, PG_ADMIN_URL, Running, free_port

pytestmark = pytest.mark.slow  # `main.py` in processes of its own
YOOKASSA = {"YOOKASSA_SHOP_ID": "123456", "YOOKASSA_SECRET_KEY": "test_secret"}
LONG_TOKEN = "t" * 32
MOSCOW = ZoneInfo("Europe/Moscow")


def sqlite_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return service_env(f"sqlite+aiosqlite:///{tmp_path / 'studio.db'}", **extra)


async def refused(env: dict[str, str], *args: str) -> str:
    """Run `main.py ARGS`, expect exit code 2 and one line on stderr; that line."""
    code, _, err = await run_main(env, *(args or ("migrate",)))
    lines = err.strip().splitlines()
    assert code == 2, err[-2000:]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("settings", "named", "fix"),
    [
        ({"HOST": "0.0.0.0"}, "PAYMENT_ENV", "ALLOW_MOCK_PAYMENTS=true"),
        ({"PUBLIC_BASE_URL": "https://studio.example"}, "PAYMENT_ENV", "ALLOW_MOCK_PAYMENTS"),
        (
            {"PAYMENT_ENV": "production", "PUBLIC_BASE_URL": "http://studio.example", **YOOKASSA},
            "PUBLIC_BASE_URL",
            "https://",
        ),
        (
            {"PAYMENT_ENV": "production", "PUBLIC_BASE_URL": "https://127.0.0.1", **YOOKASSA},
            "PUBLIC_BASE_URL",
            "public https://",
        ),
        ({"PUBLIC_BASE_URL": "studio.example.ru"}, "PUBLIC_BASE_URL", "https://studio.example.ru"),
        ({"PUBLIC_BASE_URL": "ftp://x"}, "PUBLIC_BASE_URL", "https://"),
        (
            {"PAYMENT_ENV": "test", "ADMIN_API_TOKEN": "short-token", **YOOKASSA},
            "ADMIN_API_TOKEN",
            "at least 24",
        ),
        (
            {
                "PAYMENT_ENV": "production",
                "PUBLIC_BASE_URL": "https://studio.example",
                "ADMIN_API_TOKEN": "x" * 23,
                **YOOKASSA,
            },
            "ADMIN_API_TOKEN",
            "secrets.token_urlsafe",
        ),
        ({"DATABASE_URL": "garbage"}, "DATABASE_URL", "postgresql+asyncpg://"),
        ({"DATABASE_URL": "postgres://"}, "DATABASE_URL", "postgresql+asyncpg://"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL", "sqlite+aiosqlite:///x.db"),
        ({"BOT_TOKEN": "123456"}, "BOT_TOKEN", "@BotFather"),
        ({"BOT_TOKEN": "bot123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "BOT_TOKEN", "@BotFather"),
        ({"STUDIO_FILE": "/nowhere/studio.json"}, "STUDIO_FILE", "example.json"),
    ],
)
async def test_unsafe_or_broken_settings_stop_in_one_line(
    tmp_path: Path, settings: dict[str, str], named: str, fix: str
) -> None:
    line = await refused(sqlite_env(tmp_path, **settings))
    assert line.startswith(f"invalid setting {named}:"), line
    assert fix in line, line
    assert not list(tmp_path.iterdir())  # no database was made


@pytest.mark.sqlite_only
async def test_the_safe_settings_still_start(tmp_path: Path) -> None:
    """Loopback in mock mode (the default), a demo that asks for it, real gateways on a
    public https address with a long token."""
    for settings in (
        {"PUBLIC_BASE_URL": "http://localhost:8080"},
        {"PUBLIC_BASE_URL": "https://studio.example", "ALLOW_MOCK_PAYMENTS": "true"},
        {
            "PAYMENT_ENV": "production",
            "PUBLIC_BASE_URL": "https://studio.example/booking",
            "ADMIN_API_TOKEN": LONG_TOKEN,
            **YOOKASSA,
        },
    ):
        code, _, err = await run_main(sqlite_env(tmp_path, **settings), "migrate")
        assert code == 0, err


@pytest.mark.sqlite_only
async def test_a_broken_studio_file_leaves_no_database(tmp_path: Path) -> None:
    studio = tmp_path / "studio.json"
    studio.write_text("{not json", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    env = service_env(f"sqlite+aiosqlite:///{data / 'studio.db'}", STUDIO_FILE=str(studio))
    line = await refused(env, "run")
    assert "studio file" in line and "STUDIO_FILE" in line
    assert not list(data.iterdir())


def _closed_port() -> int:
    return free_port()


@pytest.mark.parametrize("case", ["server_down", "no_database", "no_directory"])
async def test_a_database_that_cannot_be_opened_stops_in_one_line(
    tmp_path: Path, case: str
) -> None:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url, expected = {
        "server_down": (
            f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/studio",
            "start the server",
        ),
        "no_database": (f"{base}/studio_missing_db", "createdb"),
        "no_directory": (f"sqlite+aiosqlite:///{tmp_path / 'none' / 'studio.db'}", "directory"),
    }[case]
    if case == "no_database" and BACKEND != "postgres":
        pytest.skip("needs a PostgreSQL server: runs in the PostgreSQL pass")
    line = await refused(service_env(url))
    assert "DATABASE_URL" in line and expected in line, line


@pytest.mark.sqlite_only
async def test_a_taken_port_stops_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = await run_main(sqlite_env(tmp_path, PORT=str(port)), "run")
    assert code == 2
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"cannot listen on 127.0.0.1:{port}") and "PORT" in last, last


@pytest.mark.sqlite_only
async def test_a_bot_token_telegram_rejects_stops_in_one_line(tmp_path: Path) -> None:
    async with FakeTelegram() as telegram:
        env = sqlite_env(
            tmp_path,
            BOT_TOKEN="987654321:ANOTHER-bots-token-not-this-one",
            TELEGRAM_API_SERVER=telegram.base_url,
            PORT=str(free_port()),
        )
        code, _, err = await run_main(env, "run")
    assert code == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("invalid setting BOT_TOKEN:") and "401" in last, last


@pytest.mark.sqlite_only
async def test_a_public_demo_warns_at_start_and_its_checkout_says_so(tmp_path: Path) -> None:
    port = free_port()
    env = sqlite_env(
        tmp_path,
        PORT=str(port),
        PUBLIC_BASE_URL="https://studio.example",
        ALLOW_MOCK_PAYMENTS="true",
        LOG_LEVEL="INFO",
    )
    service = await ServiceProcess(env, port).start()
    try:
        base = service.base_url
        async with aiohttp.ClientSession() as http:
            # The service runs on the wall clock: a week from now, at noon in Moscow.
            day = (datetime.now(UTC) + timedelta(days=7)).astimezone(MOSCOW).date()
            start = datetime.combine(day, time(12), tzinfo=MOSCOW)
            booking = {
                "hall_id": 1,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
                "payment_mode": "full",
                "client": {"name": "Анна", "phone": "+7 999 123-45-67"},
            }
            async with http.post(f"{base}/api/bookings", json=booking) as response:
                made = await response.json()
                assert response.status == 201, made
            auth = {"Authorization": f"Bearer {made['access_token']}"}
            async with http.post(
                f"{base}/api/payments",
                json={"booking_id": made["id"], "gateway": "mock"},
                headers=auth,
            ) as response:
                payment = await response.json()
                assert response.status == 201, payment
            assert payment["confirmation_url"].startswith("https://studio.example/mock/")
            page_url = payment["confirmation_url"].replace("https://studio.example", base)
            async with http.get(page_url) as response:
                page = await response.text()
            # In the payer's language (Accept-Language), Russian when the browser names none.
            async with http.get(page_url, headers={"Accept-Language": "en-GB"}) as response:
                english = await response.text()
        assert "Демонстрация: деньги не списываются" in page
        assert "Demo: no money is taken" in english
    finally:
        await service.stop()
    assert "Traceback" not in service.stderr, service.stderr
    lines = service.log_records()
    warnings = [r for r in lines if r["level"] == "WARNING"]
    assert any("mock payments are on at a public address" in str(r["msg"]) for r in warnings)


async def test_the_checkout_marks_a_demo_only(running: Running) -> None:
    booking = await running.api.booked()
    payment = await running.api.start_payment(booking)
    async with running.api.http.get(payment["confirmation_url"]) as response:
        assert "Демонстрация" not in await response.text()
    running.app[SETTINGS].payments.allow_mock_payments = True
    async with running.api.http.get(payment["confirmation_url"]) as response:
        assert "Демонстрация: деньги не списываются" in await response.text()


@pytest.mark.sqlite_only
async def test_a_nul_byte_in_a_header_logs_no_error(tmp_path: Path) -> None:
    port = free_port()
    service = await ServiceProcess(sqlite_env(tmp_path, LOG_LEVEL="INFO"), port).start()
    try:
        for request in (
            b"GET /api/halls HTTP/1.1\r\nHost: x\r\nX-Name: a\x00b\r\n\r\n",
            b"GET /api/halls HTTP/1.1\r\nHost: x\r\nX-N\x00ame: ab\r\n\r\n",
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            status = await reader.readline()
            writer.close()
            await writer.wait_closed()
            assert b" 400 " in status, status
    finally:
        await service.stop()
    assert "Traceback" not in service.stderr, service.stderr
    lines = service.log_records()
    assert [r for r in lines if r["level"] == "ERROR"] == []
    refused_lines = [r for r in lines if r["msg"] == "malformed request refused"]
    assert len(refused_lines) == 2 and all(r["level"] == "INFO" for r in refused_lines)
    assert all("exc" not in r for r in refused_lines)


async def test_make_test_without_postgresql_says_so_in_one_line() -> None:
    env = {"TEST_PG_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/postgres"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.pg_ready",
        cwd=ROOT,
        env={**service_env(""), **env},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1
    assert "make test-sqlite" in lines[0] and "start it" in lines[0]
