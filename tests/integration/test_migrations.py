"""Migrations go up, down and up again on the test backend (the stairway check)."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import downgrade, upgrade
from db.models import Base


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_stairway(engine: AsyncEngine) -> None:
    expected = {t.name for t in Base.metadata.sorted_tables}
    assert expected <= await table_names(engine)
    await downgrade(engine, "base")
    assert not expected & await table_names(engine)
    await upgrade(engine)
    assert expected <= await table_names(engine)
