"""The database: which one, and a DATABASE_URL checked before the service tries it."""

from __future__ import annotations

from pydantic import field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from settings.base import ROOT, EnvSettings

DATABASE_EXAMPLES = (
    "sqlite+aiosqlite:////var/lib/studio/studio.db or "
    "postgresql+asyncpg://USER:PASSWORD@HOST:5432/NAME"
)


class DatabaseSettings(EnvSettings):
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'studio.db'}"
    database_echo: bool = False

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def database_url_problem(url: str) -> str | None:
    """What is wrong with a DATABASE_URL, naming the fix; None when it can be used."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return f"not a database URL; write it as {DATABASE_EXAMPLES}"
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql", "postgres"):
        return f"{backend!r} is not a supported database; use {DATABASE_EXAMPLES}"
    if backend == "sqlite" and parsed.drivername != "sqlite+aiosqlite":
        path = url.partition("://")[2]
        return (
            f"{parsed.drivername}:// is not the driver the service uses; "
            f"write sqlite+aiosqlite://{path}"
        )
    if backend != "sqlite" and parsed.drivername != "postgresql+asyncpg":
        return (
            f"{parsed.drivername}:// is not the driver the service uses; write "
            "postgresql+asyncpg://USER:PASSWORD@HOST:5432/NAME"
        )
    if backend == "postgresql" and not parsed.database:
        return "names no database; write postgresql+asyncpg://USER:PASSWORD@HOST:5432/NAME"
    return None
