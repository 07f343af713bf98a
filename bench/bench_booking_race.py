"""Booking races through the real service: many clients press "book" at the same moment.

    python -m bench.bench_booking_race [--backend sqlite|postgres] [--rounds 3]

1. 50 concurrent `POST /api/bookings` for one slot: exactly one may win, the rest get 409.
2. 200 clients on 20 non-overlapping slots, each client picking one at random: exactly 20 win.

Every client has its own keep-alive connection, opened before the burst, and all requests are
released at once. The database holds 10,000 realistic bookings (`--bookings`); the race
slots lie on free days beyond them. After each burst the database is asked how many live
bookings the race slots hold. The same bursts against the bare aiohttp baseline (a POST that
parses the JSON body and answers 201 with a booking-sized JSON) give the machine's ceiling
for the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from aiohttp import ClientSession, ClientTimeout, TCPConnector

from bench.common import (
    BACKENDS,
    FUTURE_DAYS,
    TZ,
    BookingSet,
    create_database,
    header,
    insert_bookings,
    read_studio,
    start_baseline,
    start_service,
    table,
)

HALL_ID = 1
BACKGROUND = 10_000
ONE_SLOT_CLIENTS = 50
MANY_CLIENTS = 200
MANY_SLOTS = 20
# Local starts of the day's race slots: two hours each, buffers included they never touch,
# and they fit every weekday's opening hours (Sunday closes at 20:00).
SLOT_STARTS = ((10, 0), (12, 30), (15, 0), (17, 30))
SLOT_HOURS = 2


@dataclass
class Burst:
    """The outcome of one burst."""

    statuses: list[int]
    latencies: list[float]
    seconds: float
    error_codes: Counter[str] = field(default_factory=Counter)
    created: bytes = b""  # one 201 body, for the baseline to answer with

    @property
    def wins(self) -> int:
        return self.statuses.count(201)

    @property
    def conflicts(self) -> int:
        return self.statuses.count(409)

    @property
    def errors(self) -> int:
        return len(self.statuses) - self.wins - self.conflicts


def slot(day: date, index: int) -> tuple[datetime, datetime]:
    hour, minute = SLOT_STARTS[index]
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
    return start, start + timedelta(hours=SLOT_HOURS)


async def free_days(url: str, first: date, count: int) -> list[date]:
    """Days from `first` on with no closure over the race slots (the studio file has some)."""
    from sqlalchemy import select

    from db.models import Closure
    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            closures = [
                (row.start_at, row.end_at)
                for row in await conn.execute(select(Closure.start_at, Closure.end_at))
            ]
    finally:
        await engine.dispose()
    days: list[date] = []
    day = first
    while len(days) < count:
        lo, hi = slot(day, 0)[0], slot(day, len(SLOT_STARTS) - 1)[1]
        if not any(start < hi and lo < end for start, end in closures):
            days.append(day)
        day += timedelta(days=1)
    return days


async def live_on(url: str, slots: list[tuple[datetime, datetime]]) -> list[int]:
    """How many live bookings of the hall overlap each slot, as the database sees it."""
    from sqlalchemy import func, select

    from db.models import Booking
    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            counts = []
            for start, end in slots:
                counts.append(
                    int(
                        await conn.scalar(
                            select(func.count())
                            .select_from(Booking)
                            .where(
                                Booking.hall_id == HALL_ID,
                                Booking.status.in_(("pending_payment", "confirmed", "completed")),
                                Booking.start_at < end,
                                Booking.blocked_until > start,
                            )
                        )
                        or 0
                    )
                )
    finally:
        await engine.dispose()
    return counts


def body_for(client: int, start: datetime, end: datetime) -> bytes:
    return orjson.dumps(
        {
            "hall_id": HALL_ID,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "payment_mode": "prepay",
            "accept_rules": True,
            "client": {
                "name": f"Гонщик {client}",
                "phone": f"+7900{client:07d}",
                "email": f"racer{client}@example.com",
            },
        }
    )


async def burst(base: str, url: str, bodies: list[bytes]) -> Burst:
    """One connection per client, opened first; then every request is released at once."""
    timeout = ClientTimeout(total=120)
    sessions = [ClientSession(connector=TCPConnector(limit=1), timeout=timeout) for _ in bodies]
    go = asyncio.Event()
    error_codes: Counter[str] = Counter()
    created: list[bytes] = []

    async def warm(http: ClientSession) -> None:
        async with http.get(f"{base}/health") as response:
            await response.read()

    async def client(http: ClientSession, body: bytes) -> tuple[int, float]:
        await go.wait()
        began = time.perf_counter()
        try:
            async with http.post(
                url, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                payload = await response.read()
                status = response.status
        except Exception as exc:
            error_codes[type(exc).__name__] += 1
            return -1, time.perf_counter() - began
        if status == 201 and not created:
            created.append(payload)
        if status not in (201, 409):
            try:
                error_codes[str(orjson.loads(payload)["error"]["code"])] += 1
            except Exception:
                error_codes[f"http {status}"] += 1
        return status, time.perf_counter() - began

    try:
        await asyncio.gather(*(warm(http) for http in sessions))
        tasks = [
            asyncio.create_task(client(http, body))
            for http, body in zip(sessions, bodies, strict=True)
        ]
        await asyncio.sleep(0.05)  # every task is parked on the event
        started = time.perf_counter()
        go.set()
        results = await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
    finally:
        await asyncio.gather(*(http.close() for http in sessions))
    return Burst(
        statuses=[status for status, _ in results],
        latencies=[latency for _, latency in results],
        seconds=seconds,
        error_codes=error_codes,
        created=created[0] if created else b"",
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


@dataclass
class Scenario:
    name: str
    clients: int
    slots: int
    bursts: list[Burst] = field(default_factory=list)
    db_live: list[int] = field(default_factory=list)  # live bookings on the slots, per round
    baseline: list[Burst] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        statuses = [s for b in self.bursts for s in b.statuses]
        latencies = [x for b in self.bursts for x in b.latencies]
        seconds = sum(b.seconds for b in self.bursts)
        base_requests = sum(len(b.statuses) for b in self.baseline)
        base_seconds = sum(b.seconds for b in self.baseline)
        rps = len(statuses) / seconds
        base_rps = base_requests / base_seconds if base_seconds else float("nan")
        codes: Counter[str] = Counter()
        for b in self.bursts:
            codes.update(b.error_codes)
        return {
            "wins": [b.wins for b in self.bursts],
            "conflicts": sum(b.conflicts for b in self.bursts),
            "errors": sum(b.errors for b in self.bursts),
            "error_codes": dict(codes),
            "requests": len(statuses),
            "rps": rps,
            "wins_per_s": sum(b.wins for b in self.bursts) / seconds,
            "burst_s": [b.seconds for b in self.bursts],
            "p50_ms": percentile(latencies, 0.5),
            "max_ms": max(latencies) * 1000,
            "baseline_rps": base_rps,
            "ratio": rps / base_rps,
            "db_live": self.db_live,
            "correct": all(b.wins == self.slots for b in self.bursts)
            and all(n == self.slots for n in self.db_live),
        }


async def run(
    backend: str = "sqlite", *, rounds: int = 3, bookings: int = BACKGROUND, seed: int = 7
) -> dict[str, Any]:
    header(f"booking race, {backend}: POST /api/bookings bursts, {rounds} rounds each")
    rounds = max(1, min(rounds, 4))
    rng = random.Random(seed)
    logdir = Path(tempfile.mkdtemp(prefix="bench_race_logs_"))
    database = await create_database(backend, "race")
    one = Scenario(f"{ONE_SLOT_CLIENTS} clients on 1 slot", ONE_SLOT_CLIENTS, 1)
    many = Scenario(f"{MANY_CLIENTS} clients on {MANY_SLOTS} slots", MANY_CLIENTS, MANY_SLOTS)
    plans: list[tuple[Scenario, list[tuple[datetime, datetime]], list[bytes]]] = []
    try:
        studio = await read_studio(database.url)
        now = datetime.now(UTC)
        await insert_bookings(database.url, BookingSet(studio, now).rows(), bookings)
        today = now.astimezone(TZ).date()
        per_round = MANY_SLOTS // len(SLOT_STARTS)
        days = await free_days(
            database.url, today + timedelta(days=FUTURE_DAYS + 2), rounds * (1 + per_round)
        )
        client_no = 0
        for r in range(rounds):
            only = slot(days[r], 0)
            bodies = []
            for _ in range(ONE_SLOT_CLIENTS):
                client_no += 1
                bodies.append(body_for(client_no, *only))
            plans.append((one, [only], bodies))
        for r in range(rounds):
            own_days = days[rounds + r * per_round : rounds + (r + 1) * per_round]
            slots = [slot(day, i) for day in own_days for i in range(len(SLOT_STARTS))]
            picks = [rng.randrange(MANY_SLOTS) for _ in range(MANY_CLIENTS)]
            while len(set(picks)) < MANY_SLOTS:  # every slot wanted by someone
                picks = [rng.randrange(MANY_SLOTS) for _ in range(MANY_CLIENTS)]
            bodies = []
            for pick in picks:
                client_no += 1
                bodies.append(body_for(client_no, *slots[pick]))
            plans.append((many, slots, bodies))

        service, base = start_service(database.url, logdir)
        sample = b""
        with service:
            for scenario, slots, bodies in plans:
                result = await burst(base, f"{base}/api/bookings", bodies)
                scenario.bursts.append(result)
                scenario.db_live.append(sum(await live_on(database.url, slots)))
                sample = sample or result.created
        process, url = start_baseline(sample or b'{"id": 1}', logdir)
        with process:
            base_root = url.rsplit("/", 1)[0]
            for scenario, _, bodies in plans:
                scenario.baseline.append(await burst(base_root, url, bodies))
    finally:
        await database.drop()
        shutil.rmtree(logdir, ignore_errors=True)

    summary: dict[str, Any] = {"backend": backend}
    rows: list[list[object]] = [
        [
            "",
            "wins/round",
            "409",
            "errors",
            "req/s",
            "wins/s",
            "baseline req/s",
            "ratio",
            "p50 ms",
            "max ms",
        ]
    ]
    for scenario in (one, many):
        t = scenario.totals()
        summary[scenario.name] = t
        rows.append(
            [
                scenario.name,
                ",".join(str(w) for w in t["wins"]),
                t["conflicts"],
                t["errors"],
                f"{t['rps']:,.0f}",
                f"{t['wins_per_s']:,.1f}",
                f"{t['baseline_rps']:,.0f}",
                f"{t['ratio']:.2f}",
                f"{t['p50_ms']:.0f}",
                f"{t['max_ms']:.0f}",
            ]
        )
    print(
        f"   {bookings:,} bookings in the database; req/s = answered POSTs per second of "
        "burst; wins/s = bookings made per second"
    )
    print(table(rows))
    for scenario in (one, many):
        t = summary[scenario.name]
        verdict = "correct" if t["correct"] else "WRONG"
        codes = f"; error codes {t['error_codes']}" if t["error_codes"] else ""
        print(
            f"   {scenario.name}: database holds {t['db_live']} live bookings on the slots "
            f"per round (want {scenario.slots}): {verdict}{codes}"
        )
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_booking_race", description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per scenario (1-4)")
    parser.add_argument(
        "--bookings", type=int, default=BACKGROUND, help="bookings already in the database"
    )
    args = parser.parse_args(argv)
    asyncio.run(run(args.backend, rounds=args.rounds, bookings=args.bookings))


if __name__ == "__main__":
    main()
