"""A process killed (SIGKILL) at any point of a migration leaves a database that starts.

`main.py migrate` runs in its own process and is killed after its Nth SQL statement, for
N spread over the whole first start and over an upgrade of a database that holds bookings;
then a plain `main.py migrate` (once `main.py run`) must finish and leave the full schema,
the same as an uninterrupted migration, with the data carried over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection

from db.migrate import upgrade
from db.session import create_engine
from db.types import UTCDateTime
from tests.processes import (
    Databases,
    ServiceProcess,
    audit_holds,
    kill_after_statement,
    run_main,
    service_env,
)
from tests.support import BACKEND, free_port

pytestmark = pytest.mark.slow

#: Kill points in the first start; the upgrade adds its own.
FIRST_START_POINTS = 8
UPGRADE_POINTS = 4


async def schema(url: str) -> dict[str, Any]:
    """Everything a migration makes: tables, columns, indexes, constraints, triggers, and
    the recorded revision."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if BACKEND == "postgres":
                return await _pg_schema(conn)
            rows = await conn.execute(
                text(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master "
                    "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
                )
            )
            version = await _version(conn)
            return {"objects": [tuple(row) for row in rows], "version": version}
    finally:
        await engine.dispose()


async def _pg_schema(conn: AsyncConnection) -> dict[str, Any]:
    queries = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "ORDER BY 1",
        "extensions": "SELECT extname FROM pg_extension ORDER BY 1",
    }
    found: dict[str, Any] = {}
    for key, sql in queries.items():
        found[key] = [tuple(row) for row in await conn.execute(text(sql))]
    found["version"] = await _version(conn)
    return found


async def _version(conn: AsyncConnection) -> list[str]:
    return list(await conn.scalars(text("SELECT version_num FROM alembic_version")))


def spread(last: int, count: int) -> list[int]:
    """`count` statement numbers from the first to the `last`, evenly apart."""
    if last <= count:
        return list(range(1, last + 1))
    return sorted({round(1 + i * (last - 1) / (count - 1)) for i in range(count)})


class Counter:
    """Counts the SQL statements run in this process while it is active."""

    def __init__(self) -> None:
        self.statements = 0

    def __enter__(self) -> Counter:
        event.listen(Engine, "after_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(Engine, "after_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.statements += 1


async def migrate_here(url: str, revision: str = "head") -> int:
    """Migrate in this process as `main.py migrate` does; returns the statements it ran."""
    engine = create_engine(url)
    try:
        with Counter() as counter:
            await upgrade(engine, revision)
    finally:
        await engine.dispose()
    return counter.statements


#: What one test process has learnt once: the reference schema, and the statements of each
#: migration ({from revision: count}).
_ONCE: dict[str, Any] = {}


@pytest.fixture
async def reference(databases: Databases) -> dict[str, Any]:
    """The schema an uninterrupted first start makes."""
    if "reference" not in _ONCE:
        url = await databases.new()
        await migrate_here(url)
        _ONCE["reference"] = await schema(url)
    return dict(_ONCE["reference"])


async def kill_points(databases: Databases, count: int, start: str | None = None) -> list[int]:
    """`count` kill points spread over a migration to the head (from `start`, else from
    nothing), the same in every test of a run."""
    key = f"statements from {start or 'nothing'}"
    if key not in _ONCE:
        url = await databases.new()
        if start is not None:
            await migrate_here(url, start)
            await _paid_booking(url)
        _ONCE[key] = await migrate_here(url)
    return spread(_ONCE[key], count)


# One test per kill point, so that parallel test processes share the points out.
@pytest.mark.parametrize("nth", range(FIRST_START_POINTS))
async def test_kills_during_the_first_start_leave_a_database_that_starts(
    databases: Databases, reference: dict[str, Any], nth: int
) -> None:
    points = await kill_points(databases, FIRST_START_POINTS)
    assert len(points) == FIRST_START_POINTS
    point = points[nth]
    url = await databases.new()
    env = service_env(url)
    await kill_after_statement(env, point, "migrate")
    code, _, err = await run_main(env, "migrate")
    assert code == 0, f"killed after statement {point}: {err[-2000:]}"
    assert await schema(url) == reference, f"killed after statement {point}"


async def test_a_kill_during_the_first_start_of_run_then_run_serves(
    databases: Databases, reference: dict[str, Any]
) -> None:
    url = await databases.new()
    env = service_env(url, PORT=str(free_port()))
    await kill_after_statement(env, 8, "run")
    await _serve_once(env)
    assert await schema(url) == reference


async def _serve_once(env: dict[str, str]) -> None:
    """`main.py run` becomes ready with the example studio's halls, then stops on SIGTERM."""
    service = await ServiceProcess(env, int(env["PORT"])).start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{service.base_url}/api/halls") as response,
        ):
            assert response.status == 200
            halls = (await response.json())["halls"]
        assert [hall["slug"] for hall in halls] == ["white", "loft", "dark"]
    finally:
        await service.stop()


