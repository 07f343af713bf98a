"""The service as an operator runs it: `main.py` in its own process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from settings import ROOT
from tests.support import free_port

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]
SECRET = "operator-secret-token-42"


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "PORT"))}
    base.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'studio.db'}", LOG_LEVEL="INFO")
    base.update(extra)
    return base


async def wait_ready(
    http: aiohttp.ClientSession, proc: asyncio.subprocess.Process, port: int
) -> None:
    """Until /ready answers 200. A cold start (no bytecode cached yet, a slow machine) has
    been seen to take more than 10 s; a process that exits fails at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline:
        if proc.returncode is not None:
            pytest.fail(f"the service exited with {proc.returncode} while starting")
        try:
            async with http.get(f"http://127.0.0.1:{port}/ready") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail("the service did not become ready in 60 s")


async def test_run_serves_then_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "run",
        cwd=ROOT,
        env=env(tmp_path, PORT=str(port), ADMIN_API_TOKEN=SECRET),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, proc, port)
            async with http.get(f"http://127.0.0.1:{port}/api/halls") as response:
                halls = (await response.json())["halls"]
            auth = {"Authorization": f"Bearer {SECRET}"}
            async with http.get(f"http://127.0.0.1:{port}/api/bookings", headers=auth) as response:
                assert response.status == 200
            async with http.get(  # a secret in an unknown parameter: refused, never logged
                f"http://127.0.0.1:{port}/api/bookings?x={SECRET}", headers=auth
            ) as response:
                assert response.status == 400
                assert SECRET not in await response.text()
        assert [h["slug"] for h in halls] == ["white", "loft", "dark"]
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    log = stderr.decode()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines[-1]["msg"] == "stopped"
    assert any(r["msg"] == "request" and r["path"] == "/api/bookings" for r in lines)
    assert SECRET not in log


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "not-a-port"),
        ("HOLD_MINUTES", "0"),
        ("STUDIO_TIMEZONE", "Mars/Base"),
        ("PAYMENT_ENV", "sandbox"),
    ],
)
async def test_bad_setting_stops_with_one_line(tmp_path: Path, name: str, value: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "migrate",
        cwd=ROOT,
        env=env(tmp_path, **{name: value}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert name in lines[0]
