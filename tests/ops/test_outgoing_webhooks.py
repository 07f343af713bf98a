"""Outgoing webhooks to the studio's CRM, against a real HTTP receiver: every event arrives
signed (HMAC-SHA256 of the subscriber's secret) with its id, at least once; a receiver that
fails is retried with backoff and then gets everything, each booking's events in order; the
admin API shows what waits and why."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from notifications.outgoing_webhooks import push_events
from settings import Settings
from tests.support import Api, Running, free_port

SECRET = "crm-secret-0123456789"
#: A booking paid at the gateway, as its events come.
PAID = ["booking.created", "payment.created", "payment.succeeded", "booking.confirmed"]


@dataclass
class Receiver:
    """The CRM: answers 500 while `failing` > 0 (counting down), records what it took."""

    url: str = ""
    failing: int = 0
    taken: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        stamp, _, mac = request.headers["X-Studio-Signature"].partition(",v1=")
        expected = hmac.new(
            SECRET.encode(), stamp.removeprefix("t=").encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(mac, expected), "bad signature"
        event = json.loads(body)
        assert request.headers["X-Studio-Event-Id"] == str(event["id"])
        if self.failing > 0:
            self.failing -= 1
            self.refused += 1
            return web.Response(status=500)
        self.taken.append(event)
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    crm = Receiver()
    app = web.Application()
    app.router.add_post("/hooks", crm.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    crm.url = f"http://127.0.0.1:{port}/hooks"
    yield crm
    await runner.cleanup()


@pytest.fixture
def settings_env(settings_env: dict[str, Any], receiver: Receiver) -> dict[str, Any]:
    return {
        **settings_env,
        "outgoing_webhooks": [{"name": "crm", "url": receiver.url, "secret": SECRET}],
    }


async def push(running: Running, settings: Settings) -> int:
    return await push_events(running.sessionmaker, running.deps, settings.ops.outgoing_webhooks)


async def paid_booking(api: Api, day: int) -> dict[str, Any]:
    booking = await api.booked(day=day)
    await api.checkout(await api.start_payment(booking), "succeeded")
    return booking


async def test_every_event_arrives_signed_once_taken(
    running: Running, api: Api, settings: Settings, receiver: Receiver
) -> None:
    booking = await paid_booking(api, 3)
    await push(running, settings)
    assert [e["type"] for e in receiver.taken] == PAID
    assert {e["booking_id"] for e in receiver.taken} == {booking["id"]}
    assert receiver.taken[0]["payload"]["code"] == booking["code"]
    assert await push(running, settings) == 0  # nothing twice once taken
    assert len(receiver.taken) == 4


async def test_a_failing_receiver_gets_everything_in_order_per_booking(
    running: Running, api: Api, settings: Settings, receiver: Receiver
) -> None:
    first = await paid_booking(api, 3)
    second = await paid_booking(api, 4)
    receiver.failing = 2  # the first two POSTs fail: each booking's first event
    assert await push(running, settings) == 0  # both heads failed, the rest waited
    assert receiver.refused == 2 and receiver.taken == []

    status, page = await api.admin("GET", "/api/integrations/webhooks?status=pending")
    assert status == 200 and len(page["deliveries"]) == 8
    failed = [d for d in page["deliveries"] if d["attempts"]]
    assert {d["last_error"] for d in failed} == {"HTTP 500"}
    assert {d["event_type"] for d in failed} == {"booking.created"}

    assert await push(running, settings) == 0  # the backoff: not yet
    running.clock.advance(seconds=31)
    assert await push(running, settings) == 8
    for booking in (first, second):
        types = [e["type"] for e in receiver.taken if e["booking_id"] == booking["id"]]
        assert types == PAID
    ids = [e["id"] for e in receiver.taken]
    assert len(ids) == len(set(ids)) == 8

    status, page = await api.admin("GET", "/api/integrations/webhooks?status=delivered")
    assert len(page["deliveries"]) == 8
    assert (await api.admin("GET", "/api/integrations/webhooks?status=lost"))[0] == 400


async def test_the_job_runs_with_the_others(
    running: Running, settings: Settings, receiver: Receiver
) -> None:
    """main.py adds the job when OUTGOING_WEBHOOKS is set; jobs-once runs it."""
    from service import build_service

    service = await build_service(settings, running.clock)
    try:
        names = [name for name, _, _ in service.jobs.extra_jobs]
        assert "push_webhooks" in names
        await paid_booking(running.api, 5)
        await service.jobs.run_all_once()
    finally:
        await service.close()
    assert [e["type"] for e in receiver.taken] == PAID
