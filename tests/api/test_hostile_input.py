"""Input an attacker or a careless client sends: refused with a 4xx and a code, nothing
changed, never a server error."""

from __future__ import annotations

import pytest

from tests.support import Running, table_counts

CLIENT = {"name": "Анна", "phone": "+7 999 123-45-67"}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T22:00:00-03:00", "9999-12-31T23:00:00-03:00"),
        ("9999-12-31T23:00:00-12:00", "9999-12-31T23:45:00-12:00"),
        ("2199-06-01T12:00:00+03:00", "2199-06-01T14:00:00+03:00"),
    ],
)
async def test_a_start_centuries_ahead_is_refused(running: Running, start: str, end: str) -> None:
    before = await table_counts(running.sessionmaker)
    body = {"hall_id": 1, "start": start, "end": end, "payment_mode": "full", "client": CLIENT}
    status, answer = await running.api.call("POST", "/api/bookings", json=body)
    assert status == 400, answer
    assert answer["error"]["code"] in {"beyond_horizon", "invalid_input"}
    assert await table_counts(running.sessionmaker) == before
