"""Backups of the whole state: a consistent copy of a live SQLite database (SQLite's online
backup API, safe while the service writes) or a `pg_dump` of PostgreSQL, into BACKUP_DIR
with the oldest removed beyond `keep`; and the restore of one into an empty database.

Files are written under a temporary name and renamed when complete, so a backup cut short
never passes for a good one.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from db.reach import check_reachable
from db.session import create_engine

PREFIX = "studio-"
SUFFIXES = {"sqlite": ".db", "postgresql": ".dump"}
#: How long a reader waits for SQLite's write lock before giving up (a long write burst).
BUSY_MS = 30_000


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Database:
    url: URL

    @classmethod
    def of(cls, database_url: str) -> Database:
        return cls(make_url(database_url))

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.database or "")

    def pg_args(self) -> tuple[list[str], dict[str, str]]:
        """Connection options for pg_dump/pg_restore; the password goes by environment."""
        url = self.url
        args = ["--dbname", url.database or ""]
        if url.host:
            args += ["--host", url.host]
        if url.port:
            args += ["--port", str(url.port)]
        if url.username:
            args += ["--username", url.username]
        env = dict(os.environ)
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        return args, env


def backup_name(backend: str, now: datetime) -> str:
    return f"{PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}{SUFFIXES[backend]}"


def backups_in(directory: Path) -> list[Path]:
    """The finished backups, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    found = [
        p
        for p in directory.iterdir()
        if p.name.startswith(PREFIX) and p.suffix in SUFFIXES.values() and p.is_file()
    ]
    return sorted(found, key=lambda p: p.name)


async def make_backup(database_url: str, directory: Path, now: datetime, keep: int) -> Path:
    """One backup into `directory`, then the oldest beyond `keep` removed."""
    db = Database.of(database_url)
    if db.backend not in SUFFIXES:
        raise BackupError(f"no backup for a {db.backend} database")
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    target = directory / backup_name(db.backend, now.astimezone(UTC))
    partial = target.with_name(f".{target.name}.partial")
    try:
        if db.backend == "sqlite":
            await asyncio.to_thread(_sqlite_copy, db.sqlite_path, partial)
        else:
            await _pg_dump(db, partial)
        await asyncio.to_thread(partial.replace, target)
    finally:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
    await asyncio.to_thread(_rotate, directory, keep)
    return target


def _rotate(directory: Path, keep: int) -> None:
    for old in backups_in(directory)[:-keep]:
        old.unlink(missing_ok=True)


def backup_due(directory: Path, now: datetime, every: timedelta = timedelta(days=1)) -> bool:
    """Whether the newest backup is older than `every` (or there is none)."""
    newest = backups_in(directory)[-1:]
    if not newest:
        return True
    stamp = newest[0].name.removeprefix(PREFIX).split(".")[0]
    made = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return now - made >= every


async def restore_backup(database_url: str, source: Path) -> None:
    """Restore `source` into the database of `database_url`, which must be empty."""
    db = Database.of(database_url)
    if not await asyncio.to_thread(source.is_file):
        raise BackupError(f"no backup file {source}")
    if db.backend == "sqlite":
        await asyncio.to_thread(_sqlite_restore, source, db.sqlite_path)
    elif db.backend == "postgresql":
        await _pg_restore(db, source)
    else:
        raise BackupError(f"no restore into a {db.backend} database")


def _sqlite_copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    src = sqlite3.connect(source, timeout=BUSY_MS / 1000)
    dst = sqlite3.connect(target)
    try:
        # All pages in one step: the copy is one consistent moment of the live database.
        src.backup(dst)
        check = dst.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupError(f"the copy of {source} failed its integrity check")
    finally:
        dst.close()
        src.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    if target.exists() and target.stat().st_size > 0:
        with sqlite3.connect(target) as conn:
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
            if tables.fetchone()[0]:
                raise BackupError(
                    f"{target} is not empty; restore into a new database (another "
                    "DATABASE_URL), or move this one aside first"
                )
    if not target.parent.is_dir():
        raise BackupError(f"no directory {target.parent} for the restored database")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


async def _run(program: str, args: list[str], env: dict[str, str]) -> None:
    try:
        process = await asyncio.create_subprocess_exec(
            program,
            *args,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise BackupError(
            f"{program} is not installed; install the PostgreSQL client of the server's "
            "version (Debian: postgresql-client)"
        ) from None
    _, err = await process.communicate()
    if process.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{program} failed: {last[0]}")


async def _pg_dump(db: Database, target: Path) -> None:
    args, env = db.pg_args()
    await _run("pg_dump", ["--format=custom", "--file", str(target), *args], env)


async def _pg_restore(db: Database, source: Path) -> None:
    engine = create_engine(db.url.render_as_string(hide_password=False))
    try:
        await check_reachable(engine)  # a missing database is told in one line
        async with engine.connect() as conn:
            tables = await conn.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                )
            )
    finally:
        await engine.dispose()
    if tables:
        raise BackupError(
            f"the database {db.url.database} is not empty; restore into a new database "
            "(createdb, then DATABASE_URL naming it)"
        )
    args, env = db.pg_args()
    await _run("pg_restore", ["--no-owner", "--exit-on-error", *args, str(source)], env)
