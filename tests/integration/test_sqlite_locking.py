"""Another process holding SQLite's write lock: a request waits for it without holding up
the loop, the write lands once, and a lock held too long ends in "database is locked"."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db import session as db_session
from db.session import create_engine

pytestmark = pytest.mark.sqlite_only


async def engine_and_other(path: Path) -> tuple[AsyncEngine, sqlite3.Connection]:
    """Our engine on a database with table t, and another connection to it."""
    ours = create_engine(f"sqlite+aiosqlite:///{path}")
    async with ours.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    return ours, sqlite3.connect(path, isolation_level=None)


async def insert(engine: AsyncEngine, value: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})


async def test_write_waits_for_another_process_lock_while_the_loop_serves(
    tmp_path: Path,
) -> None:
    ours, other = await engine_and_other(tmp_path / "lock.db")
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        other.execute("INSERT INTO t (v) VALUES ('theirs')")
        task = asyncio.ensure_future(insert(ours, "ours"))
        ticks = 0
        for _ in range(20):  # other work goes on while the insert waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 20 and not task.done()
        other.execute("COMMIT")
        await asyncio.wait_for(task, 10)
        async with ours.connect() as conn:
            rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
        assert rows == ["theirs", "ours"]
    finally:
        other.close()
        await ours.dispose()


async def test_lock_held_too_long_fails_with_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_session, "SQLITE_BUSY_TIMEOUT_MS", 200)
    ours, other = await engine_and_other(tmp_path / "held.db")
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(Exception, match="database is locked"):
            await insert(ours, "ours")
        other.execute("ROLLBACK")
        await insert(ours, "after")  # the lock gone, the connection works again
        async with ours.connect() as conn:
            rows = (await conn.execute(text("SELECT v FROM t"))).scalars().all()
        assert rows == ["after"]
    finally:
        other.close()
        await ours.dispose()
