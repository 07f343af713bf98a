"""Connections are not pinged before use: when PostgreSQL drops them (a restart, a failover),
the request using one fails once, the pool drops the rest, and the next ones reconnect."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.session import create_engine

pytestmark = pytest.mark.postgres_only


async def _backend_pids(engine: AsyncEngine, count: int) -> set[int]:
    """Open `count` pooled connections at once and return their server process ids."""
    conns = [await engine.connect() for _ in range(count)]
    try:
        return {
            int((await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()) for c in conns
        }
    finally:
        for conn in conns:
            await conn.close()


async def test_dropped_connections_fail_once_then_the_pool_reconnects(
    database_url: str, engine: AsyncEngine
) -> None:
    ours = create_engine(database_url)
    try:
        pids = await _backend_pids(ours, 3)
        async with engine.connect() as admin:
            for pid in pids:
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as failed:
            async with ours.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert failed.value.connection_invalidated
        for _ in range(3):  # every pooled connection was dropped, so none fails again
            async with ours.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        assert not (await _backend_pids(ours, 3)) & pids
    finally:
        await ours.dispose()
