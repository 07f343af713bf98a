"""Availability in a studio whose zone changes its clocks, open round the clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support import FakeClock, Running

HALL = {"slug": "day-and-night", "name": "Круглосуточный", "hourly_price": "1000.00"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings_env(tmp_path: Path) -> dict[str, Any]:
    studio = tmp_path / "studio.json"
    always = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), ["00:00", "24:00"])
    hall = {**HALL, "min_minutes": 60, "buffer_minutes": 0}
    studio.write_text(json.dumps({"hours": always, "halls": [hall]}), encoding="utf-8")
    return {"studio_file": studio, "studio_timezone": "Europe/Berlin"}


async def test_the_hour_the_clocks_go_back_lists_each_wall_time_once(running: Running) -> None:
    """On 25 October 2026 Berlin's 02:00-02:59 happens twice (CEST, then CET): a start at
    02:15 is one choice on the clock face; the free time says which offsets exist."""
    status, body = await running.api.call(
        "GET", "/api/bookings/availability?hall_id=1&start_date=2026-10-25&end_date=2026-10-25"
    )
    assert status == 200, body
    [day] = body["days"]
    starts = day["starts"]
    assert len(starts) == len(set(starts)), [s for s in starts if starts.count(s) > 1]
    assert starts == sorted(starts)
    assert {"01:45", "02:00", "02:15", "02:30", "02:45", "03:00"} <= set(starts)
    assert day["free"][0]["start"] == "2026-10-25T00:00:00+02:00"
    assert day["free"][-1]["end"].endswith("+01:00")
