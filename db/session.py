"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from db.clock import CLOCK_KEY, Clock
from db.sqlite_driver import inline_creator


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        # A lone surrogate in a gateway's payload (valid JSON, not UTF-8, and refused by
        # PostgreSQL's json too) becomes "?"; the rest of the payload is kept.
        text = json.dumps(value, default=str, ensure_ascii=False)
        return text.encode("utf-8", "replace").decode()


# JSON columns (event payloads, gateways' answers) go through orjson: a tenth of the
# standard library's time, and a state change writes several.
_JSON = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the engine with the settings each backend needs.

    SQLite allows one writer at a time; a single pooled connection serialises the process's
    transactions in the pool instead of failing with "database is locked", and WAL keeps
    readers in other processes (backups, the CLI) off the writer's way. Its calls run on the
    loop's thread (db.sqlite_driver), waiting out other processes' locks asynchronously.

    Statement parameters stay out of database errors' messages: they hold clients' names
    and phones, and the messages reach the logs.

    PostgreSQL connections are not pinged before each use (a round trip per transaction);
    after a server restart the requests on dropped connections fail once and the pool
    reconnects (docs/OPERATIONS.md, tests/integration/test_pg_reconnect.py).
    """
    if url.startswith("sqlite"):
        parsed = make_url(url)
        args, kwargs = parsed.get_dialect()().create_connect_args(parsed)
        engine = create_async_engine(
            url,
            echo=echo,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            async_creator=inline_creator(list(args), dict(kwargs)),
            hide_parameters=True,
            **_JSON,
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
        hide_parameters=True,
        **_JSON,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=0")  # lock waits happen in db.sqlite_driver
    cursor.close()


def create_sessionmaker(engine: AsyncEngine, clock: Clock) -> async_sessionmaker[AsyncSession]:
    """Sessions that stamp the rows they write with the service's clock (db.clock)."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, info={CLOCK_KEY: clock}
    )
