"""`main.py run` with METRICS_PORT: /metrics served on that port without a token, while the
service's own port keeps it closed; the request line in the log names the request's id."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import Databases, ServiceProcess, service_env
from tests.support import free_port


async def test_metrics_on_their_own_port(tmp_path: Path) -> None:
    databases = Databases(tmp_path)
    metrics_port = free_port()
    env = service_env(
        await databases.new(), METRICS_PORT=str(metrics_port), LOG_LEVEL="INFO", BOT_TOKEN=""
    )
    service = await ServiceProcess(env, free_port()).start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{service.base_url}/api/halls") as response:
                request_id = response.headers["X-Request-Id"]
            async with http.get(f"{service.base_url}/metrics") as response:
                assert response.status == 404  # no METRICS_TOKEN: closed on the main port
            async with http.get(f"http://127.0.0.1:{metrics_port}/metrics") as response:
                assert response.status == 200
                text = await response.text()
    finally:
        await service.stop()
        await databases.drop_all()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    routes = {
        s.labels.get("route") for s in families["studio_http_request_duration_seconds"].samples
    }
    assert "/api/halls" in routes
    assert "studio_bookings" in families and "studio_job_runs" in families
    lines = [json.loads(line) for line in service.stderr.splitlines() if line.startswith("{")]
    assert any(
        line.get("msg") == "request" and line.get("request_id") == request_id for line in lines
    )
