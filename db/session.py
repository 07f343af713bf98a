"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from db.clock import CLOCK_KEY, Clock

# How long a statement waits for another process's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _json_text(value: Any) -> str:
    """JSON columns (event payloads, gateways' answers). A lone surrogate in a gateway's
    payload (valid JSON, not UTF-8, and refused by PostgreSQL's json too) becomes "?"; the
    rest of the payload is kept."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text.encode("utf-8", "replace").decode()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the engine with the settings each backend needs.

    SQLite allows one writer at a time; a single pooled connection serialises the process's
    transactions in the pool instead of failing with "database is locked", WAL keeps
    readers in other processes (backups, the CLI) off the writer's way, and a statement
    waits up to 30 s for another process's write lock (in aiosqlite's thread, so the loop
    keeps serving).

    Statement parameters stay out of database errors' messages: they hold clients' names
    and phones, and the messages reach the logs.

    PostgreSQL connections are not pinged before each use (a round trip per transaction);
    after a server restart the requests on dropped connections fail once and the pool
    reconnects (docs/OPERATIONS.md, tests/integration/test_pg_reconnect.py).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=echo,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            json_serializer=_json_text,
            hide_parameters=True,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=False,
        pool_recycle=1800,
        json_serializer=_json_text,
        hide_parameters=True,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine, clock: Clock) -> async_sessionmaker[AsyncSession]:
    """Sessions that stamp the rows they write with the service's clock (db.clock)."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, info={CLOCK_KEY: clock}
    )
