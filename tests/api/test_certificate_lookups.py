"""Guessing gift certificate codes is slow: lookups count against the address's rate, and
an unknown code and a malformed one answer alike."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Running


@pytest.fixture
def settings_env() -> dict[str, Any]:
    return {"payment_rate_per_minute": 3, "trusted_proxies": ["127.0.0.1"]}


async def test_lookups_from_one_address_are_limited(running: Running) -> None:
    api = running.api
    status, made = await api.admin("POST", "/api/certificates", json={"amount": "1000.00"})
    assert status == 201, made
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    answers = []
    for code in ("AAAA-BBBB-CCCC", "nonsense!", made["code"], "7777-7777-7777"):
        status, body = await api.call("GET", f"/api/certificates/{code}", headers=guesser)
        answers.append((status, body["error"]["code"] if status != 200 else "ok"))
    assert answers == [
        (404, "certificate_not_found"),
        (404, "certificate_not_found"),
        (200, "ok"),
        (429, "rate_limited"),
    ]
    other = {"X-Forwarded-For": "203.0.113.8"}
    status, _ = await api.call("GET", f"/api/certificates/{made['code']}", headers=other)
    assert status == 200
    running.clock.advance(minutes=1)
    status, _ = await api.call("GET", f"/api/certificates/{made['code']}", headers=guesser)
    assert status == 200
