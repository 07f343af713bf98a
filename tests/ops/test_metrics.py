"""`/metrics` as Prometheus scrapes it: parsed with prometheus_client's own parser, the figures
move as bookings, payments and webhooks happen; without the token it is closed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from jobs.scheduler import JobSchedule
from ops.metrics import subscribers_known
from settings import ROOT
from tests.support import Api, Running

METRICS_TOKEN = "metrics-token-0123456789"


@pytest.fixture
def settings_env(settings_env: dict[str, Any]) -> dict[str, Any]:
    return {**settings_env, "metrics_token": METRICS_TOKEN}


async def scrape(api: Api) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, text = await api.call("GET", "/metrics", token=METRICS_TOKEN)
    assert status == 200, text
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_figures_move_as_bookings_payments_and_webhooks_happen(
    running: Running, api: Api
) -> None:
    before = await scrape(api)
    booking = await api.booked()
    held = await scrape(api)
    assert value(held, "studio_bookings", status="pending_payment") == 1
    assert value(held, "studio_holds") == 1
    assert value(held, "studio_outbox_backlog") >= 1

    payment = await api.start_payment(booking)
    await api.checkout(payment, "succeeded", repeat=3)  # the gateway repeats its notice
    forged = await api.call("POST", "/api/payments/webhook/tinkoff", json={"Status": "x"})
    assert forged[0] == 403
    after = await scrape(api)

    assert value(after, "studio_bookings", status="confirmed") == 1
    assert value(after, "studio_bookings", status="pending_payment") == 0
    assert value(after, "studio_holds") == 0
    assert value(after, "studio_payments", gateway="mock", status="succeeded") == 1

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("studio_webhooks_total", gateway="mock", result="applied") == 1
    assert moved("studio_webhooks_total", gateway="mock", result="repeat") == 2
    assert moved("studio_webhooks_total", gateway="tinkoff", result="refused") == 1
    # Latency by route pattern: the booking's id never makes a series of its own.
    route = frozenset({("method", "POST"), ("route", "/api/bookings")})
    assert after[("studio_http_request_duration_seconds_count", route)] >= 1
    assert not any("/api/bookings/1" in dict(labels).get("route", "") for _, labels in after)


async def test_a_refund_shows_by_gateway_and_state(running: Running, api: Api) -> None:
    booking = await api.booked(mode="full")
    await api.checkout(await api.start_payment(booking), "succeeded")
    await api.cancel(booking)  # more than 48 h ahead: everything back
    samples = await scrape(api)
    refunded = sum(
        v
        for (name, labels), v in samples.items()
        if name == "studio_refunds" and dict(labels).get("gateway") == "mock"
    )
    assert refunded == 1
    assert value(samples, "studio_bookings", status="cancelled") == 1


async def test_closed_without_the_token(running: Running, api: Api) -> None:
    assert (await api.call("GET", "/metrics"))[0] == 401
    assert (await api.call("GET", "/metrics", token="wrong-token-0123456789"))[0] == 401
    assert (await api.call("GET", "/metrics", token=api.admin_token))[0] == 401


async def test_not_there_when_no_token_is_set(running: Running, api: Api, settings: Any) -> None:
    settings.ops.metrics_token = None
    status, body = await api.call("GET", "/metrics")
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_served_open_on_its_own_port(running: Running, unused_tcp_port: int) -> None:
    from aiohttp import web

    from api.metrics import metrics_app

    runner = web.AppRunner(metrics_app(running.app))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        await running.api.booked()
        async with (
            ClientSession() as http,
            http.get(f"http://127.0.0.1:{unused_tcp_port}/metrics") as response,
        ):
            assert response.status == 200
            text = await response.text()
    finally:
        await runner.cleanup()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["studio_bookings"].samples[0].value == 1


async def test_the_dashboard_and_alerts_name_only_exported_metrics(
    running: Running, api: Api
) -> None:
    """deploy/monitoring cannot drift from what /metrics serves: every studio_* name in the
    Grafana panels and the alert rules is one the service exposes."""
    JobSchedule(running.jobs)  # as main.py run builds it: its jobs' series exist
    subscribers_known(["crm"])  # as main.py does for OUTGOING_WEBHOOKS
    booking = await api.booked()
    await api.checkout(await api.start_payment(booking), "succeeded")
    status, text = await api.call("GET", "/metrics", token=METRICS_TOKEN)
    exported = {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    exported |= {f.name for f in text_string_to_metric_families(text)}
    folder = ROOT / "deploy" / "monitoring"
    rules = yaml.safe_load((folder / "alerts.yml").read_text(encoding="utf-8"))
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((folder / "grafana-dashboard.json").read_text(encoding="utf-8"))
    expressions += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    named = {name for expr in expressions for name in re.findall(r"studio_\w+", expr)}
    assert len(expressions) > 10 and named
    assert named - exported == set()
