"""How long a busy hall's month takes to appear on the booking page: `main.py run` as its own
process, next month of the white hall filled with bookings (four a day where the hours allow,
besides whatever closures say), and Debian's Chromium opening /book and choosing the hall.

    python -m bench.bench_page_month [--backend sqlite|postgres] [--rounds 15]

The figure is the time in the page from the press on the hall (halls already shown) to the
month grid drawn from the availability answer, read with `performance.now()` inside the page,
and the same for a press on › (the next month, fetched fresh). Issue 16 asks for 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ADMIN_TOKEN, BACKENDS, TZ, create_database, header, start_service

CHROMIUM = "/usr/bin/chromium"
GOAL_MS = 300
STARTS = ((10, 0), (12, 30), (15, 0), (17, 30))
#: Waits in the page for the month grid of `month` (YYYY-MM) drawn by the press on `selector`.
MEASURE = """async ([selector, month]) => {
  const grid = document.getElementById("calendar");
  const drawn = () => !grid.hasAttribute("aria-busy")
    && grid.querySelector(`button[data-date^="${month}"]`) !== null;
  const t0 = performance.now();
  document.querySelector(selector).click();
  await new Promise((resolve) => {
    const check = () => (drawn() ? resolve() : requestAnimationFrame(check));
    check();
  });
  return performance.now() - t0;
}"""


def post(base: str, path: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def fill_month(base: str, first: date) -> int:
    """Four two-hour bookings a day over the month from `first`, through the API."""
    made, day = 0, first
    while day.month == first.month:
        for hour, minute in STARTS:
            start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
            body = {
                "hall_id": 1,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
                "client": {"name": "Нагрузка", "phone": "+79990000000"},
            }
            made += post(base, "/api/bookings", body) == 201
        day += timedelta(days=1)
    return made


def measure(
    base: str, month: str, next_month: str, rounds: int
) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    hall, forward = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        for _ in range(rounds):
            page.goto(f"{base}/book")
            page.wait_for_selector('#halls button[data-hall="white"]')
            # Open the busy month: the hall opens on today's month, › moves on.
            hall.append(page.evaluate(MEASURE, ['#halls button[data-hall="white"]', month[:7]]))
            forward.append(page.evaluate(MEASURE, ["#next-month", next_month[:7]]))
        browser.close()
    return hall, forward


def run(backend: str, rounds: int = 15) -> dict[str, Any]:
    database = asyncio.run(create_database(backend, "page"))
    logdir = Path(tempfile.mkdtemp(prefix="bench_page_"))
    process, base = start_service(database.url, logdir)
    try:
        today = datetime.now(TZ).date()
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        made = fill_month(base, first)
        this_month, _ = measure(base, today.isoformat(), first.isoformat(), 1)
        hall_ms, next_ms = measure(base, today.isoformat(), first.isoformat(), rounds)
    finally:
        process.stop()
        asyncio.run(database.drop())
        shutil.rmtree(logdir, ignore_errors=True)
    return {
        "backend": backend,
        "bookings in the busy month": made,
        "hall pressed -> this month drawn, median ms": round(statistics.median(hall_ms), 1),
        "› pressed -> busy month drawn, median ms": round(statistics.median(next_ms), 1),
        "› pressed -> busy month drawn, max ms": round(max(next_ms), 1),
        "goal ms": GOAL_MS,
        "first look after the start, ms": round(this_month[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    header(f"Booking page: a busy month's availability ({args.backend})")
    for key, value in run(args.backend, args.rounds).items():
        print(f"   {key}: {value}")  # noqa: T201


if __name__ == "__main__":
    main()
