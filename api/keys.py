"""Typed keys for what the aiohttp application shares with its handlers."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SESSIONMAKER: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("sessionmaker")
DEPS = web.AppKey("deps", BookingDeps)
HTTP = web.AppKey("http", ClientSession)

DB_SESSION = web.RequestKey("db", AsyncSession)
LOG_FIELDS: web.RequestKey[dict[str, Any]] = web.RequestKey("log_fields")
REQUEST_ID = web.RequestKey("request_id", str)
