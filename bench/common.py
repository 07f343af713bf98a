"""What the benchmarks share: scratch databases, the service as a real process, a bare aiohttp
baseline server, one load generator for both, and a realistic booking data set.

The service under test always runs as its own process (`main.py run`), never in the process
that generates the load. `BENCH_APP_ROOT` points the benchmarks at another checkout of the
service (e.g. an experimental copy) while the data set and the load stay the same.

Also a small command line for the helper processes:
    python -m bench.common baseline --port 8090 --payload body.json
    python -m bench.common load http://127.0.0.1:8090/json --connections 16 --seconds 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import orjson
from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

REPO = Path(__file__).resolve().parent.parent
APP_ROOT = Path(os.environ.get("BENCH_APP_ROOT", str(REPO))).resolve()
STUDIO_FILE = REPO / "studio" / "example.json"
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
HOST = "127.0.0.1"
TZ = ZoneInfo("Europe/Moscow")
ADMIN_TOKEN = "bench-admin-token-0123456789"
BACKENDS = ("sqlite", "postgres")

# The data set: this many days from today on are filled first (inside the 90-day horizon),
# then days going back into the past until the wanted number of bookings is reached.
FUTURE_DAYS = 60
CLIENTS = 500


# --------------------------------------------------------------------------- small helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def machine() -> str:
    """One line about where the figures were measured."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS) and friends of a process, in kB, from /proc/<pid>/status."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key.startswith("Vm") or key.startswith("Rss"):
            number = rest.split()
            if number and number[0].isdigit():
                values[key] = int(number[0])
    return values


def mb(kilobytes: int) -> float:
    return kilobytes / 1024


def busy_note() -> str:
    """The 1-minute load average; above ~0.5 something else is using the cores."""
    load = os.getloadavg()[0]
    note = " (other processes are busy: req/s figures will be low and noisy)" if load > 1 else ""
    return f"{load:.2f}{note}"


