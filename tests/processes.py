"""`main.py` in processes of its own, as an operator runs it: started, stalled and killed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select, text

from db.models import Payment
from db.session import create_engine
from settings import ROOT
from tests.payments.helpers import TB_PASSWORD, TERMINAL, FakeTinkoffWithCheckOrder
from tests.stall_main import STALLED
from tests.support import BACKEND, PG_ADMIN_URL, studio_without_rules

#: The admin API token of the services the T-Bank tests start (`tbank_env`).
ADMIN = "chaos-admin-token-of-enough-length"


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    """The test's environment without its database and port, plus the given variables.

    Bytecode is written where Python keeps it (`__pycache__`, ignored by git), so the
    processes after the first do not compile the service's modules again where
    PYTHONDONTWRITEBYTECODE is set. Not in a PYTHONPYCACHEPREFIX directory: that one starts
    empty on a new machine and makes the first process compile every library it imports
    (seconds), which the installed libraries' own bytecode spares."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE", "PORT", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"))
    }
    env.update(DATABASE_URL=database_url, LOG_LEVEL="WARNING")
    env.update(STUDIO_FILE=str(studio_without_rules()))
    env.update(extra)
    return env


async def run_main(env: dict[str, str], *args: str, timeout: float = 120) -> tuple[int, str, str]:
    """Run `main.py ARGS` to its end: exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def audit_holds(env: dict[str, str]) -> None:
    """`main.py audit` on the service's database finds the ledger whole."""
    code, out, err = await run_main(env, "audit")
    assert code == 0, out + err[-2000:]
    assert out.startswith("ledger audit: everything holds"), out


def tbank_env(database_url: str, tinkoff: FakeTinkoffWithCheckOrder) -> dict[str, str]:
    """A service that takes payments at the T-Bank fake (the gateway's test mode)."""
    return service_env(
        database_url,
        PAYMENT_ENV="test",
        TINKOFF_TERMINAL_KEY=TERMINAL,
        TINKOFF_PASSWORD=TB_PASSWORD,
        TINKOFF_API_URL=tinkoff.api_url,
        ADMIN_API_TOKEN=ADMIN,
        PAYMENT_GATEWAY_TIMEOUT="5",
    )


async def paid_at_tbank(
    service: ServiceProcess,
    tinkoff: FakeTinkoffWithCheckOrder,
    database_url: str,
    booking: dict[str, Any],
) -> str:
    """The client opens a T-Bank payment of what the booking asks now and pays it on the
    gateway's page; the gateway's report is still to send. Its id at the gateway."""
    status, payment = await service.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": "tinkoff"},
        token=booking["access_token"],
    )
    assert status == 201, payment
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        gateway_id = await conn.scalar(
            select(Payment.gateway_payment_id).where(Payment.id == payment["id"])
        )
    await engine.dispose()
    assert gateway_id is not None
    tinkoff.pay(gateway_id)
    return str(gateway_id)


async def kill_after_statement(
    env: dict[str, str], statement: int, *args: str, timeout: float = 120
) -> None:
    """Run `main.py ARGS` until its `statement`th SQL statement, then SIGKILL it there."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.stall_main",
        *args,
        cwd=ROOT,
        env={**env, "STALL_AFTER_STATEMENT": str(statement)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), timeout)
        if line.decode().strip() != STALLED:
            err = await proc.stderr.read()
            raise AssertionError(f"the process ended before statement {statement}: {err!r}")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()


class Databases:
    """Fresh, empty databases on the test's backend, dropped at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp = tmp_path
        self._made: list[str] = []

    async def new(self) -> str:
        name = f"studio_kill_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if BACKEND != "postgres":
            return f"sqlite+aiosqlite:///{self._tmp / name}.db"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    async def drop_all(self) -> None:
        for name in self._made:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _pg_admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(sql))
    await engine.dispose()


class ServiceProcess:
    """`main.py run` in a process of its own; `stall_after` makes it stop dead after that
    many SQL statements counted from `arm()`, for the test to kill it there."""

    def __init__(self, env: dict[str, str], port: int, stall_after: int | None = None) -> None:
        # Its own address is the public one unless the test names another.
        self.env = {"PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **env, "PORT": str(port)}
        self.base_url = f"http://127.0.0.1:{port}"
        self._stall_after = stall_after
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 120) -> ServiceProcess:
        """Start it and wait until /ready answers 200."""
        args: tuple[str, ...] = ("main.py", "run")
        env = self.env
        if self._stall_after is not None:
            args = ("-m", "tests.stall_main", "run")
            env = {
                **env,
                "STALL_AFTER_STATEMENT": str(self._stall_after),
                "STALL_ARMED_BY": "SIGUSR1",
            }
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._stderr = asyncio.create_task(self._read_stderr())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as http:
            while loop.time() < deadline:
                if self.proc.returncode is not None:
                    await self._stderr
                    raise AssertionError(f"the service exited: {self.stderr[-2000:]}")
                try:
                    async with http.get(f"{self.base_url}/ready") as response:
                        if response.status == 200:
                            return self
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        await self.kill()
        raise AssertionError("the service did not become ready")

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        self.stderr = (await self.proc.stderr.read()).decode()

    def arm(self) -> None:
        """Start counting statements towards the stall."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGUSR1)

    async def kill_when_stalled(self, timeout: float = 20) -> bool:
        """SIGKILL once it stalls (or after `timeout`, if it never reached the count); True
        if it stalled."""
        assert self.proc is not None and self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            stalled = line.decode().strip() == STALLED
        except TimeoutError:
            stalled = False
        await self.kill()
        return stalled

    async def call(
        self, method: str, path: str, *, json: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        """One call of its JSON API, as a client makes it: the status and the body."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, self.base_url + path, json=json, headers=headers) as response,
        ):
            return response.status, await response.json()

    async def kill_during(self, request: Awaitable[Any]) -> None:
        """Arm the stall, send `request` (a call to this process) and SIGKILL the process once
        it stalls; the request, cut off with it, may end as it likes."""
        self.arm()
        sent = asyncio.ensure_future(request)
        await self.kill_when_stalled()
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            await sent

    async def kill(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        await self._stderr

    async def stop(self) -> None:
        """SIGTERM, as an operator stops it; it must end cleanly."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.proc.wait(), 30)
        await self._stderr
        assert self.proc.returncode == 0, self.stderr[-2000:]

    def log_records(self) -> list[dict[str, object]]:
        """The service's JSON log lines, once it has stopped."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.startswith("{")]
