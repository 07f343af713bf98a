"""Telegram updates per second: 100 users each pressing through a booking, against an
aiogram bot with a trivial echo handler, both polling the same local fake Bot API server.

    python -m bench.bench_bot_flow [--backend sqlite|postgres] [--users 100] [--rounds 1]

With several rounds (each an echo run and a booking run, back to back) the median ratio is
the verdict: on a shared machine single rounds scatter by ±20 %.

The bots run as their own processes: the service is `main.py run` with BOT_TOKEN and
TELEGRAM_API_SERVER pointed at the fake (tests/fakes/telegram_api.py, rate limits off), the
baseline is `python -m bench.bench_bot_flow echo-bot` (one Dispatcher, one handler that
echoes a message, one that answers a callback). This process runs the fake and the users.

Each user acts closed-loop (the next tap waits for the bot's answer to the previous one):
/start, Book, a hall, (next month), a day, (a part of the day), a start, 1 h, prepay,
a gateway, skip the e-mail, share the phone -> the hold with its Pay link. The 100 users
take 100 different slots, so none loses a race. The echo users send as many messages.

Figures: updates a second and the ratio to the echo bot (goal: at least 0.4), the bot
process's CPU per update (steadier than wall time on a busy machine), the latency of a tap,
and the peak memory (VmHWM) of each bot process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    BACKENDS,
    HOST,
    REPO,
    TZ,
    Process,
    Studio,
    cpu_seconds,
    create_database,
    header,
    mb,
    proc_status,
    read_studio,
    service_env,
    table,
)
from i18n.formats import month_title
from tests.fakes.telegram_api import FakeTelegram, FakeUser

GOAL = 0.4
FIRST_USER = 7_000_000
TIMES = ("09:00", "10:15", "11:30", "12:45", "14:00", "15:15", "16:30", "17:45", "19:00", "20:15")


class SignalTelegram(FakeTelegram):
    """The fake, waking a chat's simulated user whenever the bot answers that chat, so a
    hundred users wait without polling the fake's state."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        for name in ("sendMessage", "editMessageText", "answerCallbackQuery"):
            _, handler = self._methods[name.lower()]
            self.add_method(name, self._signalling(handler))

    def _signalling(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        def call(params: dict[str, Any], files: dict[str, Any]) -> Any:
            result = handler(params, files)
            chat = params.get("chat_id")
            if chat is None:  # answerCallbackQuery: find the chat by the query
                query = self._callback_queries.get(str(params.get("callback_query_id")))
                chat = query.query["from"]["id"] if query else None
            if isinstance(chat, int):
                self.events[chat].set()
            return result

        return call

    async def until(self, chat: int, check: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            event = self.events[chat]
            event.clear()
            if check():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat}: no answer; last {self.last_message(chat)}")
            await asyncio.wait_for(event.wait(), remaining)


@dataclass
class Run:
    updates: int = 0
    latencies: list[float] = field(default_factory=list)

    async def act(self, action: Awaitable[Any], wait: Callable[[], Awaitable[None]]) -> None:
        began = time.perf_counter()
        await action
        self.updates += 1
        await wait()
        self.latencies.append(time.perf_counter() - began)


# --------------------------------------------------------------------------- the users


def buttons(tg: FakeTelegram, user: FakeUser) -> list[str]:
    picker = next((m for m in reversed(tg.messages(user.id)) if tg.buttons(m)), None)
    return [text for row in tg.buttons(picker) for text in row]


async def press(tg: SignalTelegram, run: Run, user: FakeUser, text: str) -> None:
    query: dict[str, Any] = {}

    async def tap() -> None:
        query.update(await user.press(text))

    await run.act(
        tap(), lambda: tg.until(user.id, lambda: tg.callback_answer(query["id"]) is not None)
    )


async def say(
    tg: SignalTelegram,
    run: Run,
    user: FakeUser,
    send: Awaitable[Any],
    reply: Callable[[str], bool],
) -> None:
    def answered() -> bool:
        last = tg.last_message(user.id)
        return last is not None and reply(str(last.get("text", "")))

    await run.act(send, lambda: tg.until(user.id, answered))


async def booking_user(
    tg: SignalTelegram, run: Run, user: FakeUser, day: date, start: str
) -> None:
    await say(tg, run, user, user.send_text("/start"), lambda text: text.startswith("Здравст"))
    await press(tg, run, user, "📅 Забронировать")
    await press(tg, run, user, next(b for b in buttons(tg, user) if b.startswith("Белый зал")))
    title = month_title(day.year, day.month, "ru")
    while title not in buttons(tg, user):
        await press(tg, run, user, "›")
    await press(tg, run, user, str(day.day))
    if start not in buttons(tg, user):
        tabs = [b for b in buttons(tg, user)[:3] if "(" in b and not b.startswith("•")]
        for tab in tabs:
            await press(tg, run, user, tab)
            if start in buttons(tg, user):
                break
    await press(tg, run, user, start)
    await press(tg, run, user, "1 ч")
    marked = [b for b in buttons(tg, user) if b.startswith("• ")]  # the people it covers
    if marked:
        await press(tg, run, user, marked[0])
    if "Далее ›" in buttons(tg, user):  # the add-ons: none taken
        await press(tg, run, user, "Далее ›")
    await press(tg, run, user, next(b for b in buttons(tg, user) if b.startswith("Предоплата")))
    await press(tg, run, user, "ЮKassa")
    if "✅ Принимаю правила" in buttons(tg, user):  # the studio's rules, once per client
        await press(tg, run, user, "✅ Принимаю правила")
    await press(tg, run, user, "Пропустить")
    phone = f"+7999{user.id % 10**7:07d}"
    await say(tg, run, user, user.send_contact(phone), lambda text: text.startswith("⏳"))


async def echo_user(tg: SignalTelegram, run: Run, user: FakeUser, messages: int) -> None:
    for n in range(messages):
        text = f"hello {n}"
        await say(tg, run, user, user.send_text(text), text.__eq__)


def booking_days(count: int, studio: Studio) -> list[date]:
    """Weekdays from the day after tomorrow on (inside notice and horizon), skipping the
    days a closure of the first hall (the one the users book) touches."""
    hall_id = studio.halls[0].id
    day = datetime.now(TZ).date() + timedelta(days=2)
    days: list[date] = []
    while len(days) < count:
        midnight = datetime(day.year, day.month, day.day, tzinfo=TZ)
        if day.weekday() < 5 and not studio.closed(hall_id, midnight, midnight + timedelta(1)):
            days.append(day)
        day += timedelta(days=1)
    return days


# --------------------------------------------------------------------------- phases


@dataclass
class Result:
    name: str
    users: int
    updates: int
    seconds: float
    cpu_s: float
    peak_kb: int
    latencies: list[float]
    harness_cpu_s: float = 0.0  # this process: the fake Bot API server and the users

    @property
    def ups(self) -> float:
        return self.updates / self.seconds

    def ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def wait_polling(tg: FakeTelegram, process: Process, before: int) -> None:
    while tg.polls_started <= before:
        if process.popen.poll() is not None:
            raise RuntimeError(f"bot process exited; see {process.log}")
        await asyncio.sleep(0.05)


async def measure(
    name: str, process: Process, users: Sequence[Callable[[Run], Awaitable[None]]]
) -> Result:
    """Warm up with a few users, then run all of them at once and time it."""
    warm = Run()
    await asyncio.gather(*(user(warm) for user in users[:3]))
    run = Run()
    cpu, own = cpu_seconds(process.pid), time.process_time()
    began = time.perf_counter()
    await asyncio.gather(*(user(run) for user in users[3:]))
    seconds = time.perf_counter() - began
    return Result(
        harness_cpu_s=time.process_time() - own,
        name=name,
        users=len(users) - 3,
        updates=run.updates,
        seconds=seconds,
        cpu_s=cpu_seconds(process.pid) - cpu,
        peak_kb=proc_status(process.pid).get("VmHWM", 0),
        latencies=run.latencies,
    )


async def echo_phase(tg: SignalTelegram, users: int, per_user: int, logdir: Path) -> Result:
    before = tg.polls_started
    argv = [sys.executable, "-m", "bench.bench_bot_flow", "echo-bot", tg.base_url, tg.token]
    process = Process(argv, env=dict(os.environ), cwd=REPO, log=logdir / "echo.log")
    try:
        await wait_polling(tg, process, before)
        people = [tg.user(FIRST_USER + 10_000 + n, f"E{n}") for n in range(users + 3)]
        jobs = [lambda run, u=u: echo_user(tg, run, u, per_user) for u in people]
        return await measure("echo bot", process, jobs)
    finally:
        await asyncio.to_thread(process.stop)


async def booking_phase(tg: SignalTelegram, users: int, backend: str, logdir: Path) -> Result:
    database = await create_database(backend, "botflow", seed=False)
    port = int(os.environ.get("BENCH_PORT", "0")) or _free_port()
    env = service_env(
        database.url,
        port,
        BOT_TOKEN=tg.token,
        TELEGRAM_API_SERVER=tg.base_url,
        BOT_MODE="polling",
        LOG_LEVEL="WARNING",
    )
    before = tg.polls_started
    argv = [sys.executable, "main.py", "run"]
    process = Process(argv, env=env, cwd=REPO, log=logdir / "service.log")
    try:
        await wait_polling(tg, process, before)
        studio = await read_studio(database.url)  # seeded by the service by now
        days = booking_days(-(-(users + 3) // len(TIMES)), studio)
        people = [tg.user(FIRST_USER + n, f"U{n}") for n in range(users + 3)]
        jobs = [
            lambda run, n=n, u=u: booking_user(
                tg, run, u, days[n // len(TIMES)], TIMES[n % len(TIMES)]
            )
            for n, u in enumerate(people)
        ]
        return await measure("booking flow", process, jobs)
    finally:
        await asyncio.to_thread(process.stop)
        await database.drop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def report(echo: Result, booking: Result) -> bool:
    ratio = booking.ups / echo.ups
    rows: list[list[object]] = [
        ["", "updates", "s", "updates/s", "bot CPU ms/upd", "harness CPU ms/upd", "p50 ms",
         "p95 ms", "bot peak MB"]
    ]  # fmt: skip
    for r in (echo, booking):
        rows.append([
            f"{r.name} ({r.users} users)", r.updates, f"{r.seconds:.2f}", f"{r.ups:.0f}",
            f"{r.cpu_s * 1000 / r.updates:.2f}", f"{r.harness_cpu_s * 1000 / r.updates:.2f}",
            f"{r.ms(0.5):.1f}", f"{r.ms(0.95):.1f}", f"{mb(r.peak_kb):.0f}",
        ])  # fmt: skip
    print(table(rows))
    cpu_ratio = (echo.cpu_s / echo.updates) / (booking.cpu_s / booking.updates)
    memory = booking.peak_kb / echo.peak_kb if echo.peak_kb else float("nan")
    ok = ratio >= GOAL
    verdict = "OK" if ok else "MISSED"
    print(f"   throughput ratio booking/echo: {ratio:.2f} (goal >= {GOAL}) {verdict}")
    print(f"   bot CPU per update, echo/booking: {cpu_ratio:.2f}")
    print(f"   peak memory (VmHWM) of the bot process, booking/echo: {memory:.2f}x")
    return ok


async def measure_both(users: int, backend: str, logdir: Path) -> tuple[Result, Result]:
    """The booking phase, then the echo phase with as many updates per user."""
    tg = SignalTelegram(rate_limits=False, strict_urls=False)
    async with tg:
        booking = await booking_phase(tg, users, backend, logdir)
        per_user = round(booking.updates / booking.users)
        echo = await echo_phase(tg, users, per_user, logdir)
    return echo, booking


async def run(backend: str, users: int = 100) -> dict[str, Any]:
    """One measurement as plain figures (for bench.run_all-style summaries)."""
    with tempfile.TemporaryDirectory(prefix="bench_bot_") as tmp:
        echo, booking = await measure_both(users, backend, Path(tmp))
    return {
        "ratio": booking.ups / echo.ups,
        "booking_ups": booking.ups,
        "echo_ups": echo.ups,
        "booking_cpu_ms": booking.cpu_s * 1000 / booking.updates,
        "echo_cpu_ms": echo.cpu_s * 1000 / echo.updates,
        "booking_peak_mb": mb(booking.peak_kb),
        "echo_peak_mb": mb(echo.peak_kb),
    }


async def run_bench(users: int, backend: str, rounds: int) -> int:
    header(f"bot flow: {users} users booking vs an echo bot ({backend})")
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench_bot_") as tmp:
        for round_no in range(rounds):
            echo, booking = await measure_both(users, backend, Path(tmp))
            if rounds > 1:
                print(f"   round {round_no + 1}")
            report(echo, booking)
            ratios.append(booking.ups / echo.ups)
            cpu_ratios.append((echo.cpu_s / echo.updates) / (booking.cpu_s / booking.updates))
    median = statistics.median(ratios)
    if rounds > 1:
        print(
            f"   {rounds} rounds: throughput ratio median {median:.2f} "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f}); CPU ratio median "
            f"{statistics.median(cpu_ratios):.2f}; goal >= {GOAL}: "
            + ("OK" if median >= GOAL else "MISSED")
        )
    return 0 if median >= GOAL else 1


# --------------------------------------------------------------------------- the echo bot


async def echo_bot(api: str, token: str) -> None:
    """The baseline: aiogram with one trivial handler per update type, polling `api`."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message

    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dp.callback_query()
    async def answer(callback: CallbackQuery) -> None:
        await callback.answer()

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    await dp.start_polling(bot, polling_timeout=25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_bot_flow")
    sub = parser.add_subparsers(dest="command")
    echo = sub.add_parser("echo-bot", help="run the baseline echo bot (used by the bench)")
    echo.add_argument("api")
    echo.add_argument("token")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "echo-bot":
        asyncio.run(echo_bot(args.api, args.token))
        return 0
    return asyncio.run(run_bench(args.users, args.backend, args.rounds))


if __name__ == "__main__":
    sys.exit(main())
