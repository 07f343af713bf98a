"""Every HTTP request gets an id: it comes back in `X-Request-Id`, it is on the request's log
lines and on the events the request wrote; a proxy's own id is kept only from a trusted
proxy, so a client cannot plant one."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.access_log import LOGGER, RequestLog
from api.app import create_app
from booking.deps import BookingDeps
from db.outbox import Event
from logconfig import JsonFormatter
from ops.request_ids import RequestIdFilter
from settings import Settings
from tests.support import ADMIN_TOKEN, Api, Running

BOOKING = {
    "hall_id": 1,
    "start": "2026-12-03T12:00:00+03:00",
    "end": "2026-12-03T14:00:00+03:00",
    "payment_mode": "prepay",
    "client": {"name": "Анна", "phone": "+7 999 123-45-67"},
}


@pytest.fixture
def settings_env(settings_env: dict[str, Any]) -> dict[str, Any]:
    return {**settings_env, "trusted_proxies": ["10.9.9.9/32"]}


async def events_of(running: Running, booking_id: int) -> list[Event]:
    async with running.sessionmaker() as session:
        found = await session.scalars(select(Event).where(Event.booking_id == booking_id))
        return list(found.all())


async def test_each_request_has_its_own_id_on_its_events(running: Running, api: Api) -> None:
    async with api.http.post(
        api.url("/api/bookings"),
        json=BOOKING,
    ) as response:
        assert response.status == 201
        made_by = response.headers["X-Request-Id"]
        booking = await response.json()
    async with api.http.post(
        api.url("/api/payments"),
        json={"booking_id": booking["id"], "gateway": "mock"},
        headers={"Authorization": f"Bearer {booking['access_token']}"},
    ) as response:
        paid_by = response.headers["X-Request-Id"]
    assert made_by != paid_by and len(made_by) >= 16

    by_type = {e.type: e.request_id for e in await events_of(running, booking["id"])}
    assert by_type["booking.created"] == made_by
    assert by_type["payment.created"] == paid_by
    status, page = await api.admin("GET", "/api/integrations/events")
    assert status == 200
    listed = {e["type"]: e["request_id"] for e in page["events"]}
    assert listed["booking.created"] == made_by


async def test_errors_and_unknown_paths_carry_an_id_too(api: Api) -> None:
    for path in ("/api/bookings/999999", "/no/such/path"):
        async with api.http.get(
            api.url(path), headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        ) as response:
            assert response.status == 404
            assert response.headers["X-Request-Id"]


async def test_a_clients_own_id_is_not_taken(api: Api) -> None:
    async with api.http.get(api.url("/health"), headers={"X-Request-Id": "planted"}) as r:
        assert r.headers["X-Request-Id"] != "planted"


async def test_a_trusted_proxys_id_is_kept_and_named_on_events(
    running: Running, api: Api, settings: Any
) -> None:
    settings.server.trusted_proxies = ["127.0.0.1/32"]  # the tests' peer is the proxy
    async with api.http.post(
        api.url("/api/bookings"),
        headers={"X-Request-Id": "nginx-7f3a9c"},
        json=BOOKING,
    ) as response:
        assert response.headers["X-Request-Id"] == "nginx-7f3a9c"
        booking = await response.json()
    assert [e.request_id for e in await events_of(running, booking["id"])] == ["nginx-7f3a9c"]
    # Not an id: replaced, even from the proxy.
    async with api.http.get(
        api.url("/health"), headers={"X-Request-Id": 'x" level="ERROR'}
    ) as response:
        assert response.headers["X-Request-Id"] != 'x" level="ERROR'


async def test_the_id_is_on_the_requests_log_lines(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The access line and the lines written while handling it (the state change) name it."""
    server = TestServer(create_app(settings, sessionmaker, deps))
    await server.start_server(access_log_class=RequestLog, access_log=LOGGER)
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    async with TestClient(server) as client:
        api = Api(client.session, str(server.make_url("")).rstrip("/"), ADMIN_TOKEN)
        async with api.http.post(api.url("/api/bookings"), json=BOOKING) as response:
            assert response.status == 201
            request_id = response.headers["X-Request-Id"]
    lines = [JsonFormatter().format(r) for r in caplog.records]
    access = [line for line in lines if '"msg": "request"' in line]
    state = [line for line in lines if '"msg": "booking.created"' in line]
    assert access and f'"request_id": "{request_id}"' in access[0]
    assert state and f'"request_id": "{request_id}"' in state[0]
