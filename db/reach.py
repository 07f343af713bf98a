"""Reaching the database at start.

A PostgreSQL server that is down, a database or user that does not exist, or a SQLite file
that cannot be opened is told in one line naming the fix, not with a driver's traceback.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says what to do."""


async def check_reachable(engine: AsyncEngine) -> None:
    """Open one connection, or raise DatabaseUnavailable explaining why not."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, DBAPIError) as exc:
        raise DatabaseUnavailable(explain(engine.url, exc)) from None


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
