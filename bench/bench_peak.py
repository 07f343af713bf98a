"""A Saturday evening on one process: what people feel while the bot, the website and the
gateways all use the service at once.

    python -m bench.bench_peak [--users 100] [--seconds 60] [--backend sqlite|postgres]
    python -m bench.bench_peak --backend postgres --processes 3   # behind nginx
    python -m bench.bench_peak --compare [--users 100] [--seconds 60]
    python -m bench.bench_peak --find-capacity [--seconds 60] [--max-users 3200]

The service runs as `main.py run` in its own process (mock payments, the bot polling a local
fake Bot API server, tests/fakes/telegram_api.py, rate limits off) on a scratch database with
10,000 bookings of history and near future (`--bookings`). This process plays everyone else:

- `--users` Telegram users, arriving over the first seconds, each booking again and again:
  /start, Book, a hall, a day, a start, a duration, a payment mode, a gateway, the e-mail
  skipped, the phone shared (the saved one from the second booking on), Pay on the checkout
  page; pausing 1-3 s between presses (`--pause`), random with a fixed seed (`--seed`);
  half of them look at another part of the day or the next month first. A slot taken
  meanwhile (the bot's fresh day view, the API's 409) is counted, not an error.
- website visitors: availability polled at `--polls` (50) requests a second in all, a week of
  a random hall each; `--web-bookings` (30) a minute booking through the JSON API (a day's
  free starts, the hold, the payment, Pay, the booking's status).
- the gateways: the checkout page's Pay sends the gateway's webhook to PUBLIC_BASE_URL, which
  points at a small forwarder here that times the service's answer.

Figures: p50/p99 of bot replies (from getUpdates handing the update to the bot to the bot's
answer reaching the fake Bot API: the callback answer of a press, the reply to a message),
of API answers and of webhook answers; errors; bookings made; double bookings (overlapping
live bookings of a hall, checked in the database after the run). Goals: p99 <= 150 ms each,
0 errors, 0 double bookings.

`--processes 3` runs three `main.py run` behind Debian's nginx with the deploy/ site on one
PostgreSQL and Redis, the bot in webhook mode (bench/peak_cluster.py); `--compare` runs one
process on SQLite, one on PostgreSQL and three behind nginx on PostgreSQL in turn with the
same people and prints their figures side by side.

--find-capacity raises the users (100, 200, 400, ... then halves the gap) until a p99 passes
150 ms or errors appear, and prints the largest number of users one process carried. Each
try runs `--seconds` on a fresh database and service. Everything runs on 127.0.0.1 and stops
by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from aiohttp import ClientSession, ClientTimeout, TCPConnector

from bench.common import (
    BACKENDS,
    BookingSet,
    Process,
    cpu_seconds,
    create_database,
    header,
    insert_bookings,
    read_studio,
    start_service,
    table,
)
from bench.peak_people import (
    BotUser,
    Crowd,
    PeakTelegram,
    Samples,
    WebhookTimer,
    api,
    poll_availability,
    web_bookings,
    web_visitor,
    window,
)

GOAL_P99_MS = 150.0
KINDS = (("bot", "bot replies"), ("api", "API answers"), ("webhook", "webhook answers"))
FIRST_USER = 8_000_000
STOP_GRACE = 90.0  # seconds past the evening for the last steps to finish
MAX_TRIES = 10  # runs in a capacity search


@dataclass
class Evening:
    users: int
    seconds: float
    samples: Samples
    before: int = 0  # the last booking id before the measured run
    made: Counter[str] = field(default_factory=Counter)  # "source status" of new bookings
    double_bookings: int = 0
    elapsed_s: float = math.nan  # the evening plus the last steps finishing
    service_cpu_s: float = 0.0
    service_waited_s: float = 0.0  # runnable but waiting for a core (other processes)
    harness_cpu_s: float = 0.0
    refused_calls: Counter[str] = field(default_factory=Counter)
    log_errors: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> Counter[str]:
        return self.samples.errors + self.refused_calls + self.log_errors

    @property
    def confirmed(self) -> int:
        return sum(n for key, n in self.made.items() if key.endswith(" confirmed"))

    def passed(self) -> bool:
        p99s = [self.samples.ms(kind, 0.99) for kind, _ in KINDS]
        return (
            all(p99 <= GOAL_P99_MS for p99 in p99s)
            and not self.errors
            and self.double_bookings == 0
        )

    def figures(self) -> dict[str, Any]:
        """Plain figures, for bench.run_all."""
        out: dict[str, Any] = {"users": self.users, "seconds": self.seconds}
        for kind, _ in KINDS:
            out[f"{kind}_p50_ms"] = self.samples.ms(kind, 0.5)
            out[f"{kind}_p99_ms"] = self.samples.ms(kind, 0.99)
        out.update(
            errors=sum(self.errors.values()),
            confirmed=self.confirmed,
            double_bookings=self.double_bookings,
            passed=self.passed(),
        )
        return out


# --------------------------------------------------------------------------- one evening


@dataclass(frozen=True)
class Options:
    seconds: float = 60.0
    backend: str = "sqlite"
    bookings: int = 10_000
    polls: float = 50.0
    web_bookings: float = 30.0
    pause: tuple[float, float] = (1.0, 3.0)
    seed: int = 2026
    processes: int = 1  # more: behind nginx, bot in webhook mode (PostgreSQL and Redis)

    @property
    def setup(self) -> str:
        if self.processes > 1:
            return f"{self.processes} processes behind nginx, {self.backend}"
        return f"one process, {self.backend}"


async def evening(users: int, options: Options) -> Evening:
    """One run on a fresh database and a fresh service; everything stopped afterwards."""
    database = await create_database(options.backend, "peak")
    try:
        if options.bookings:
            studio = await read_studio(database.url)
            rows = BookingSet(studio, datetime.now(UTC)).rows()
            await insert_bookings(database.url, rows, options.bookings)
        with tempfile.TemporaryDirectory(prefix="bench_peak_") as logdir:
            if options.processes > 1:
                result = await with_cluster(users, options, database.url, Path(logdir))
            else:
                result = await with_service(users, options, database.url, Path(logdir))
            for log in Path(logdir).glob("service*.log"):
                result.log_errors.update(log_errors(log))
        result.made, result.double_bookings = await check_database(database.url, result.before)
        paid = (
            result.samples.counts["bot bookings paid"] + result.samples.counts["web bookings paid"]
        )
        if result.confirmed < paid:
            result.samples.errors["paid but not confirmed"] += paid - result.confirmed
        return result
    finally:
        await database.drop()


async def with_service(users: int, options: Options, url: str, logdir: Path) -> Evening:
    samples = Samples()
    timer = WebhookTimer(samples)
    tg = PeakTelegram(rate_limits=False, strict_urls=False)
    async with tg:
        await timer.start()
        try:
            process, base = await bot_service(tg, url, logdir, timer.base)
        except BaseException:
            await timer.stop()
            raise
        timer.target = base
        try:
            connector = TCPConnector(limit=500)
            async with ClientSession(connector=connector, timeout=ClientTimeout(total=30)) as http:
                crowd = Crowd(tg, http, base, timer.base, samples, deadline=math.inf)
                _, halls = await http_json(http, f"{base}/api/halls")
                crowd.halls = [(h["id"], h["min_minutes"]) for h in halls["halls"]]
                await warm_up(crowd, [timer])
                return await measured(crowd, [process], users, options, url)
        finally:
            await asyncio.to_thread(process.stop)
            await timer.stop()


async def with_cluster(users: int, options: Options, url: str, logdir: Path) -> Evening:
    """The evening against `options.processes` processes behind nginx (bench.peak_cluster)."""
    from bench.peak_cluster import Cluster

    if options.backend != "postgres":
        raise SystemExit("several processes share PostgreSQL: add --backend postgres")
    samples = Samples()
    cluster = Cluster(options.processes, url, logdir, samples)
    try:
        crowd = await cluster.start(samples)
        crowd.deadline = math.inf
        _, halls = await http_json(crowd.http, f"{crowd.service}/api/halls")
        crowd.halls = [(h["id"], h["min_minutes"]) for h in halls["halls"]]
        await warm_up(crowd, cluster.timers)
        return await measured(crowd, cluster.processes, users, options, url)
    finally:
        await cluster.stop()


async def bot_service(
    tg: PeakTelegram, url: str, logdir: Path, public: str
) -> tuple[Process, str]:
    """`main.py run` with the bot polling the fake; returns once its first poll arrived."""
    polls_before = tg.polls_started
    process, base = await asyncio.to_thread(
        start_service,
        url,
        logdir,
        BOT_TOKEN=tg.token,
        TELEGRAM_API_SERVER=tg.base_url,
        BOT_MODE="polling",
        PUBLIC_BASE_URL=public,
    )
    for _ in range(600):
        if tg.polls_started > polls_before:
            return process, base
        await asyncio.sleep(0.05)
    await asyncio.to_thread(process.stop)
    raise RuntimeError(f"the bot did not start polling; see {process.log}")


async def http_json(http: ClientSession, url: str) -> tuple[int, Any]:
    async with http.get(url) as response:
        return response.status, await response.json()


async def warm_up(crowd: Crowd, timers: list[WebhookTimer]) -> None:
    """A few bookings and polls before the clock starts (first statements, imports, pools);
    their figures are dropped, their errors reported."""
    warm = crowd.samples
    crowd.pause = (0.0, 0.0)
    crowd.deadline = asyncio.get_running_loop().time() + 60
    users = [
        BotUser(crowd, crowd.tg.user(FIRST_USER - 1 - n, "Разминка"), random.Random(n))
        for n in range(3)
    ]
    await asyncio.gather(
        *(user.book_once() for user in users),
        web_visitor(crowd, random.Random(1), 0),
        poll_availability_burst(crowd, 20),
    )
    if warm.errors:
        print(f"   warm-up errors: {dict(warm.errors)}")
    crowd.samples = Samples()
    for timer in timers:
        timer.samples = crowd.samples


async def poll_availability_burst(crowd: Crowd, count: int) -> None:
    rng = random.Random(count)
    for hall, _ in crowd.halls * count:
        first, last = window(rng, 7)
        query = f"hall_id={hall}&start_date={first}&end_date={last}"
        await api(crowd, "GET", f"/api/bookings/availability?{query}")


async def measured(
    crowd: Crowd, processes: list[Process], users: int, options: Options, url: str
) -> Evening:
    before = await last_booking_id(url)
    loop = asyncio.get_running_loop()
    crowd.pause = options.pause
    began = loop.time()
    crowd.deadline = began + options.seconds
    calls_before = len(crowd.tg.calls())
    pids = [process.pid for process in processes]
    cpu, own = sum(map(cpu_seconds, pids)), time.process_time()
    waited = sum(map(run_queue_seconds, pids))
    rng = random.Random(options.seed)
    ramp = min(10.0, options.seconds / 6)
    people = [
        BotUser(crowd, crowd.tg.user(FIRST_USER + n, f"Гость {n}"), random.Random(rng.random()))
        for n in range(users)
    ]
    everyone = asyncio.gather(
        *(person.evening(rng.uniform(0, ramp)) for person in people),
        poll_availability(crowd, options.polls, options.seed + 1),
        web_bookings(crowd, options.web_bookings, options.seed + 2),
    )
    try:
        await asyncio.wait_for(everyone, options.seconds + STOP_GRACE)
    except TimeoutError:
        crowd.samples.error("the run did not end by itself")
    result = Evening(users, options.seconds, crowd.samples, before)
    result.elapsed_s = loop.time() - began
    result.service_cpu_s = sum(map(cpu_seconds, pids)) - cpu
    result.harness_cpu_s = time.process_time() - own
    result.service_waited_s = sum(map(run_queue_seconds, pids)) - waited
    for call in crowd.tg.calls()[calls_before:]:
        if not call.ok and call.method != "getUpdates":
            result.refused_calls[f"Bot API refused {call.method}: {call.description}"] += 1
    for error in crowd.tg.internal_errors:
        result.refused_calls[f"fake Bot API failed: {error!r}"[:100]] += 1
    return result


def run_queue_seconds(pid: int) -> float:
    """How long the process's threads were ready to run but waited for a core (the second
    field of /proc/<pid>/task/<tid>/schedstat): on a shared machine, the time other
    processes took from it."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(stat.read_text().split()[1])
    return total / 1e9


