"""The SQLite driver runs calls on the loop and waits out another connection's lock
asynchronously: the loop keeps serving, the write lands once, and a lock held too long
ends in SQLite's own "database is locked"."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from db.session import create_engine
from db.sqlite_driver import InlineConnection

pytestmark = pytest.mark.sqlite_only


def locked_database(path: Path) -> sqlite3.Connection:
    """A database with table t, and another connection holding its write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE t (v INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_write_waits_for_other_connections_lock_without_blocking_loop(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}"
    ours = create_engine(url)
    other = sqlite3.connect(tmp_path / "lock.db", isolation_level=None)
    try:
        async with ours.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        other.execute("INSERT INTO t (v) VALUES ('theirs')")

        async def insert() -> None:
            async with ours.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('ours')"))

        task = asyncio.ensure_future(insert())
        await asyncio.sleep(0.3)
        assert not task.done()  # still waiting for the lock
        other.execute("COMMIT")
        await asyncio.wait_for(task, 5)
        async with ours.connect() as conn:
            rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
        assert rows == ["theirs", "ours"]
    finally:
        other.close()
        await ours.dispose()


async def test_loop_runs_other_work_during_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "wait.db"
    setup = locked_database(path)
    conn = await InlineConnection(lambda: sqlite3.connect(path, timeout=0))
    try:
        writer = asyncio.ensure_future(conn.execute("INSERT INTO t VALUES (1)"))
        ticks = 0
        for _ in range(20):  # 0.2 s of other work while the insert waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 20 and not writer.done()
        setup.execute("COMMIT")
        await asyncio.wait_for(writer, 5)
        await conn.commit()
        assert setup.execute("SELECT count(*) FROM t").fetchone() == (1,)
    finally:
        await conn.close()
        setup.close()


async def test_lock_held_longer_than_the_budget_fails_with_locked(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    setup = locked_database(path)
    conn = await InlineConnection(lambda: sqlite3.connect(path, timeout=0), busy_seconds=0.2)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await conn.execute("INSERT INTO t VALUES (1)")
        setup.execute("ROLLBACK")
    finally:
        await conn.close()
        setup.close()


async def test_other_errors_are_raised_at_once(tmp_path: Path) -> None:
    conn = await InlineConnection(lambda: sqlite3.connect(tmp_path / "e.db", timeout=0))
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await conn.execute("SELECT * FROM missing")
    finally:
        await conn.close()
