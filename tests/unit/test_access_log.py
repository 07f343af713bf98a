"""The access log writes one JSON line per request, in batches, and none when disabled."""

from __future__ import annotations

import io
import json

from api.access_log import AccessLog


async def test_lines_are_written_in_order_at_the_end() -> None:
    stream = io.StringIO()
    log = AccessLog(enabled=True, stream=stream)
    lifetime = log.run(None)
    await anext(lifetime)
    for status in (200, 404):
        log.record({"method": "GET", "path": "/api/halls", "status": status, "ms": 1.5})
    assert stream.getvalue() == ""  # batched
    await anext(lifetime, None)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["status"] for line in lines] == [200, 404]
    assert all(line["msg"] == "request" and line["level"] == "INFO" for line in lines)


def test_disabled_log_keeps_nothing() -> None:
    stream = io.StringIO()
    log = AccessLog(enabled=False, stream=stream)
    log.record({"path": "/api/halls"})
    log.flush()
    assert stream.getvalue() == ""