def log_errors(path: Path) -> Counter[str]:
    """ERROR and CRITICAL lines the service wrote (and anything that is not a JSON line
    and mentions a traceback)."""
    found: Counter[str] = Counter()
    if not path.exists():
        return found
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if record.get("level") in ("ERROR", "CRITICAL"):
                found[f"service log: {record.get('msg', '')}"[:100]] += 1
        elif "Traceback" in line:
            found["service log: a traceback"] += 1
    return found


# --------------------------------------------------------------------------- the database


LIVE = "('pending_payment', 'confirmed', 'completed')"
DOUBLE_BOOKINGS = f"""
SELECT count(*) FROM bookings AS a JOIN bookings AS b
  ON a.hall_id = b.hall_id AND a.id < b.id
 AND a.start_at < b.blocked_until AND b.start_at < a.blocked_until
WHERE a.status IN {LIVE} AND b.status IN {LIVE}
"""


async def last_booking_id(url: str) -> int:
    from sqlalchemy import text

    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text("SELECT coalesce(max(id), 0) FROM bookings")) or 0)
    finally:
        await engine.dispose()


async def check_database(url: str, before: int) -> tuple[Counter[str], int]:
    """The bookings made during the run by source and status, and the pairs of live
    bookings of one hall that overlap (buffers included) among all of them."""
    from sqlalchemy import text

    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT source, status, count(*) FROM bookings WHERE id > :before "
                    "GROUP BY source, status"
                ),
                {"before": before},
            )
            made = Counter({f"{source} {status}": int(n) for source, status, n in rows})
            double = int(await conn.scalar(text(DOUBLE_BOOKINGS)) or 0)
    finally:
        await engine.dispose()
    return made, double


