"""`bench.bench_peak --compare`: the same evening on one process with SQLite, one with
PostgreSQL, and several behind nginx on PostgreSQL, one after another, side by side."""

from __future__ import annotations

from dataclasses import replace

from bench.bench_peak import KINDS, Evening, Options, one_evening
from bench.common import header, table


def setups(options: Options) -> list[Options]:
    processes = options.processes if options.processes > 1 else 3
    return [
        replace(options, backend="sqlite", processes=1),
        replace(options, backend="postgres", processes=1),
        replace(options, backend="postgres", processes=processes),
    ]


def side_by_side(results: list[tuple[Options, Evening]]) -> str:
    rows: list[list[object]] = [[
        "setup", "bot p50 / p99 ms", "API p50 / p99 ms", "webhook p50 / p99 ms", "errors",
        "bookings made (confirmed)", "double", "service CPU",
    ]]  # fmt: skip
    for options, r in results:
        s = r.samples
        rows.append([
            options.setup,
            *(f"{s.ms(kind, 0.5):.0f} / {s.ms(kind, 0.99):.0f}" for kind, _ in KINDS),
            sum(r.errors.values()),
            f"{sum(r.made.values()):,} ({r.confirmed:,})",
            r.double_bookings,
            f"{r.service_cpu_s / r.elapsed_s:.0%} of a core",
        ])  # fmt: skip
    return table(rows)


async def compare(users: int, options: Options) -> bool:
    """Each setup in turn; True when every one met the goals."""
    results = [(each, await one_evening(users, each)) for each in setups(options)]
    header(f"peak compared: {users} Telegram users and the website, {options.seconds:.0f} s each")
    print(side_by_side(results))
    return all(r.passed() for _, r in results)
