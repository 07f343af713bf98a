"""Idle memory of the running service against a bare Python that imports the same frameworks.

    python -m bench.bench_memory [--backend sqlite|postgres] [--idle 10]

The service (`main.py run`, bot off, mock payments) starts on a database with 10,000
bookings, answers a few requests (health, readiness, halls, a month of availability per hall,
a booking made and read back, the OpenAPI document), then idles while its scheduled jobs keep
running. Its VmRSS (and VmHWM, the peak) from /proc/<pid>/status is compared with a process
of the same interpreter that only imports aiogram, aiohttp, sqlalchemy, aiosqlite, asyncpg,
apscheduler, yookassa, pydantic_settings, alembic, icalendar and aiosmtplib, measured in the
same run. Goal: idle RSS at most 1.25 times the baseline's. For the analysis, a third process
imports the service's own modules (`import main`) without starting anything.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from aiohttp import ClientSession

from bench.common import (
    ADMIN_TOKEN,
    APP_ROOT,
    BACKENDS,
    TZ,
    BookingSet,
    create_database,
    header,
    insert_bookings,
    mb,
    proc_status,
    read_studio,
    start_service,
    table,
)

FRAMEWORKS = (
    "aiogram",
    "aiohttp",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "apscheduler",
    "yookassa",
    "pydantic_settings",
    "alembic",
    "icalendar",
    "aiosmtplib",
)
GOAL = 1.25
BOOKINGS = 10_000


def importer_rss(imports: str, cwd: Path) -> dict[str, int]:
    """Start a Python that runs `imports`, says so, and sleeps; read its /proc status."""
    code = (
        f"{imports}\nimport sys, time\nsys.stdout.write('ready\\n')\nsys.stdout.flush()\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != b"ready":
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"importer failed: {err[-2000:]}")
        time.sleep(1)
        return proc_status(process.pid)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait()


async def exercise(base: str, today: str, last: str) -> int:
    """A few requests of each kind, as a studio's first visitors would make."""
    made = 0
    async with ClientSession() as http:
        for path in ("/health", "/ready", "/api/halls", "/api/openapi.json"):
            async with http.get(base + path) as response:
                await response.read()
                made += 1
        for hall in (1, 2, 3):
            url = (
                f"{base}/api/bookings/availability?hall_id={hall}"
                f"&start_date={today}&end_date={last}"
            )
            async with http.get(url) as response:
                await response.read()
                made += 1
        start = datetime.now(UTC).astimezone(TZ).replace(
            hour=11, minute=0, second=0, microsecond=0
        ) + timedelta(days=75)
        body = {
            "hall_id": 2,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "payment_mode": "prepay",
            "accept_rules": True,
            "client": {"name": "Мария", "phone": "+79990001122", "email": "m@example.com"},
        }
        async with http.post(f"{base}/api/bookings", json=body) as response:
            created = orjson.loads(await response.read())
            made += 1
        if response.status == 201:
            headers = {"Authorization": f"Bearer {created['access_token']}"}
            async with http.get(f"{base}/api/bookings/{created['id']}", headers=headers) as got:
                await got.read()
                made += 1
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with http.get(f"{base}/api/bookings?limit=50", headers=headers) as response:
            await response.read()
            made += 1
    return made


async def run(backend: str = "sqlite", *, idle: float = 10.0) -> dict[str, Any]:
    header(f"memory, {backend}: idle service process vs bare framework imports")
    logdir = Path(tempfile.mkdtemp(prefix="bench_memory_logs_"))
    database = await create_database(backend, "memory")
    try:
        studio = await read_studio(database.url)
        now = datetime.now(UTC)
        await insert_bookings(database.url, BookingSet(studio, now).rows(), BOOKINGS)
        today = now.astimezone(TZ).date()
        baseline = importer_rss("import " + ", ".join(FRAMEWORKS), APP_ROOT)
        modules = importer_rss("import main", APP_ROOT)
        began = time.monotonic()
        service, base = start_service(database.url, logdir)
        startup_s = time.monotonic() - began
        with service:
            started = proc_status(service.pid)
            requests = await exercise(
                base, today.isoformat(), (today + timedelta(days=30)).isoformat()
            )
            after_requests = proc_status(service.pid)
            samples = []
            deadline = time.monotonic() + idle
            while time.monotonic() < deadline:
                await asyncio.sleep(1)
                samples.append(proc_status(service.pid)["VmRSS"])
            idle_status = proc_status(service.pid)
    finally:
        await database.drop()
        shutil.rmtree(logdir, ignore_errors=True)

    base_rss = baseline["VmRSS"]
    rows: list[list[object]] = [
        ["", "VmRSS MB", "VmHWM MB", "ratio to baseline (RSS)"],
        [
            f"baseline: python -c 'import {FRAMEWORKS[0]}, ... ({len(FRAMEWORKS)} frameworks)'",
            f"{mb(base_rss):.1f}",
            f"{mb(baseline['VmHWM']):.1f}",
            "1.00",
        ],
        [
            "service modules only: python -c 'import main'",
            f"{mb(modules['VmRSS']):.1f}",
            f"{mb(modules['VmHWM']):.1f}",
            f"{modules['VmRSS'] / base_rss:.2f}",
        ],
        [
            f"service after start-up ({startup_s:.1f} s to answer /health)",
            f"{mb(started['VmRSS']):.1f}",
            f"{mb(started['VmHWM']):.1f}",
            f"{started['VmRSS'] / base_rss:.2f}",
        ],
        [
            f"service after {requests} requests",
            f"{mb(after_requests['VmRSS']):.1f}",
            f"{mb(after_requests['VmHWM']):.1f}",
            f"{after_requests['VmRSS'] / base_rss:.2f}",
        ],
        [
            f"service idle {idle:g} s later",
            f"{mb(idle_status['VmRSS']):.1f}",
            f"{mb(idle_status['VmHWM']):.1f}",
            f"{idle_status['VmRSS'] / base_rss:.2f}",
        ],
    ]
    print(table(rows))
    ratio = idle_status["VmRSS"] / base_rss
    verdict = "meets" if ratio <= GOAL else "misses"
    peak = mb(idle_status["VmHWM"])
    print(
        f"   idle service RSS {mb(idle_status['VmRSS']):.1f} MB = {ratio:.2f}x the baseline's "
        f"{mb(base_rss):.1f} MB ({verdict} the goal <= {GOAL}x); peak {peak:.1f} MB; "
        f"RSS while idle {mb(min(samples)):.1f}-{mb(max(samples)):.1f} MB"
    )
    return {
        "backend": backend,
        "service_rss_mb": mb(idle_status["VmRSS"]),
        "service_hwm_mb": mb(idle_status["VmHWM"]),
        "baseline_rss_mb": mb(base_rss),
        "modules_rss_mb": mb(modules["VmRSS"]),
        "ratio": ratio,
        "startup_s": startup_s,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_memory", description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idling")
    args = parser.parse_args(argv)
    asyncio.run(run(args.backend, idle=args.idle))


if __name__ == "__main__":
    main()