# --------------------------------------------------------------------------- reports


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(result: Evening) -> None:
    s = result.samples
    rows: list[list[object]] = [["", "answers", "p50 ms", "p99 ms", "goal", ""]]
    for kind, label in KINDS:
        p99 = s.ms(kind, 0.99)
        rows.append([
            label, f"{len(s.latencies.get(kind, ())):,}", f"{s.ms(kind, 0.5):.1f}",
            f"{p99:.1f}", f"p99 <= {GOAL_P99_MS:.0f} ms", verdict(p99 <= GOAL_P99_MS),
        ])  # fmt: skip
    errors = sum(result.errors.values())
    rows.append(["errors", f"{errors:,}", "", "", "0", verdict(errors == 0)])
    rows.append(["double bookings", result.double_bookings, "", "", "0",
                 verdict(result.double_bookings == 0)])  # fmt: skip
    print(table(rows))
    for what, n in result.errors.most_common(8):
        print(f"     {n:>5} x {what}")
    by_source = Counter[str]()
    for key, n in result.made.items():
        source, status = key.split(" ", 1)
        by_source[f"{status} ({source})"] += n
    made = ", ".join(f"{n:,} {what}" for what, n in sorted(by_source.items()))
    print(f"   bookings made: {result.confirmed:,} paid and confirmed; all new rows: {made}")
    extra = [f"{n:,} {what}" for what, n in s.counts.items() if "paid" not in what]
    if extra:
        print(f"   also: {', '.join(extra)}")
    print(
        f"   as people feel it: a tap answered in p50 {s.ms('tap', 0.5):.1f} / p99 "
        f"{s.ms('tap', 0.99):.1f} ms (the wait for the bot's next getUpdates, or for the "
        f"webhook's turn, included); Pay "
        f"p50 {s.ms('pay', 0.5):.1f} / p99 {s.ms('pay', 0.99):.1f} ms; the confirmation in "
        f"the chat p50 {s.ms('confirmation', 0.5) / 1000:.1f} / p99 "
        f"{s.ms('confirmation', 0.99) / 1000:.1f} s after Pay"
    )
    rates = ", ".join(
        f"{len(s.latencies.get(kind, ())) / result.elapsed_s:.1f} {label}/s"
        for kind, label in (
            ("bot", "bot replies"),
            ("api", "API answers"),
            ("webhook", "webhooks"),
        )
    )
    print(f"   load over {result.elapsed_s:.0f} s: {rates}")
    service = result.service_cpu_s / result.elapsed_s
    harness = result.harness_cpu_s / result.elapsed_s
    waited = result.service_waited_s / result.elapsed_s
    print(
        f"   CPU: the service {service:.0%} of a core (and {waited:.0%} of the time ready to "
        f"run but waiting for a core), this harness {harness:.0%}"
    )
    if harness > 0.85:
        print("   (the harness was nearly saturated: its own delays are in the figures)")
    print(f"   verdict: {'meets the goals' if result.passed() else 'MISSES the goals'}")


