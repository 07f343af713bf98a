"""Availability throughput: 31 days of one hall through the real service, against a bare
aiohttp JSON handler measured in the same run with the same load generator.

    python -m bench.bench_availability [--backend sqlite|postgres] [--sizes 1000,10000,100000]

The database gets 1,000, then 10,000, then 100,000 bookings (the later sizes only add older
history, so a window near today holds the same bookings each time); the service is restarted
on each size and loaded twice:

- "same URL": every request is `GET /api/bookings/availability?hall_id=1&start_date=<today>
  &end_date=<today+30>`, as when many visitors look at the same month; the service may share
  one computed answer between them.
- "distinct windows": the requests go in turn to ~600 different 31- and 30-day windows
  (three halls, starts from the earliest day complete at every size to 59 days ahead), so that
  no answer can be reused within a few seconds: every request is computed. The share that
  really was computed is read from the service's access log (handler time of 1 ms or more).

Goals: at 10,000 bookings at least 0.4 of the baseline's requests per second (same URL); at
100,000 bookings a computed request costs at most 1.3 times what it costs at 1,000.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import orjson

from bench.common import (
    BACKENDS,
    CONNECTIONS,
    FUTURE_DAYS,
    SECONDS,
    TZ,
    BookingSet,
    LoadResult,
    create_database,
    header,
    insert_bookings,
    measure,
    read_studio,
    start_baseline,
    start_service,
    table,
)

SIZES = (1_000, 10_000, 100_000)
HALL_ID = 1
DAYS = 31
GOAL_RATIO = 0.4
GOAL_GROWTH = 1.3
COMPUTED_MS = 1.0  # a handler this slow went to the database; a shared answer takes ~0.1 ms
PATH = "/api/bookings/availability?hall_id={hall}&start_date={first}&end_date={last}"


def window_path(hall: int, first: date, days: int) -> str:
    return PATH.format(hall=hall, first=first, last=first + timedelta(days=days - 1))


def distinct_windows(earliest: date, today: date, halls: list[int]) -> list[str]:
    """Windows that look the same at every size, interleaved so neighbours differ."""
    # The service reads a day more on each side (buffers), hence the day of margin.
    first = earliest + timedelta(days=1)
    starts = [first + timedelta(days=n) for n in range((today - first).days + FUTURE_DAYS)]
    return [
        window_path(hall, start, days)
        for days in (DAYS, DAYS - 1)
        for start in starts
        for hall in halls
    ]


async def live_in_window(url: str, start: datetime, end: datetime) -> int:
    """Live bookings of the hall that touch the window (what the request must look at)."""
    from sqlalchemy import func, select

    from db.models import Booking
    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                select(func.count())
                .select_from(Booking)
                .where(
                    Booking.hall_id == HALL_ID,
                    Booking.status.in_(("pending_payment", "confirmed", "completed")),
                    Booking.start_at < end,
                    Booking.blocked_until > start,
                )
            )
    finally:
        await engine.dispose()
    return int(count or 0)


def fetch(url: str) -> bytes:
    with urlopen(url, timeout=30) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return bytes(response.read())


def days_of(body: bytes, today: date) -> list[Any]:
    """The answer's days, today's left out (its starts move with the clock)."""
    data = orjson.loads(body)
    if "days" not in data:
        raise RuntimeError(f"unexpected availability answer: {body[:300]!r}")
    return [day for day in data["days"] if day["date"] != today.isoformat()]


def computed_share(log: Path, offset: int) -> float | None:
    """Share of availability requests since `offset` in the service's access log whose
    handler took COMPUTED_MS or more; None when the service logged none (LOG_LEVEL)."""
    total = slow = 0
    with log.open("rb") as lines:
        lines.seek(offset)
        for line in lines:
            if b"/api/bookings/availability" not in line:
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if record.get("path") == "/api/bookings/availability" and "ms" in record:
                total += 1
                slow += record["ms"] >= COMPUTED_MS
    return slow / total if total else None


def row(
    label: str,
    result: LoadResult,
    base: LoadResult | None,
    *,
    extra: str = "",
    computed: float | None = None,
) -> list[object]:
    ratio = result.rps / base.rps if base else 1.0
    cpu_ratio = base.cpu_ms_per_request / result.cpu_ms_per_request if base else 1.0
    flags = []
    if computed is not None:
        flags.append(f"{computed:.0%} computed")
    if not result.ok:
        flags.append(f"{result.non_2xx} non-2xx, {result.errors} socket errors")
    return [
        label,
        extra,
        f"{result.rps:,.0f}",
        f"{ratio:.2f}",
        f"{result.p50_ms:.2f}",
        f"{result.p99_ms:.2f}",
        f"{result.cpu_ms_per_request:.3f}",
        f"{cpu_ratio:.2f}",
        "; ".join(flags),
    ]


def mean_load(results: list[LoadResult]) -> LoadResult:
    """One baseline from its runs: mean requests/s and mean CPU per request."""
    requests = sum(r.requests for r in results)
    seconds = sum(r.seconds for r in results)
    cpu = sum(r.server_cpu_s for r in results)
    return LoadResult(
        tool=results[0].tool,
        requests=requests,
        seconds=seconds,
        non_2xx=sum(r.non_2xx for r in results),
        errors=sum(r.errors for r in results),
        p50_ms=sum(r.p50_ms for r in results) / len(results),
        p99_ms=max(r.p99_ms for r in results),
        server_cpu_s=cpu,
    )


async def run(
    backend: str = "sqlite",
    sizes: tuple[int, ...] = SIZES,
    *,
    connections: int = CONNECTIONS,
    seconds: float = SECONDS,
) -> dict[str, Any]:
    header(f"availability, {backend}: {DAYS} days of hall {HALL_ID}")
    logdir = Path(tempfile.mkdtemp(prefix="bench_avail_logs_"))
    database = await create_database(backend, "avail")
    try:
        studio = await read_studio(database.url)
        now = datetime.now(UTC)
        bookings = BookingSet(studio, now)
        rows = bookings.rows()
        today = now.astimezone(TZ).date()
        path = window_path(HALL_ID, today, DAYS)
        last = today + timedelta(days=DAYS - 1)
        window = (
            datetime(today.year, today.month, today.day, tzinfo=TZ),
            datetime(last.year, last.month, last.day, tzinfo=TZ) + timedelta(days=1),
        )
        inserted = 0
        paths: list[str] = []
        checks: list[str] = []
        reference: dict[str, list[Any]] = {}
        same_answer = True
        sample = b""
        base_same: list[LoadResult] = []
        base_distinct: list[LoadResult] = []
        measured: list[dict[str, Any]] = []

        def run_baselines(both: bool) -> None:
            process, url = start_baseline(sample, logdir)
            with process:
                base_same.append(
                    measure(url, server_pid=process.pid, connections=connections, seconds=seconds)
                )
                if both:
                    root = url.rsplit("/", 1)[0]
                    rotation = [f"/json?{p.split('?', 1)[1]}" for p in paths]
                    base_distinct.append(
                        measure(
                            root,
                            server_pid=process.pid,
                            paths=rotation,
                            connections=connections,
                            seconds=seconds,
                        )
                    )

        for size in sorted(sizes):
            took = await insert_bookings(database.url, rows, size - inserted)
            inserted = size
            if not paths:
                paths = distinct_windows(
                    bookings.complete_from(), today, [h.id for h in studio.halls]
                )
                step = max(1, len(paths) // 8)
                checks = [p for p in paths[::step] if f"start_date={today}&" not in p]
            in_window = await live_in_window(database.url, *window)
            service, base = start_service(database.url, logdir)
            log = logdir / "service.log"
            with service:
                sample = sample or fetch(base + path)
                for check in [path, *checks]:
                    got = days_of(fetch(base + check), today)
                    same_answer = same_answer and reference.setdefault(check, got) == got
                same = measure(
                    base + path, server_pid=service.pid, connections=connections, seconds=seconds
                )
                offset = log.stat().st_size
                distinct = measure(
                    base,
                    server_pid=service.pid,
                    paths=paths,
                    connections=connections,
                    seconds=seconds,
                )
                share = computed_share(log, offset)
            measured.append(
                {
                    "bookings": size,
                    "insert_s": took,
                    "in_window": in_window,
                    "same": same,
                    "distinct": distinct,
                    "computed": share,
                }
            )
            if not base_same:
                run_baselines(both=True)
        run_baselines(both=False)
    finally:
        await database.drop()
        shutil.rmtree(logdir, ignore_errors=True)

    baseline = mean_load(base_same)
    baseline_distinct = mean_load(base_distinct)
    out: list[list[object]] = [
        ["", "inserted in", "req/s", "ratio", "p50 ms", "p99 ms", "CPU ms/req", "CPU ratio", ""],
    ]
    for index, run_result in enumerate(base_same):
        out.append(row(f"baseline, same URL, run {index + 1}", run_result, None))
    out.append(row("baseline, distinct windows", baseline_distinct, None))
    for item in measured:
        label = f"{item['bookings']:,} bookings ({item['in_window']} in window)"
        inserted_in = f"{item['insert_s']:.1f} s"
        out.append(row(f"{label}, same URL", item["same"], baseline, extra=inserted_in))
        out.append(
            row(
                f"{label}, distinct windows",
                item["distinct"],
                baseline_distinct,
                computed=item["computed"],
            )
        )
    print(
        f"   load: {baseline.tool}, {connections} connections, {seconds:g} s each; same-URL "
        f"answer {len(sample):,} bytes; {len(paths)} distinct windows; baseline = bare aiohttp "
        "handler sending the same-URL answer (orjson)"
    )
    print(
        "   ratio = req/s over the baseline's (same URL: mean of its two runs); CPU ratio = the "
        "baseline's server CPU per request over the service's"
    )
    print(table(out))

    by_size = {item["bookings"]: item for item in measured}
    summary: dict[str, Any] = {
        "backend": backend,
        "baseline_rps": baseline.rps,
        "baseline_distinct_rps": baseline_distinct.rps,
        "same_answer": same_answer,
        "sizes": {
            size: {
                "rps": item["same"].rps,
                "ratio": item["same"].rps / baseline.rps,
                "cpu_ratio": baseline.cpu_ms_per_request / item["same"].cpu_ms_per_request,
                "computed_rps": item["distinct"].rps,
                "computed_ratio": item["distinct"].rps / baseline_distinct.rps,
                "computed_cpu_ms": item["distinct"].cpu_ms_per_request,
                "computed_share": item["computed"],
                "ok": item["same"].ok and item["distinct"].ok,
            }
            for size, item in by_size.items()
        },
    }
    if 10_000 in by_size:
        item = summary["sizes"][10_000]
        summary["ratio_10k"] = item["ratio"]
        verdict = "meets" if item["ratio"] >= GOAL_RATIO else "misses"
        print(
            f"   10,000 bookings, same URL: {item['ratio']:.2f} of the baseline ({verdict} the "
            f"goal >= {GOAL_RATIO}); every request computed: {item['computed_ratio']:.2f}"
        )
    if 1_000 in by_size and 100_000 in by_size:
        small, large = by_size[1_000], by_size[100_000]
        growth = small["distinct"].rps / large["distinct"].rps
        cpu_growth = large["distinct"].cpu_ms_per_request / small["distinct"].cpu_ms_per_request
        cached = small["same"].rps / large["same"].rps
        summary["growth_100k_vs_1k"] = growth
        summary["cpu_growth_100k_vs_1k"] = cpu_growth
        summary["cached_growth_100k_vs_1k"] = cached
        verdict = "meets" if growth <= GOAL_GROWTH else "misses"
        print(
            f"   cost of a computed request at 100,000 vs 1,000 bookings: {growth:.2f}x by "
            f"req/s, {cpu_growth:.2f}x by server CPU ({verdict} the goal <= {GOAL_GROWTH}x); "
            f"same URL: {cached:.2f}x"
        )
    print(
        f"   same answers at every size ({len(checks) + 1} windows, today left out): "
        f"{'yes' if same_answer else 'NO'}"
    )
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_availability", description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="comma-separated booking counts"
    )
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args(argv)
    sizes = tuple(int(part) for part in args.sizes.split(",") if part)
    asyncio.run(run(args.backend, sizes, connections=args.connections, seconds=args.seconds))


if __name__ == "__main__":
    main()
