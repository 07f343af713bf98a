"""Every benchmark on SQLite and on PostgreSQL, then one summary table (`make bench`).

    python -m bench.run_all [--backend sqlite|postgres|both]
                            [--only availability,race,memory,bot,peak]

PostgreSQL runs are skipped with a note when the server at BENCH_PG_URL does not answer.
A benchmark that fails is reported as failed and the others still run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from bench import (
    bench_availability,
    bench_booking_race,
    bench_bot_flow,
    bench_memory,
    bench_peak,
)
from bench.common import BACKENDS, busy_note, machine, postgres_available, table

BENCHMARKS: dict[str, Callable[[str], Awaitable[dict[str, Any]]]] = {
    "availability": lambda backend: bench_availability.run(backend),
    "race": lambda backend: bench_booking_race.run(backend),
    "memory": lambda backend: bench_memory.run(backend),
    "bot": lambda backend: bot_rounds(backend),
    "peak": lambda backend: bench_peak.run(backend),
}
BOT_ROUNDS = 3


async def bot_rounds(backend: str) -> dict[str, Any]:
    """The bot flow's verdict is the median of several rounds (single ones scatter)."""
    runs = [await bench_bot_flow.run(backend) for _ in range(BOT_ROUNDS)]
    ratios = sorted(run["ratio"] for run in runs)
    return {"ratios": ratios, "median": statistics.median(ratios), "runs": runs}


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def summary_rows(name: str, backend: str, result: dict[str, Any]) -> list[list[object]]:
    if name == "availability":
        rows: list[list[object]] = []
        sizes = result["sizes"]
        if 10_000 in sizes:
            item = sizes[10_000]
            rows.append(
                [
                    "availability 31 days, 10k bookings, same URL",
                    backend,
                    f"{item['rps']:,.0f} req/s = {item['ratio']:.2f} of baseline "
                    f"({result['baseline_rps']:,.0f}); CPU ratio {item['cpu_ratio']:.2f}",
                    ">= 0.4",
                    verdict(item["ratio"] >= bench_availability.GOAL_RATIO),
                ]
            )
            rows.append(
                [
                    "availability 31 days, 10k, each computed",
                    backend,
                    f"{item['computed_rps']:,.0f} req/s = {item['computed_ratio']:.2f} of baseline"
                    f" ({result['baseline_distinct_rps']:,.0f}); {item['computed_cpu_ms']:.2f}"
                    " ms CPU/req",
                    "",
                    "",
                ]
            )
        if "growth_100k_vs_1k" in result:
            growth = result["growth_100k_vs_1k"]
            rows.append(
                [
                    "availability computed, 100k vs 1k bookings",
                    backend,
                    f"{growth:.2f}x by req/s, {result['cpu_growth_100k_vs_1k']:.2f}x by CPU "
                    f"(same URL {result['cached_growth_100k_vs_1k']:.2f}x)",
                    "<= 1.3x",
                    verdict(growth <= bench_availability.GOAL_GROWTH),
                ]
            )
        if not result["same_answer"]:
            rows.append(["availability answers", backend, "DIFFER between sizes", "", "WRONG"])
        return rows
    if name == "race":
        rows = []
        for key, want in (
            (f"{bench_booking_race.ONE_SLOT_CLIENTS} clients on 1 slot", 1),
            (
                f"{bench_booking_race.MANY_CLIENTS} clients on "
                f"{bench_booking_race.MANY_SLOTS} slots",
                bench_booking_race.MANY_SLOTS,
            ),
        ):
            t = result[key]
            rows.append(
                [
                    f"race: {key}",
                    backend,
                    f"wins {','.join(map(str, t['wins']))}, 409 {t['conflicts']}, "
                    f"errors {t['errors']}, {t['rps']:,.0f} req/s, {t['wins_per_s']:,.1f} wins/s",
                    f"wins {want}/round, 0 errors",
                    verdict(t["correct"] and t["errors"] == 0),
                ]
            )
        return rows
    if name == "bot":
        ratios = ", ".join(f"{r:.2f}" for r in result["ratios"])
        return [
            [
                "bot flow: 100 users vs echo bot",
                backend,
                f"median {result['median']:.2f} of {len(result['ratios'])} rounds ({ratios})",
                f">= {bench_bot_flow.GOAL}",
                verdict(result["median"] >= bench_bot_flow.GOAL),
            ]
        ]
    if name == "peak":
        return [peak_row(backend, result)]
    return [
        [
            "memory: idle RSS",
            backend,
            f"{result['service_rss_mb']:.1f} MB (peak {result['service_hwm_mb']:.1f}) = "
            f"{result['ratio']:.2f}x baseline {result['baseline_rss_mb']:.1f} MB",
            "<= 1.25x",
            verdict(result["ratio"] <= bench_memory.GOAL),
        ]
    ]


def peak_row(backend: str, result: dict[str, Any]) -> list[object]:
    p99s = ", ".join(
        f"{label} {result[f'{kind}_p99_ms']:.0f}" for kind, label in
        (("bot", "bot"), ("api", "API"), ("webhook", "webhooks"))
    )  # fmt: skip
    return [
        f"peak: {result['users']} users + website, {result['seconds']:.0f} s",
        backend,
        f"p99 ms {p99s}; {result['errors']} errors, {result['confirmed']} bookings, "
        f"{result['double_bookings']} double",
        f"p99 <= {bench_peak.GOAL_P99_MS:.0f} ms, 0 errors, 0 double",
        verdict(result["passed"]),
    ]


async def run_all(backends: list[str], only: list[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    for backend in backends:
        if backend == "postgres" and not await postgres_available():
            print("\n== PostgreSQL does not answer at BENCH_PG_URL: its runs are skipped")
            rows.append(["(all)", backend, "skipped: no PostgreSQL server", "", ""])
            continue
        for name in only:
            started = time.monotonic()
            try:
                result = await BENCHMARKS[name](backend)
            except Exception as exc:
                traceback.print_exc()
                rows.append([name, backend, f"failed: {exc}"[:90], "", "FAILED"])
                continue
            rows.extend(summary_rows(name, backend, result))
            print(f"   ({name} on {backend} took {time.monotonic() - started:.0f} s)")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.run_all", description=__doc__)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated names")
    args = parser.parse_args(argv)
    backends = list(BACKENDS) if args.backend == "both" else [args.backend]
    only = [name for name in args.only.split(",") if name]
    unknown = set(only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    rows = asyncio.run(run_all(backends, only))
    print(f"\n== summary ({machine()}; load average now {busy_note()})")
    print(table([["benchmark", "backend", "figure", "goal", ""], *rows], left=5))
    print(f"   all benchmarks took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