async def one_evening(users: int, options: Options) -> Evening:
    header(
        f"peak: a Saturday evening, {users} Telegram users and the website, "
        f"{options.seconds:.0f} s ({options.setup}, {options.bookings:,} bookings before)"
    )
    result = await evening(users, options)
    report(result)
    return result


async def run(backend: str, users: int = 100, seconds: float = 60.0) -> dict[str, Any]:
    """One evening as plain figures (for bench.run_all), printed as well."""
    result = await one_evening(users, Options(seconds=seconds, backend=backend))
    return result.figures()


async def find_capacity(options: Options, start: int, most: int) -> int:
    """The largest number of users that passed: doubling from `start`, then halving the
    gap between the last pass and the first miss down to a tenth (25 users at least)."""
    tried: dict[int, Evening] = {}

    async def passes(users: int) -> bool:
        print(f"\n-- {users} users")
        tried[users] = await evening(users, options)
        report(tried[users])
        return tried[users].passed()

    good, bad = 0, None
    users = start
    while users <= most and len(tried) < MAX_TRIES:
        if not await passes(users):
            bad = users
            break
        good, users = users, users * 2
    while bad is not None and bad - good > max(25, good // 10) and len(tried) < MAX_TRIES:
        middle = (good + bad) // 2
        if await passes(middle):
            good = middle
        else:
            bad = middle
    rows: list[list[object]] = [["users", "bot p99", "API p99", "webhook p99", "errors",
                                 "double", "confirmed", "harness CPU", ""]]  # fmt: skip
    for users, r in sorted(tried.items()):
        rows.append([
            users, *(f"{r.samples.ms(kind, 0.99):.0f} ms" for kind, _ in KINDS),
            sum(r.errors.values()), r.double_bookings, r.confirmed,
            f"{r.harness_cpu_s / r.elapsed_s:.0%}", "passes" if r.passed() else "breaks",
        ])  # fmt: skip
    print("\n== capacity search")
    print(table(rows))
    ceiling = "" if bad is not None else f" (no try broke up to {most})"
    print(
        f"   one process carries {good} such users at once with p99 <= {GOAL_P99_MS:.0f} ms "
        f"and no errors{ceiling}"
    )
    return good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_peak", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--bookings", type=int, default=10_000, help="bookings already there")
    parser.add_argument("--polls", type=float, default=50.0, help="availability requests/s")
    parser.add_argument("--web-bookings", type=float, default=30.0, help="a minute")
    parser.add_argument("--pause", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--processes", type=int, default=1, help="more: behind nginx")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="one process on SQLite, one on PostgreSQL, --processes (3) behind nginx",
    )
    parser.add_argument("--find-capacity", action="store_true")
    parser.add_argument("--max-users", type=int, default=3200)
    args = parser.parse_args(argv)
    options = Options(
        seconds=args.seconds,
        backend=args.backend,
        bookings=args.bookings,
        polls=args.polls,
        web_bookings=args.web_bookings,
        pause=(args.pause[0], args.pause[1]),
        seed=args.seed,
        processes=args.processes,
    )
    if args.compare:
        from bench.peak_compare import compare

        return 0 if asyncio.run(compare(args.users, options)) else 1
    if args.find_capacity:
        header(
            f"peak capacity: the users one process carries ({args.backend}, "
            f"{args.seconds:.0f} s a try)"
        )
        return 0 if asyncio.run(find_capacity(options, args.users, args.max_users)) else 1
    return 0 if asyncio.run(one_evening(args.users, options)).passed() else 1


if __name__ == "__main__":
    sys.exit(main())
