"""aiohttp's access log, as main.py sets it up: one line per request with the method, the
path, the status and the booking's id; never the query string, a token or the caller."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.access_log import LOGGER, RequestLog
from api.app import create_app
from booking.deps import BookingDeps
from logconfig import JsonFormatter
from settings import Settings
from tests.support import Api


@pytest.fixture
async def logged(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> AsyncIterator[Api]:
    app = create_app(settings, sessionmaker, deps)
    server = TestServer(app)
    await server.start_server(access_log_class=RequestLog, access_log=LOGGER)
    async with TestClient(server) as client:
        yield Api(client.session, str(server.make_url("")).rstrip("/"), "")


async def test_one_line_per_request_without_tokens(
    logged: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER.name)
    booking = await logged.booked()
    token = booking["access_token"]
    path = f"/api/bookings/{booking['id']}"
    status, _ = await logged.call("GET", f"{path}?access_token={token}", token=token)
    assert status == 200
    await logged.call("GET", "/health")

    lines = [r for r in caplog.records if r.name == LOGGER.name and r.msg == "request"]
    assert [(r.method, r.path, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("POST", "/api/bookings", 201),
        ("GET", path, 200),
    ]
    assert lines[0].booking_id == booking["id"]  # type: ignore[attr-defined]
    text = "\n".join(JsonFormatter().format(r) for r in lines)
    assert token not in text and "Анна" not in text and "127.0.0.1" not in text
