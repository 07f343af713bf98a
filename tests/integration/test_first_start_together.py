"""Several processes started together on an empty database: each starts, and the studio file
is loaded once (it is loaded in the migration's transaction, under its lock)."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from db.migrate import upgrade
from db.models import Hall, StudioHours
from db.session import create_engine
from service import Service, build_service
from settings import ROOT, Settings
from tests.processes import Databases, run_main, service_env

STUDIO = json.loads((ROOT / "studio" / "example.json").read_text(encoding="utf-8"))


async def halls_and_hours(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            halls = await conn.scalar(select(func.count()).select_from(Hall))
            hours = await conn.scalar(select(func.count()).select_from(StudioHours))
    finally:
        await engine.dispose()
    return int(halls or 0), int(hours or 0)


async def test_migrate_loads_the_studio_file(databases: Databases) -> None:
    """The documented "migrate once, then start" leaves a studio to start, not an empty one."""
    url = await databases.new()
    code, _, err = await run_main(service_env(url), "migrate")
    assert code == 0, err[-2000:]
    assert await halls_and_hours(url) == (len(STUDIO["halls"]), len(STUDIO["hours"]))
    code, _, err = await run_main(service_env(url), "migrate")  # again: nothing added
    assert code == 0, err[-2000:]
    assert await halls_and_hours(url) == (len(STUDIO["halls"]), len(STUDIO["hours"]))


async def test_three_first_starts_at_once(databases: Databases) -> None:
    """The schema is there (migrated by an older version, or by hand) but no halls, and
    three processes' starts reach the studio file together: only one may load it."""
    url = await databases.new()
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    settings = Settings(database_url=url, studio_file=ROOT / "studio" / "example.json")
    started = await asyncio.gather(
        *(build_service(settings) for _ in range(3)), return_exceptions=True
    )
    for service in started:
        if isinstance(service, Service):
            await service.close()
    assert [s for s in started if not isinstance(s, Service)] == []
    assert await halls_and_hours(url) == (len(STUDIO["halls"]), len(STUDIO["hours"]))
