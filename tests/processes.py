"""`main.py` in processes of its own, as an operator runs it: started, stalled and killed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from pathlib import Path

import aiohttp
from sqlalchemy import text

from db.session import create_engine
from settings import ROOT
from tests.stall_main import STALLED
from tests.support import BACKEND, PG_ADMIN_URL, studio_without_rules


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
