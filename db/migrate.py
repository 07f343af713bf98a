"""Alembic migrations run from code: on start, by `main.py migrate`, and by the tests.

Every upgrade (the first start's included) is one transaction: a process killed at any point
of it leaves the database as it was before, and the next start runs the whole upgrade again.

PostgreSQL runs DDL in transactions by itself. SQLite does too, but Python's sqlite3 driver
opens a transaction only before a data change and runs each CREATE or ALTER on its own, in
autocommit: a kill between two tables of the first migration left some tables made and no
version recorded, and every later start failed on `table clients already exists`. Here the
driver's own transaction handling is switched off and the migration's connection opens
`BEGIN IMMEDIATE` itself, so SQLite's DDL joins the transaction; taking the write lock first
also makes several processes starting at once migrate one at a time, as the advisory lock
does on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 7_204_311
#: How long a SQLite migration waits for another process's transaction (its migration).
SQLITE_LOCK_WAIT_MS = 120_000


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


#: Work done in the migration's transaction, under its lock, after the schema is up to date.
AfterUpgrade = Callable[[AsyncConnection], Awaitable[object]]


async def upgrade(
    engine: AsyncEngine, revision: str = "head", then: AfterUpgrade | None = None
) -> None:
    """Bring the schema to `revision` in one transaction, then run `then` in it.

    `then` (the studio file loaded into an empty database) runs under the same lock as the
    migration: processes starting together on an empty database load it one at a time, so
    the second sees the first's halls instead of inserting them again."""
    async with _transaction(engine) as conn:
        await conn.run_sync(_run, command.upgrade, revision)
        if then is not None:
            await then(conn)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to `revision` in one transaction."""
    async with _transaction(engine) as conn:
        await conn.run_sync(_run, command.downgrade, revision)


def _run(connection: Connection, step: Any, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    step(cfg, revision)


@asynccontextmanager
async def _transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside the one transaction a migration runs in, committed at the end."""
    if engine.dialect.name != "sqlite" or _in_memory(engine):
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Processes starting at once on a fresh database migrate one at a time.
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            yield conn
        return
    # A connection of its own, outside the service's pool, whose transactions are opened
    # by `BEGIN IMMEDIATE` here rather than by the driver.
    own = create_async_engine(engine.url, poolclass=NullPool)
    event.listen(own.sync_engine, "connect", _sqlite_connect)
    event.listen(own.sync_engine, "begin", _sqlite_begin)
    try:
        async with own.begin() as conn:
            yield conn
    finally:
        await own.dispose()


def _in_memory(engine: AsyncEngine) -> bool:
    """An in-memory database is private to its connection: it is migrated on that one."""
    return engine.url.database in (None, "", ":memory:")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver opens no transactions of its own
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