def header(title: str) -> None:
    print(f"\n== {title}")
    print(f"   {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    print(f"   load average before: {busy_note()}")
    if APP_ROOT != REPO:
        print(f"   service code from BENCH_APP_ROOT={APP_ROOT}")


def table(rows: Sequence[Sequence[object]], indent: str = "   ", left: int = 1) -> str:
    """A plain text table: the first `left` columns left-aligned, the others right-aligned."""
    text = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in text) for i in range(len(text[0]))]
    lines = []
    for row in text:
        cells = [
            cell.ljust(widths[i]) if i < left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


# --------------------------------------------------------------------------- databases


@dataclass
class Database:
    backend: str
    url: str
    name: str
    tmpdir: Path | None = None

    async def drop(self) -> None:
        if self.backend == "postgres":
            await pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


async def pg_admin(sql: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def postgres_available() -> bool:
    try:
        await asyncio.wait_for(pg_admin("SELECT 1"), 10)
    except Exception:
        return False
    return True


async def create_database(backend: str, label: str, *, seed: bool = True) -> Database:
    """A scratch database with the schema and (by default) the example studio's halls."""
    from booking.studio_file import seed_if_empty
    from db.clock import system_clock
    from db.migrate import upgrade
    from db.session import create_engine, create_sessionmaker

    if backend == "sqlite":
        tmpdir = Path(tempfile.mkdtemp(prefix=f"bench_{label}_"))
        database = Database(backend, f"sqlite+aiosqlite:///{tmpdir / 'studio.db'}", "", tmpdir)
        database.name = str(tmpdir / "studio.db")
    elif backend == "postgres":
        name = f"bench_{label}_{os.getpid()}"
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await pg_admin(f'CREATE DATABASE "{name}"')
        database = Database(backend, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name)
    else:
        raise ValueError(f"unknown backend {backend!r}")
    if not seed:
        return database
    engine = create_engine(database.url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine, system_clock)() as session:
            await seed_if_empty(session, STUDIO_FILE, TZ)
    finally:
        await engine.dispose()
    return database


# --------------------------------------------------------------------------- the data set


@dataclass(frozen=True, slots=True)
class HallInfo:
    id: int
    min_minutes: int
    buffer_minutes: int
    hourly_price: int


@dataclass
class Studio:
    halls: list[HallInfo]
    hours: dict[int, tuple[int, int]]  # weekday -> local open, close minute
    # (hall id or None for the whole studio, start, end) of every closure, UTC
    closures: list[tuple[int | None, datetime, datetime]] = field(default_factory=list)

    def closed(self, hall_id: int, start: datetime, end: datetime) -> bool:
        """Whether a closure of the hall or of the studio overlaps [start, end)."""
        return any(
            hall in (None, hall_id) and begin < end and start < finish
            for hall, begin, finish in self.closures
        )


async def read_studio(url: str) -> Studio:
    from sqlalchemy import select

    from db.models import Closure, Hall, StudioHours
    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            halls = [
                HallInfo(row.id, row.min_minutes, row.buffer_minutes, row.hourly_price)
                for row in await conn.execute(select(Hall).order_by(Hall.id))
            ]
            hours = {
                row.weekday: (row.open_minute, row.close_minute)
                for row in await conn.execute(select(StudioHours))
            }
            closures = [
                (row.hall_id, as_utc(row.start_at), as_utc(row.end_at))
                for row in await conn.execute(select(Closure))
            ]
    finally:
        await engine.dispose()
    return Studio(halls, hours, closures)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# How many bookings a hall gets on one day (mean ~3) and how long they are.
PER_DAY_WEIGHTS = (0.04, 0.10, 0.20, 0.30, 0.22, 0.14)
LENGTHS = (60, 90, 120, 120, 180, 240)


@dataclass
class BookingSet:
    """Deterministic, non-overlapping bookings (buffers included) for every hall.

    `rows()` yields days from today for FUTURE_DAYS days, then yesterday, the day before and so
    on: any prefix is a realistic studio whose near future looks the same whatever the total,
    so a window's contents do not change with the number of bookings in the database.
    Statuses follow time: past bookings are mostly completed, future ones mostly confirmed,
    some pending (a live hold), cancelled and expired rows are mixed in.
    """

    studio: Studio
    now: datetime
    seed: int = 2026
    serial: int = 0
    last_day: date | None = None  # the day of the latest row handed out (maybe partial)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def days(self) -> Iterator[date]:
        today = self.now.astimezone(TZ).date()
        for offset in range(FUTURE_DAYS):
            yield today + timedelta(days=offset)
        offset = 1
        while True:
            yield today - timedelta(days=offset)
            offset += 1

    def rows(self) -> Iterator[dict[str, Any]]:
        for day in self.days():
            hours = self.studio.hours.get(day.weekday())
            if hours is None:
                continue
            for hall in self.studio.halls:
                for start, end in self._day_slots(day, hours, hall):
                    self.last_day = day
                    yield self._row(hall, start, end)

    def complete_from(self) -> date:
        """The earliest day whose bookings are all in the rows handed out so far: windows
        from there on (to FUTURE_DAYS ahead) look the same at every later size."""
        today = self.now.astimezone(TZ).date()
        if self.last_day is None or self.last_day >= today:
            return today
        return self.last_day + timedelta(days=1)

    def _day_slots(
        self, day: date, hours: tuple[int, int], hall: HallInfo
    ) -> list[tuple[datetime, datetime]]:
        rng = self._rng
        wanted = rng.choices(range(len(PER_DAY_WEIGHTS)), PER_DAY_WEIGHTS)[0]
        lengths = [max(hall.min_minutes, rng.choice(LENGTHS)) for _ in range(wanted)]
        span = hours[1] - hours[0]
        while lengths and sum(lengths) + hall.buffer_minutes * len(lengths) > span:
            lengths.pop()
        slack = (span - sum(lengths) - hall.buffer_minutes * len(lengths)) // 15
        cuts = sorted(rng.randint(0, slack) for _ in lengths)
        gaps = [b - a for a, b in zip([0, *cuts], cuts, strict=False)]
        midnight = datetime(day.year, day.month, day.day, tzinfo=TZ)
        cursor = hours[0]
        slots = []
        for gap, length in zip(gaps, lengths, strict=True):
            cursor += gap * 15
            start = midnight + timedelta(minutes=cursor)
            slots.append(
                (start.astimezone(UTC), (start + timedelta(minutes=length)).astimezone(UTC))
            )
            cursor += length + hall.buffer_minutes
        return slots

    def _row(self, hall: HallInfo, start: datetime, end: datetime) -> dict[str, Any]:
        rng = self._rng
        self.serial += 1
        now = self.now
        total = hall.hourly_price * int((end - start).total_seconds()) // 3600
        mode = "prepay" if rng.random() < 0.7 else "full"
        prepay = total // 2 if mode == "prepay" else total
        created = min(now, start - timedelta(hours=rng.randint(2, 24 * 30)))
        roll = rng.random()
        if end <= now:
            status = "completed" if roll < 0.88 else "cancelled" if roll < 0.96 else "expired"
        elif start <= now:
            status = "confirmed"
        else:
            status = (
                "confirmed"
                if roll < 0.83
                else "pending_payment"
                if roll < 0.88
                else "cancelled"
                if roll < 0.96
                else "expired"
            )
        if status == "pending_payment":
            created = now - timedelta(minutes=2)
        paid = {"completed": total, "confirmed": prepay}.get(status, 0)
        hold = {
            "pending_payment": now + timedelta(minutes=30),
            "expired": created + timedelta(minutes=15),
        }.get(status)
        return {
            "code": f"BN{self.serial:08d}",
            "hall_id": hall.id,
            "client_id": 1 + self.serial % CLIENTS,
            "start_at": start,
            "end_at": end,
            "blocked_until": end + timedelta(minutes=hall.buffer_minutes),
            "status": status,
            "payment_mode": mode,
            "total": total,
            "prepay_amount": prepay,
            "paid": paid,
            "refunded": 0,
            "source": rng.choice(("telegram", "telegram", "web", "admin")),
            "hold_expires_at": hold,
            "refund_tiers": "48:100,24:50,0:0",
            "access_token_hash": "0" * 64,
            "cancel_reason": "client" if status == "cancelled" else None,
            "created_at": created,
            "updated_at": created,
            "confirmed_at": created if status in ("confirmed", "completed") else None,
            "cancelled_at": created + timedelta(minutes=5) if status == "cancelled" else None,
        }


async def ensure_clients(url: str, count: int = CLIENTS) -> None:
    from sqlalchemy import func, insert, select

    from db.models import Client
    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            have = await conn.scalar(select(func.count()).select_from(Client))
            if have:
                return
            now = datetime.now(UTC)
            await conn.execute(
                insert(Client),
                [
                    {
                        "name": f"Клиент {i}",
                        "language": "ru",
                        "phone": f"+7999{i:07d}",
                        "email": f"client{i}@example.com",
                        "bot_blocked": False,
                        "created_at": now,
                    }
                    for i in range(1, count + 1)
                ],
            )
    finally:
        await engine.dispose()


async def insert_bookings(url: str, rows: Iterator[dict[str, Any]], count: int) -> float:
    """Bulk insert the next `count` rows of a BookingSet; returns the seconds it took.

    The database's own no-overlap guard (trigger or exclusion constraint) checks every row.
    """
    from sqlalchemy import insert

    from db.models import Booking
    from db.session import create_engine

    await ensure_clients(url)
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        left = count
        while left > 0:
            batch = [next(rows) for _ in range(min(left, 5000))]
            async with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    await _copy_bookings(conn, batch)
                else:
                    await conn.execute(insert(Booking), batch)
            left -= len(batch)
        async with engine.begin() as conn:  # fresh planner statistics, as autovacuum would
            if engine.dialect.name == "postgresql":
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def _copy_bookings(conn: Any, batch: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY through asyncpg: the exclusion constraint still checks each row."""
    raw = await conn.get_raw_connection()
    columns = list(batch[0])
    await raw.driver_connection.copy_records_to_table(
        "bookings", records=[tuple(row[c] for c in columns) for row in batch], columns=columns
    )


# --------------------------------------------------------------------------- processes


def service_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        HOST=HOST,
        PORT=str(port),
        PUBLIC_BASE_URL=f"http://{HOST}:{port}",
        ADMIN_API_TOKEN=ADMIN_TOKEN,
        PAYMENT_ENV="mock",
        BOT_TOKEN="",
        SMTP_HOST="",
        STUDIO_TIMEZONE="Europe/Moscow",
        STUDIO_FILE=str(STUDIO_FILE),
        HOLD_MINUTES="15",
        MIN_NOTICE_MINUTES="60",
        BOOKING_HORIZON_DAYS="90",
        # Every simulated client comes from this machine's one address: the per-address
        # limits (still checked on every hold) must not refuse them.
        MAX_ACTIVE_HOLDS="1000",
        BOOKING_RATE_PER_MINUTE="100000",
        PAYMENT_RATE_PER_MINUTE="100000",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO"),
    )
    env.update(extra)
    return env


class Process:
    """A child process we started, stopped by its own pid only."""

    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.popen = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_http(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"process exited with {self.popen.returncode}; see {self.log}")
            try:
                with urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (URLError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{url} not up after {timeout}s; see {self.log}")

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._log_file.close()

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_service(
    database_url: str,
    logdir: Path,
    *,
    port: int | None = None,
    log: str = "service.log",
    **env: str,
) -> tuple[Process, str]:
    """`main.py run` of APP_ROOT as its own process (on `port`, or a free one, logging to
    `logdir/log`); returns it and its base URL when ready."""
    port = port or free_port()
    process = Process(
        [sys.executable, "main.py", "run"],
        env=service_env(database_url, port, **env),
        cwd=APP_ROOT,
        log=logdir / log,
    )
    base = f"http://{HOST}:{port}"
    try:
        process.wait_http(f"{base}/health")
    except BaseException:
        process.stop()
        raise
    return process, base


def start_baseline(payload: bytes, logdir: Path) -> tuple[Process, str]:
    """The bare aiohttp server of this module, answering `payload` at /json."""
    port = free_port()
    body = logdir / f"baseline_{port}.json"
    body.write_bytes(payload)
    process = Process(
        [
            sys.executable,
            "-m",
            "bench.common",
            "baseline",
            "--port",
            str(port),
            "--payload",
            str(body),
        ],
        env=dict(os.environ),
        cwd=REPO,
        log=logdir / "baseline.log",
    )
    base = f"http://{HOST}:{port}"
    try:
        process.wait_http(f"{base}/health")
    except BaseException:
        process.stop()
        raise
    return process, f"{base}/json"


def serve_baseline(port: int, payload_path: Path) -> None:
    """A bare aiohttp JSON handler: what any aiohttp service pays per request, and no more.

    GET serialises the stored document (same serializer as the service, orjson); POST parses
    the JSON body first and answers 201, like a create.
    """
    document = orjson.loads(payload_path.read_bytes())

    async def get_json(_: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps(document), content_type="application/json")

    async def post_json(request: web.Request) -> web.Response:
        orjson.loads(await request.read())
        return web.Response(
            body=orjson.dumps(document), status=201, content_type="application/json"
        )

    async def health(_: web.Request) -> web.Response:
        return web.Response(body=b'{"status":"ok"}', content_type="application/json")

    app = web.Application()
    app.router.add_get("/json", get_json)
    app.router.add_post("/json", post_json)
    app.router.add_get("/health", health)
    web.run_app(app, host=HOST, port=port, access_log=None, print=None)


# --------------------------------------------------------------------------- load generator


@dataclass
class LoadResult:
    tool: str
    requests: int
    seconds: float
    non_2xx: int
    errors: int
    p50_ms: float
    p99_ms: float
    server_cpu_s: float = float("nan")  # CPU the server process spent during the run

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_s * 1000 / self.requests if self.requests else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return self.non_2xx == 0 and self.errors == 0


CONNECTIONS = 16
SECONDS = 5.0
WARMUP = 1.0


def measure(
    url: str,
    *,
    connections: int = CONNECTIONS,
    seconds: float = SECONDS,
    warmup: float = WARMUP,
    server_pid: int | None = None,
    paths: Sequence[str] = (),
) -> LoadResult:
    """Closed-loop GET load on `url`: wrk when installed, else the aiohttp generator below
    in its own process. The same generator measures the service and the baseline.

    With `paths`, `url` is the server's root and the requests go to the paths in turn.
    With `server_pid`, the server's own CPU time over the run is recorded too: CPU per request
    barely moves when other processes compete for the cores, requests per second do.
    """
    use_wrk = shutil.which("wrk") is not None and not os.environ.get("BENCH_PY_LOADGEN")
    runner = _wrk if use_wrk else _py_load
    with tempfile.TemporaryDirectory(prefix="bench_load_") as scratch:
        rotation = _rotation_file(Path(scratch), paths, use_wrk) if paths else None
        if warmup > 0:
            runner(url, connections, warmup, rotation)
        before = cpu_seconds(server_pid) if server_pid else 0.0
        result = runner(url, connections, seconds, rotation)
    if server_pid:
        result.server_cpu_s = cpu_seconds(server_pid) - before
    return result


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(found[1]) * _WRK_UNITS[found[2]] if found else float("nan")


def _rotation_file(scratch: Path, paths: Sequence[str], for_wrk: bool) -> Path:
    """The paths to take in turn: a wrk Lua script, or a JSON list for the Python generator."""
    if not for_wrk:
        target = scratch / "paths.json"
        target.write_bytes(orjson.dumps(list(paths)))
        return target
    quoted = ",\n".join(f'  "{path}"' for path in paths)
    target = scratch / "rotate.lua"
    target.write_text(
        f"local paths = {{\n{quoted}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        "  return wrk.format(nil, paths[i])\n"
        "end\n"
    )
    return target


def _wrk(url: str, connections: int, seconds: float, rotation: Path | None) -> LoadResult:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if rotation is not None:
        argv += ["-s", str(rotation)]
    out = subprocess.run(
        [*argv, "--timeout", "10s", url], capture_output=True, text=True, check=True
    ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    if done is None:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    duration = _wrk_ms(done[2] + done[3]) / 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    return LoadResult(
        tool="wrk",
        requests=int(done[1]),
        seconds=duration,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        errors=sum(int(x) for x in sock.groups()) if sock else 0,
        p50_ms=_wrk_ms(p50[1]) if p50 else float("nan"),
        p99_ms=_wrk_ms(p99[1]) if p99 else float("nan"),
    )


def _py_load(url: str, connections: int, seconds: float, rotation: Path | None) -> LoadResult:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.common",
            "load",
            url,
            "--connections",
            str(connections),
            "--seconds",
            str(seconds),
            *(["--paths", str(rotation)] if rotation is not None else []),
        ],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    data = orjson.loads(out)
    return LoadResult(tool="python-aiohttp", **data)


async def _py_load_main(
    url: str, connections: int, seconds: float, paths: Sequence[str] = ()
) -> dict[str, Any]:
    latencies: list[float] = []
    counts = {"non_2xx": 0, "errors": 0}
    urls = itertools.cycle([url.rstrip("/") + path for path in paths] or [url])
    connector = TCPConnector(limit=connections)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=10)) as http:
        stop_at = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                try:
                    async with http.get(next(urls)) as response:
                        await response.read()
                        if not 200 <= response.status < 400:
                            counts["non_2xx"] += 1
                except Exception:
                    counts["errors"] += 1
                latencies.append(time.perf_counter() - began)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "seconds": elapsed,
        "non_2xx": counts["non_2xx"],
        "errors": counts["errors"],
        "p50_ms": latencies[n // 2] * 1000 if n else float("nan"),
        "p99_ms": latencies[min(n - 1, n * 99 // 100)] * 1000 if n else float("nan"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.common")
    sub = parser.add_subparsers(dest="command", required=True)
    base = sub.add_parser("baseline", help="serve the bare aiohttp JSON baseline")
    base.add_argument("--port", type=int, required=True)
    base.add_argument("--payload", type=Path, required=True)
    load = sub.add_parser("load", help="closed-loop GET load, prints JSON")
    load.add_argument("url")
    load.add_argument("--connections", type=int, default=CONNECTIONS)
    load.add_argument("--seconds", type=float, default=SECONDS)
    load.add_argument("--paths", type=Path, help="JSON list of paths to request in turn")
    args = parser.parse_args(argv)
    if args.command == "baseline":
        serve_baseline(args.port, args.payload)
    else:
        paths = orjson.loads(args.paths.read_bytes()) if args.paths else ()
        result = asyncio.run(_py_load_main(args.url, args.connections, args.seconds, paths))
        sys.stdout.buffer.write(orjson.dumps(result))


if __name__ == "__main__":
    main()
