"""A misspelt filter is refused by name: `?start_date=` on the bookings list used to answer
every booking, as if the admin had asked for no filter at all."""

from __future__ import annotations

import pytest

from tests.support import Running


async def test_bookings_list_refuses_start_date_and_filters_by_date_from(running: Running) -> None:
    api = running.api
    early = await api.booked(day=3, hour=10)
    late = await api.booked(day=5, hour=12)

    status, body = await api.admin("GET", "/api/bookings?start_date=2026-12-05")
    assert status == 400, body
    assert body["error"]["code"] == "invalid_input"
    assert "start_date" in body["error"]["message"]
    assert "date_from" in body["error"]["message"]

    status, body = await api.admin("GET", "/api/bookings?date_from=2026-12-05")
    assert status == 200, body
    assert [b["id"] for b in body["bookings"]] == [late["id"]]
    assert early["id"] not in [b["id"] for b in body["bookings"]]


@pytest.mark.parametrize(
    "path",
    [
        "/api/notifications?state=failed",
        "/api/integrations/events?after=3",
        "/api/integrations/webhooks?statuses=pending",
        "/api/waitlist?day=2026-12-05",
    ],
)
async def test_admin_lists_name_the_unknown_parameter(running: Running, path: str) -> None:
    status, body = await running.api.admin("GET", path)
    assert status == 400, body
    assert body["error"]["code"] == "invalid_input"
    assert path.split("?")[1].split("=")[0] in body["error"]["message"]
    status, body = await running.api.admin("GET", path.split("?")[0])
    assert status == 200, body


@pytest.mark.parametrize(
    "base",
    [
        "/api/bookings/availability?hall_id=1&start_date=2026-12-05&end_date=2026-12-05",
        "/api/addons/availability?hall_id=1&start=2026-12-05T12:00:00%2B03:00"
        "&end=2026-12-05T14:00:00%2B03:00",
    ],
    ids=["bookings", "addons"],
)
async def test_availability_refuses_an_unknown_parameter(running: Running, base: str) -> None:
    status, body = await running.api.call("GET", base + "&hall=2")
    assert status == 400, body
    assert body["error"]["code"] == "invalid_input"
    assert "hall" in body["error"]["message"]
    status, body = await running.api.call("GET", base)
    assert status == 200, body
