"""Refunds a gateway failed are retried by the reconcile job: once each, never twice at once."""

from __future__ import annotations

import asyncio

import pytest

from jobs.reconcile import retry_refunds
from payments.base import GatewayError, PaymentProvider, RefundRequest, RefundResult
from payments.mock import MockProvider
from settings import Settings
from tests.support import Running


class FlakyRefunds(MockProvider):
    """The mock gateway whose refunds fail while `failing` is set, counting every call."""

    def __init__(self, base_url: str, key: str) -> None:
        super().__init__(base_url, key)
        self.failing = True
        self.calls: list[int] = []

    async def refund(self, request: RefundRequest) -> RefundResult:
        self.calls.append(request.refund_id)
        await asyncio.sleep(0.05)  # long enough for a second retry to overlap
        if self.failing:
            raise GatewayError("gateway timed out")
        return await super().refund(request)


@pytest.fixture
def providers(settings: Settings) -> dict[str, PaymentProvider]:
    key = settings.payments.mock_signing_key.get_secret_value()
    return {"mock": FlakyRefunds(settings.server.base_url(), key)}


async def test_failed_refund_is_retried_once_by_parallel_jobs(running: Running) -> None:
    api = running.api
    gateway = running.deps.providers["mock"]
    assert isinstance(gateway, FlakyRefunds)
    booking = await api.booked(mode="full")
    await api.checkout(await api.start_payment(booking), "succeeded")
    status, body = await api.call(
        "DELETE", f"/api/bookings/{booking['id']}", token=booking["access_token"]
    )
    assert status == 200 and body["refund"]["value"] == "5000.00"
    assert body["refunded"]["value"] == "0.00"  # the gateway failed: still owed
    assert len(gateway.calls) == 1

    gateway.failing = False
    await retry_refunds(running.sessionmaker, running.deps)
    assert len(gateway.calls) == 1  # too soon to retry
    running.clock.advance(minutes=3)
    await asyncio.gather(*(retry_refunds(running.sessionmaker, running.deps) for _ in range(3)))
    assert len(gateway.calls) == 2
    after = await api.booking(booking)
    assert after["refunded"]["value"] == "5000.00"
    running.clock.advance(minutes=3)
    await retry_refunds(running.sessionmaker, running.deps)
    assert len(gateway.calls) == 2
    status, events = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    kinds = [e["type"] for e in events["events"]]
    assert kinds.count("refund.failed") == 1
    assert kinds.count("refund.succeeded") == 1


async def test_refund_at_a_gateway_no_longer_set_up_waits_for_it(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The studio removed a gateway's keys after a client paid there. Cancelling must not
    call the money returned: the refund waits, admins are told, and it goes out once the
    gateway is set up again."""
    api = running.api
    gateway = running.deps.providers["mock"]
    assert isinstance(gateway, FlakyRefunds)
    gateway.failing = False
    booking = await api.booked(mode="full")
    await api.checkout(await api.start_payment(booking), "succeeded")
    monkeypatch.setattr(running.deps, "providers", {})
    status, body = await api.call(
        "DELETE", f"/api/bookings/{booking['id']}", token=booking["access_token"]
    )
    assert status == 200 and body["refund"]["value"] == "5000.00"
    assert body["refunded"]["value"] == "0.00"
    assert (await api.booking(booking))["payments"][0]["status"] == "succeeded"
    status, events = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    failed = [e for e in events["events"] if e["type"] == "refund.failed"]
    assert [e["payload"]["error"] for e in failed] == ["gateway mock is not set up"]

    monkeypatch.setattr(running.deps, "providers", {"mock": gateway})
    running.clock.advance(minutes=3)
    await retry_refunds(running.sessionmaker, running.deps)
    assert len(gateway.calls) == 1
    after = await api.booking(booking)
    assert after["refunded"]["value"] == "5000.00"
    assert after["payments"][0]["status"] == "refunded"


async def test_a_refund_the_gateway_keeps_refusing_is_tried_less_and_less_often(
    running: Running,
) -> None:
    api = running.api
    gateway = running.deps.providers["mock"]
    assert isinstance(gateway, FlakyRefunds)
    booking = await api.booked(mode="full")
    await api.checkout(await api.start_payment(booking), "succeeded")
    await api.call("DELETE", f"/api/bookings/{booking['id']}", token=booking["access_token"])
    moments = []  # minutes after the cancellation at which an attempt was made
    for minute in range(1, 61):
        running.clock.advance(minutes=1)
        before = len(gateway.calls)
        await retry_refunds(running.sessionmaker, running.deps)
        if len(gateway.calls) > before:
            moments.append(minute)
    # 2, then 4, 8, 16, 32 minutes after each failed attempt (never sooner than 2).
    assert moments == [2, 6, 14, 30]
    gateway.failing = False
    running.clock.advance(minutes=32)
    await retry_refunds(running.sessionmaker, running.deps)
    assert (await api.booking(booking))["refunded"]["value"] == "5000.00"