@pytest.mark.parametrize("nth", range(UPGRADE_POINTS))
async def test_kills_during_an_upgrade_keep_the_data_and_finish_it(
    databases: Databases, reference: dict[str, Any], nth: int
) -> None:
    """From the second revision, with a paid booking: its payment is marked as counting
    (0003) whichever point the upgrade was killed at, and the money audit holds."""
    points = await kill_points(databases, UPGRADE_POINTS, start="0002")
    assert len(points) == UPGRADE_POINTS
    point = points[nth]
    url = await databases.new()
    await migrate_here(url, "0002")
    await _paid_booking(url)
    env = service_env(url)
    await kill_after_statement(env, point, "migrate")
    code, _, err = await run_main(env, "migrate")
    assert code == 0, f"killed after statement {point}: {err[-2000:]}"
    assert await schema(url) == reference, f"killed after statement {point}"
    engine = create_engine(url)
    async with engine.connect() as conn:
        applied = await conn.scalar(text("SELECT applied FROM payments"))
        paid = await conn.scalar(text("SELECT paid FROM bookings"))
    await engine.dispose()
    assert bool(applied) and paid == 500000
    await audit_holds(env)


async def _paid_booking(url: str) -> None:
    """A hall, a client and a booking paid in full, written as the code of 0002's time did."""
    now = datetime(2026, 11, 1, 9, tzinfo=UTC)
    start = now + timedelta(days=3)
    rows = [
        "INSERT INTO halls (id, slug, name, name_en, description, description_en, hourly_price, "
        "min_minutes, buffer_minutes, price_bands, active, sort_order, created_at) VALUES "
        "(1, 'white', 'Белый', 'White', '', '', 250000, 60, 15, '[]', true, 0, :now)",
        "INSERT INTO clients (id, name, language, bot_blocked, created_at) "
        "VALUES (1, 'Анна', 'ru', false, :now)",
        "INSERT INTO bookings (id, code, hall_id, client_id, start_at, end_at, blocked_until, "
        "status, payment_mode, total, prepay_amount, paid, refunded, source, refund_tiers, "
        "access_token_hash, created_at, updated_at) VALUES (1, 'K1', 1, 1, :start, :end, "
        ":blocked, 'confirmed', 'full', 500000, 500000, 500000, 0, 'web', '48:100', :hash, "
        ":now, :now)",
        "INSERT INTO payments (id, booking_id, gateway, gateway_payment_id, kind, amount, "
        "currency, status, idempotency_key, refunded, created_at, updated_at) VALUES "
        "(1, 1, 'mock', 'mock_1', 'full', 500000, 'RUB', 'succeeded', 'k1', 0, :now, :now)",
    ]
    times = {
        "now": now,
        "start": start,
        "end": start + timedelta(hours=2),
        "blocked": start + timedelta(hours=2, minutes=15),
    }
    engine = create_engine(url)
    async with engine.begin() as conn:
        for sql in rows:
            statement = text(sql).bindparams(
                *(bindparam(name, type_=UTCDateTime()) for name in times if f":{name}" in sql)
            )
            values = {name: value for name, value in times.items() if f":{name}" in sql}
            await conn.execute(statement, {**values, "hash": "0" * 64})
    await engine.dispose()
