"""`main.py` in processes of its own, as an operator runs it: started, stalled and killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path

from settings import ROOT
from tests.stall_main import STALLED

#: Bytecode of the processes' imports, kept between them: without it each process compiles
#: its imports again (seconds apiece where PYTHONDONTWRITEBYTECODE is set).
BYTECODE = Path(tempfile.gettempdir()) / "studio-test-bytecode"


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    """The test's environment without its database and port, plus the given variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE", "PORT", "PYTHONDONTWRITEBYTECODE"))
    }
    env.update(DATABASE_URL=database_url, LOG_LEVEL="WARNING", PYTHONPYCACHEPREFIX=str(BYTECODE))
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
