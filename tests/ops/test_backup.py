"""`main.py backup` copies the live database while bookings and payments are being written,
`main.py restore` puts the copy into an empty database (and refuses one that is not), and
the money audit passes on the restored copy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db.models import Booking, Payment
from db.outbox import Event
from db.session import create_engine, create_sessionmaker
from ops.backup import BackupError, backups_in, make_backup, restore_backup
from tests.processes import Databases, run_main, service_env
from tests.support import MSK, FakeClock, make_booking


@pytest.fixture
def clock() -> FakeClock:
    """Today: `main.py audit` on the copy reads the wall clock, and a payment caught in
    flight by the backup is minutes old to it, not days."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


def slot(clock: FakeClock, n: int) -> datetime:
    """The n-th free two-hour slot from the day after tomorrow on, five a day from 10:00."""
    day = clock().astimezone(MSK) + timedelta(days=2 + n // 5)
    return day.replace(hour=10 + 2 * (n % 5), minute=0, second=0, microsecond=0)


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[Databases]:
    made = Databases(tmp_path)
    yield made
    await made.drop_all()


async def write_bookings(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    clock: FakeClock,
    stop: asyncio.Event,
) -> int:
    """Bookings, half paid at the gateway and half in cash, until told to stop."""
    made = 0
    while not stop.is_set() or made < 4:
        await make_booking(
            sessionmaker,
            deps,
            start=slot(clock, made),
            hours=1,
            paid="mock" if made % 2 else "cash",
        )
        made += 1
    return made


async def counts(database_url: str, clock: FakeClock) -> tuple[int, int, int]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine, clock)() as session:
            found = [
                int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Booking, Payment, Event)
            ]
    finally:
        await engine.dispose()
    return found[0], found[1], found[2]


async def test_backup_under_load_restores_and_passes_the_audit(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    database_url: str,
    clock: FakeClock,
    tmp_path: Path,
    databases: Databases,
) -> None:
    stop = asyncio.Event()
    writer = asyncio.create_task(write_bookings(sessionmaker, deps, clock, stop))
    await asyncio.sleep(0)  # the writer has begun
    while (await counts(database_url, clock))[0] < 2:
        await asyncio.sleep(0.01)
    backup = await make_backup(database_url, tmp_path / "backups", clock(), keep=3)
    stop.set()
    written = await writer

    copy = await databases.new()
    code, out, err = await run_main(service_env(copy), "restore", str(backup))
    assert code == 0, err
    bookings, payments, events = await counts(copy, clock)
    assert 2 <= bookings <= written
    # One moment of the database: each booking with the payment and events it was made with.
    assert payments >= bookings // 2 and events >= bookings
    code, out, err = await run_main(service_env(copy), "audit")
    assert code == 0, out + err


async def test_restore_refuses_a_database_that_is_not_empty(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    database_url: str,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    await make_booking(sessionmaker, deps, start=slot(clock, 0), hours=1)
    backup = await make_backup(database_url, tmp_path, clock(), keep=3)
    await make_booking(sessionmaker, deps, start=slot(clock, 1), hours=1)
    with pytest.raises(BackupError, match="not empty"):
        await restore_backup(database_url, backup)
    assert (await counts(database_url, clock))[0] == 2  # the live data untouched
    code, _, err = await run_main(service_env(database_url), "restore", str(backup))
    assert code == 2 and "not empty" in err


async def test_the_command_backs_up_and_keeps_the_newest_n(
    database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    older = []
    clock.advance(hours=-3)  # three made earlier today
    for _ in range(3):
        older.append(await make_backup(database_url, folder, clock(), keep=3))
        clock.advance(hours=1)
    code, out, err = await run_main(
        service_env(database_url, BACKUP_DIR=str(folder)), "backup", "--keep", "2"
    )
    assert code == 0, err
    newest = Path(out.strip())
    assert backups_in(folder) == [older[-1], newest]


async def test_the_daily_job_backs_up_once_a_day(
    deps: BookingDeps, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    from jobs.backup import backup_job

    folder = tmp_path / "daily"
    name, job, every = backup_job(database_url, folder, 7, deps)
    assert name == "backup_database" and every == 3600
    await job()
    clock.advance(hours=23)
    await job()
    assert len(backups_in(folder)) == 1
    clock.advance(hours=1)
    await job()
    assert len(backups_in(folder)) == 2
