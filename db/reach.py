"""Reaching the database at start.

A PostgreSQL server that is down, a database or user that does not exist, or a SQLite file
that cannot be opened is told in one line naming the fix, not with a driver's traceback.
"""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says what to do."""


async def check_reachable(engine: AsyncEngine) -> None:
    """Open one connection, or raise DatabaseUnavailable explaining why not.

    A SQLite file is first opened with the standard library: when aiosqlite fails to open
    one, its worker thread may still answer after the event loop has closed and print a
    traceback ("Event loop is closed") under the one line meant for the operator."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        try:
            await asyncio.to_thread(_open_sqlite, url.database)
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(explain(url, exc)) from None
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, DBAPIError) as exc:
        raise DatabaseUnavailable(explain(engine.url, exc)) from None


def _open_sqlite(path: str) -> None:
    sqlite3.connect(path).close()


def explain(url: URL, exc: BaseException) -> str:
    """One line: what failed, where, and what to do about it."""
    if url.get_backend_name() == "sqlite":
        reason = getattr(exc, "orig", None) or exc
        return (
            f"cannot open the SQLite database {url.database} ({reason}): check that its "
            "directory exists and the service may write there, or fix DATABASE_URL"
        )
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return (
            f"cannot reach PostgreSQL at {where} ({reason}): start the server, "
            "or fix the host and port in DATABASE_URL"
        )
    cause = getattr(getattr(exc, "orig", None), "__cause__", None) or exc
    if isinstance(cause, asyncpg.InvalidCatalogNameError):
        return (
            f"PostgreSQL at {where} has no database {url.database!r}: create it "
            f"(createdb -h {url.host or 'localhost'} -p {url.port or 5432} "
            f"-U {url.username or 'postgres'} {url.database}) or fix DATABASE_URL"
        )
    if isinstance(
        cause, (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidPasswordError)
    ):
        return (
            f"PostgreSQL at {where} refused user {url.username!r} ({cause}): "
            "fix the user or password in DATABASE_URL"
        )
    return f"PostgreSQL at {where} refused the connection ({cause}): fix DATABASE_URL"
