"""A burst of reminders through the real delivery path, against Telegram's limits.

    python -m bench.bench_reminders [--backend sqlite|postgres] [--users 1000]

1,000 clients, each with a confirmed booking starting within the next 24 hours, all booked
two days ago. The reminder job queues one REMINDER_DUE per booking, the outbox relay turns
them into 1,000 Telegram notifications, and the delivery loop sends them with
`TelegramChannel` and the real aiogram `Bot` over HTTP to the fake Bot API server
(tests/fakes/telegram_api.py) with its limits on: 30 messages in any second overall, one a
second per private chat (burst 3), 429 with retry_after beyond that.

Goal: at least 27 messages a second, no 429, no chat over one a second, none lost or doubled.
The delivery loop is what the `deliver_notifications` job runs, called back to back until
nothing is due (a drain), so the job's 2-second tick does not cap the rate.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.common import BACKENDS, STUDIO_FILE, create_database, header, table
from booking.deps import BookingDeps
from booking.events import EventType
from db.clock import system_clock
from db.models import Booking, Client, Hall
from db.outbox import Event, Notification
from db.session import create_engine, create_sessionmaker
from jobs.outbox import relay_events
from jobs.reminders import run_reminders
from notifications.channels import Channels
from notifications.delivery import deliver_due
from notifications.telegram import TelegramChannel
from service import booking_rules
from settings import Settings
from tests.fakes.telegram_api import FakeTelegram

GOAL_RATE = 27.0
FIRST_CHAT = 5_000_000
BENCH_HALLS = 50


async def populate(url: str, users: int, now: datetime) -> None:
    """Halls, clients with Telegram ids, and a confirmed 1-hour booking each, 3-23 h ahead."""
    engine = create_engine(url)
    booked = now - timedelta(days=2)
    per_hall = -(-users // BENCH_HALLS)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(Hall),
                [
                    {
                        "slug": f"bench-{n}",
                        "name": f"Зал {n}",
                        "hourly_price": 200_000,
                        "min_minutes": 60,
                        "buffer_minutes": 0,
                        "price_bands": [],
                        "active": True,
                        "sort_order": 100 + n,
                        "created_at": booked,
                    }
                    for n in range(BENCH_HALLS)
                ],
            )
            hall_ids = list(
                await conn.scalars(
                    select(Hall.id).where(Hall.slug.like("bench-%")).order_by(Hall.id)
                )
            )
            await conn.execute(
                insert(Client),
                [
                    {
                        "telegram_id": FIRST_CHAT + n,
                        "name": f"Клиент {n}",
                        "language": "ru",
                        "bot_blocked": False,
                        "created_at": booked,
                    }
                    for n in range(users)
                ],
            )
            client_ids = list(await conn.scalars(select(Client.id).order_by(Client.id)))
            first_start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
            rows = []
            for n, client_id in enumerate(client_ids):
                start = first_start + timedelta(hours=n // BENCH_HALLS)
                assert n // BENCH_HALLS < per_hall <= 20, "keep every start within 24 h"
                rows.append(
                    {
                        "code": f"RM{n:08d}",
                        "hall_id": hall_ids[n % BENCH_HALLS],
                        "client_id": client_id,
                        "start_at": start,
                        "end_at": start + timedelta(hours=1),
                        "blocked_until": start + timedelta(hours=1),
                        "status": "confirmed",
                        "payment_mode": "full",
                        "total": 200_000,
                        "prepay_amount": 200_000,
                        "paid": 200_000,
                        "refunded": 0,
                        "source": "telegram",
                        "refund_tiers": "48:100,24:50,0:0",
                        "access_token_hash": "0" * 64,
                        "created_at": booked,
                        "updated_at": booked,
                        "confirmed_at": booked,
                    }
                )
            await conn.execute(insert(Booking), rows)
    finally:
        await engine.dispose()


async def run(backend: str, users: int) -> bool:
    database = await create_database(backend, "reminders")
    settings = Settings(database_url=database.url, studio_file=STUDIO_FILE)
    engine = create_engine(database.url)
    sessionmaker = create_sessionmaker(engine, system_clock)
    deps = BookingDeps(
        rules=booking_rules(settings),
        providers={},
        base_url="http://127.0.0.1",
        clock=system_clock,
    )
    channels = Channels(telegram=True, studio_address="Москва, ул. Примерная, 1")
    try:
        await populate(database.url, users, deps.now())
        async with FakeTelegram() as tg:  # Telegram's limits on: 30/s overall, 1/s per chat
            for n in range(users):
                tg.user(FIRST_CHAT + n, first_name=f"Клиент {n}")
            bot = tg.make_bot()
            channel = TelegramChannel(bot, sessionmaker)
            try:
                phases = await _pipeline(sessionmaker, deps, channels, channel)
            finally:
                await bot.session.close()
            return await _report(backend, users, tg, sessionmaker, phases, channel)
    finally:
        await engine.dispose()
        await database.drop()


async def _pipeline(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    channel: TelegramChannel,
) -> dict[str, float]:
    phases: dict[str, float] = {}
    started = time.perf_counter()
    queued = await run_reminders(sessionmaker, deps, [24, 2])
    phases["reminder job"] = time.perf_counter() - started
    phases["queued"] = float(queued)
    started = time.perf_counter()
    while await relay_events(sessionmaker, deps, channels):
        pass
    phases["outbox relay"] = time.perf_counter() - started
    started = time.perf_counter()
    senders = {"telegram": channel}
    while await _due(sessionmaker):
        await deliver_due(sessionmaker, deps, senders)
    phases["delivery"] = time.perf_counter() - started
    return phases


async def _due(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).where(Notification.status.in_(("pending", "sending")))
        return int(await session.scalar(stmt) or 0)


async def _report(
    backend: str,
    users: int,
    tg: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    phases: dict[str, float],
    channel: TelegramChannel,
) -> bool:
    sends = [c for c in tg.calls("sendMessage") if c.ok]
    times = sorted(c.monotonic for c in sends)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    per_chat = Counter(c.params["chat_id"] for c in sends)
    lost = sum(1 for n in range(users) if per_chat[FIRST_CHAT + n] == 0)
    doubled = sum(1 for count in per_chat.values() if count > 1)
    stats = tg.stats
    async with sessionmaker() as session:
        statuses = dict(
            (
                await session.execute(
                    select(Notification.status, func.count()).group_by(Notification.status)
                )
            ).all()
        )
        events = await session.scalar(
            select(func.count()).where(Event.type == EventType.REMINDER_DUE)
        )
    header(f"Reminder burst: {users} reminders to {users} Telegram users ({backend})")
    print(
        table(
            [
                ("phase", "seconds"),
                ("reminder job (Reminder rows + events)", f"{phases['reminder job']:.2f}"),
                ("outbox relay (events -> notifications)", f"{phases['outbox relay']:.2f}"),
                ("delivery (TelegramChannel -> Bot API)", f"{phases['delivery']:.2f}"),
            ]
        )
    )
    print()
    met = {
        "rate": rate >= GOAL_RATE,
        "429": stats.rate_limited == 0,
        "per chat": stats.max_per_chat_per_second <= 1,
        "lost": lost == 0 and events == users,
        "doubled": doubled == 0,
    }
    print(
        table(
            [
                ("figure", "value", "goal", ""),
                ("reminders queued / events", f"{phases['queued']:.0f} / {events}", users, ""),
                ("messages accepted by the Bot API", len(sends), users, ""),
                (
                    "achieved rate, messages/s",
                    f"{rate:.1f}",
                    f">= {GOAL_RATE:.0f}",
                    _ok(met["rate"]),
                ),
                (
                    "delivery phase rate, messages/s",
                    f"{len(sends) / phases['delivery']:.1f}",
                    "",
                    "",
                ),
                ("max sent in any 1 s window", stats.max_overall_per_second, "<= 30", ""),
                ("429 answers", stats.rate_limited, 0, _ok(met["429"])),
                (
                    "max per chat in any 1 s window",
                    stats.max_per_chat_per_second,
                    "<= 1",
                    _ok(met["per chat"]),
                ),
                ("users without their reminder (lost)", lost, 0, _ok(met["lost"])),
                ("users with it twice (doubled)", doubled, 0, _ok(met["doubled"])),
                (
                    "notification rows",
                    ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
                    "",
                    "",
                ),
            ]
        )
    )
    pacer = channel.pacer
    print(
        f"\n   pacer: {pacer.rate:.0f}/s overall, one per chat every {pacer.chat_interval:.2f} s,"
        f" at most {channel.concurrency} sends in flight"
    )
    return all(met.values())


def _ok(flag: bool) -> str:
    return "ok" if flag else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_reminders", description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 1000:
        parser.error("--users must be 1..1000 (every booking must start within 24 h)")
    logging.basicConfig(level=logging.ERROR)
    ok = asyncio.run(run(args.backend, args.users))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
