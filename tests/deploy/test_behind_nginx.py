"""Three `main.py run` processes behind Debian's nginx with the deploy/ site, on one
PostgreSQL and Redis, as an operator deploys them (docs/DEPLOY.md).

The bot runs in webhook mode: the local Bot API server delivers its updates through nginx
(HTTPS, a certificate the test made). The T-Bank, Sber and ЮKassa fakes send their webhooks
through nginx too, each one twice at once, as gateways repeat them. 60 website clients and
40 Telegram users book and pay while one process is killed with SIGKILL and later started
again. Then every paid booking is confirmed exactly once, no two live bookings overlap, no
webhook is applied twice, each confirmation and reminder is sent once, Telegram never
answered 429, each reminder was queued once, and `main.py audit` passes.
"""

from __future__ import annotations

import asyncio
import random
import time as wall
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.clock import system_clock
from db.models import Booking, Client, Payment
from db.outbox import Event, Notification
from db.session import create_engine, create_sessionmaker
from notifications.delivery import LEASE, PER_RECIPIENT
from tests.bot.flows import choose_time, past_extras
from tests.deploy.nginx import Nginx
from tests.fakes.sber_api import FakeSber
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.telegram_api import FakeTelegram, FakeUser
from tests.fakes.yookassa_api import FakeYooKassa
from tests.integration.test_multiprocess_jobs import booking
from tests.payments.helpers import (
    SB_PASSWORD,
    SB_TOKEN,
    SB_USER,
    SECRET_KEY,
    SHOP_ID,
    TB_PASSWORD,
    TERMINAL,
    FakeTinkoffWithCheckOrder,
)
from tests.processes import Databases, ServiceProcess, run_main, service_env
from tests.support import free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

MSK = ZoneInfo("Europe/Moscow")
ADMIN_TOKEN = "multi-process-admin-token-0123456789"
SECRET = "nginx-webhook-secret"
GATEWAYS = ("yookassa", "tinkoff", "sberpay")
GATEWAY_BUTTONS = {"yookassa": "ЮKassa", "tinkoff": "Т-Банк", "sberpay": "SberPay"}
WEB_CLIENTS, WEB_SLOTS, BOT_USERS = 60, 50, 40
ADMIN_ID = 777_000_001
#: Due when the processes start: reminders of bookings made days ago, lapsed holds.
SEEDED_REMINDERS, SEEDED_HOLDS = 12, 12
#: A bot user waits at most this long for an answer: an update caught in the killed process
#: holds its user's Redis lock until the lock lapses (bot.isolation: seconds), and a busy
#: machine adds its own delays.
PRESS_TIMEOUT = 90.0
#: A button pressed with no answer within ANSWER_WAIT is pressed again, PRESS_TRIES times.
ANSWER_WAIT, PRESS_TRIES = 20.0, 5
#: Clients arrive over this many seconds, not all in the same instant.
ARRIVALS = 8.0
#: A message the killed process had sent but not recorded was accepted this close before the
#: kill (its answer and the commit that records it take milliseconds; a busy machine more).
IN_FLIGHT = 5.0


@dataclass
class Stage:
    """Everything the test runs, and what the clients managed."""

    nginx: Nginx
    tg: FakeTelegram
    yk: FakeYooKassa
    tb: FakeTinkoffWithCheckOrder
    sb: FakeSber
    smtp: FakeSmtpServer
    http: aiohttp.ClientSession
    sessionmaker: async_sessionmaker[AsyncSession]
    env: dict[str, str]
    processes: list[ServiceProcess]
    outcomes: Counter[str] = field(default_factory=Counter)
    killed_at: float = 0.0  # wall clock, as the fake's calls are timed
    killed_loop: float = 0.0  # the same moment on the event loop's clock

    def url(self, path: str) -> str:
        return self.nginx.base_url + path


def first_day() -> date:
    """Two days ahead in the studio's time: clear of the minimum notice, inside the horizon."""
    return (system_clock().astimezone(MSK) + timedelta(days=2)).date()


def web_slot(n: int) -> tuple[int, datetime]:
    """The nth website slot: the white hall and the loft, three two-hour sessions a day."""
    day = first_day() + timedelta(days=n // 6)
    hall, start = 1 + n % 2, (10, 13, 16)[(n // 2) % 3]
    return hall, datetime.combine(day, time(start), MSK)


def bot_slot(n: int) -> tuple[date, str]:
    """The nth bot slot in the dark hall (two hours and its half-hour buffer)."""
    return first_day() + timedelta(days=n // 4), ("10:00", "12:30", "15:00", "17:30")[n % 4]


async def seed_due_work(sessionmaker: async_sessionmaker[AsyncSession], tg: FakeTelegram) -> None:
    """Work the jobs find due as the processes start: bookings confirmed days ago that start
    in ten hours and more (their 24-hour reminders), and unpaid holds whose time ran out."""
    soon = (system_clock() + timedelta(hours=10)).replace(minute=0, second=0, microsecond=0)
    later = datetime.combine(first_day() + timedelta(days=15), time(10), MSK)
    base_id = random.randint(2 * 10**9, 3 * 10**9)
    async with sessionmaker() as session:
        for n in range(SEEDED_REMINDERS):
            client = Client(name=f"Постоянный {n}", telegram_id=base_id + n, language="ru")
            tg.user(base_id + n, f"Постоянный{n}")
            session.add(client)
            await session.flush()
            start = soon + timedelta(hours=3 * (n // 3))
            session.add(booking(client, n, "confirmed", start, None, total=0))
        holder = Client(name="Не оплатил", language="ru")
        session.add(holder)
        await session.flush()
        for n in range(SEEDED_HOLDS):
            start = later + timedelta(hours=3 * (n // 3))
            lapsed = system_clock() - timedelta(minutes=1)
            session.add(booking(holder, SEEDED_REMINDERS + n, "pending_payment", start, lapsed))
        await session.commit()


@pytest.fixture
async def stage(databases: Databases) -> AsyncIterator[Stage]:
    url = await databases.new()
    ports = [free_port() for _ in range(3)]
    nginx = await Nginx(free_port(), free_port(), ports).start()
    bot_id = random.randint(10**8, 10**9)  # its own keys in a Redis other tests share
    tg = FakeTelegram(f"{bot_id}:multi-process-test-token", webhook_ssl=nginx.client_ssl())
    tg.user(ADMIN_ID, "Администратор")
    engine = create_engine(url)
    async with (
        tg,
        FakeYooKassa(SHOP_ID, SECRET_KEY) as yk,
        FakeTinkoffWithCheckOrder(TERMINAL, TB_PASSWORD) as tb,
        FakeSber(SB_USER, SB_PASSWORD, SB_TOKEN) as sb,
        FakeSmtpServer() as smtp,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=nginx.client_ssl())) as http,
    ):
        env = service_env(
            url,
            LOG_LEVEL="WARNING",
            PUBLIC_BASE_URL=nginx.base_url,
            WEBHOOK_BASE_URL=nginx.base_url,
            BOT_TOKEN=tg.token,
            TELEGRAM_API_SERVER=tg.base_url,
            BOT_MODE="webhook",
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            REDIS_URL="redis://127.0.0.1:6379/0",
            ADMIN_API_TOKEN=ADMIN_TOKEN,
            PAYMENT_ENV="test",
            YOOKASSA_SHOP_ID=SHOP_ID,
            YOOKASSA_SECRET_KEY=SECRET_KEY,
            YOOKASSA_API_URL=yk.api_url,
            YOOKASSA_WEBHOOK_NETWORKS="127.0.0.1/32",
            TINKOFF_TERMINAL_KEY=TERMINAL,
            TINKOFF_PASSWORD=TB_PASSWORD,
            TINKOFF_API_URL=tb.api_url,
            SBER_USERNAME=SB_USER,
            SBER_PASSWORD=SB_PASSWORD,
            SBER_CALLBACK_TOKEN=SB_TOKEN,
            SBER_API_URL=sb.api_url,
            TRUSTED_PROXIES="127.0.0.1",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp.port),
            SMTP_FROM="studio@example.com",
            HOLD_DIGEST_MINUTES="0",
            ADMIN_IDS=str(ADMIN_ID),
            MAX_ACTIVE_HOLDS="1000",
            BOOKING_RATE_PER_MINUTE="100000",
            PAYMENT_RATE_PER_MINUTE="100000",
        )
        code, _, err = await run_main(env, "migrate")  # as docs/DEPLOY.md does it
        assert code == 0, err[-2000:]
        sessionmaker = create_sessionmaker(engine, system_clock)
        await seed_due_work(sessionmaker, tg)
        processes = [ServiceProcess(env, port) for port in ports]
        for process in processes:
            process.env["PUBLIC_BASE_URL"] = nginx.base_url
        await asyncio.gather(*(p.start() for p in processes))
        made = Stage(
            nginx, tg, yk, tb, sb, smtp, http, sessionmaker, env, processes,
        )  # fmt: skip
        try:
            yield made
        finally:
            for process in made.processes:
                if process.proc is not None and process.proc.returncode is None:
                    await process.stop()
            await engine.dispose()
            await nginx.stop()


async def call(
    stage: Stage, method: str, path: str, *, token: str | None = None, json: Any = None
) -> tuple[int, Any]:
    """One API call through nginx; a 502 (the process died under it) is tried again, as a
    browser's user would press again."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(10):
        async with stage.http.request(
            method, stage.url(path), json=json, headers=headers
        ) as response:
            body = await (
                response.json() if response.content_type == "application/json" else response.text()
            )
            if response.status not in (502, 503, 504):
                return response.status, body
        await asyncio.sleep(0.5)
    return response.status, body


async def gateway_id(stage: Stage, payment_id: int) -> str:
    async with stage.sessionmaker() as session:
        row = await session.get(Payment, payment_id)
        assert row is not None and row.gateway_payment_id is not None
        return row.gateway_payment_id


async def pay_and_notify(stage: Stage, gateway: str, payment_id: int) -> None:
    """The payer pays at the gateway; its webhook arrives twice at once through nginx, each
    delivery repeated until answered 200, as the gateways do."""
    gid = await gateway_id(stage, payment_id)
    hook = stage.url(f"/api/payments/webhook/{gateway}")
    ctx = stage.nginx.client_ssl()
    if gateway == "yookassa":
        stage.yk.pay(gid)
    elif gateway == "tinkoff":
        stage.tb.pay(gid)
    else:
        stage.sb.pay(gid)

    async def deliver() -> None:
        for _ in range(40):
            try:
                if gateway == "yookassa":
                    status, _ = await stage.yk.send_webhook(hook, gid, ssl=ctx)
                elif gateway == "tinkoff":
                    status, _ = await stage.tb.send_notification(hook, gid, ssl=ctx)
                else:
                    status, _ = await stage.sb.send_callback(hook, gid, "deposited", 1, ssl=ctx)
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            if status == 200:
                return
            await asyncio.sleep(0.5)
        raise AssertionError(f"{gateway} webhook for {gid} never accepted")

    await asyncio.gather(deliver(), deliver())


async def web_client(stage: Stage, n: int) -> None:
    await asyncio.sleep(ARRIVALS * n / WEB_CLIENTS)
    hall, start = web_slot(n % WEB_SLOTS)
    status, booking = await call(
        stage,
        "POST",
        "/api/bookings",
        json={
            "hall_id": hall,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "payment_mode": ("prepay", "full")[n % 2],
            "client": {"name": f"Клиент {n}", "phone": f"+7999{n:07d}", "email": f"c{n}@ex.ru"},
        },
    )
    if status == 409:
        stage.outcomes["web slot taken"] += 1
        return
    assert status == 201, booking
    gateway = GATEWAYS[n % 3]
    status, payment = await call(
        stage,
        "POST",
        "/api/payments",
        token=booking["access_token"],
        json={"booking_id": booking["id"], "gateway": gateway},
    )
    assert status == 201, payment
    await pay_and_notify(stage, gateway, payment["id"])
    stage.outcomes["web paid"] += 1


class Chat:
    """One Telegram user's side of the conversation, waiting for the bot's answers (the
    fake's shared call cursor is not for 40 users at once)."""

    def __init__(self, stage: Stage, user: FakeUser) -> None:
        self.tg, self.user = stage.tg, user

    async def press(self, _user: FakeUser, text: str) -> None:
        """Press and wait for the answer; press again, as a person does, when none comes
        (the update may have died with the killed process) and the chat did not change."""
        before = self.user.messages()
        for _ in range(PRESS_TRIES):
            query_id = str((await self.user.press(text))["id"])
            try:
                await self.tg.wait_until(partial(self.tg.callback_answer, query_id), ANSWER_WAIT)
                return
            except AssertionError:
                if self.user.messages() != before:
                    return  # handled; only its answer came too late
        raise AssertionError(f"no answer to {text!r} after {PRESS_TRIES} presses")

    async def send(self, text: str) -> None:
        seen = len(self.user.messages())
        await self.user.send_text(text)
        await self.tg.wait_until(lambda: len(self.user.messages()) > seen, PRESS_TIMEOUT)

    def button(self, prefix: str) -> str:
        for message in reversed(self.user.messages()):
            for row in self.user.buttons(message):
                for text in row:
                    if text.startswith(prefix):
                        return text
        raise AssertionError(f"no button {prefix!r}: {self.user.buttons()}")


async def bot_user(stage: Stage, n: int, base_id: int) -> None:
    await asyncio.sleep(ARRIVALS * n / BOT_USERS)
    user = stage.tg.user(base_id + n, f"Гость{n}")
    chat = Chat(stage, user)
    day, start = bot_slot(n)
    gateway = GATEWAYS[n % 3]
    await chat.send("/start")
    await chat.press(user, "📅 Забронировать")
    await chat.press(user, chat.button("Тёмный зал"))
    if day.month != system_clock().astimezone(MSK).month:
        await chat.press(user, "›")
    await chat.press(user, str(day.day))
    await choose_time(chat, user, start)  # type: ignore[arg-type]
    await chat.press(user, "2 ч")
    await past_extras(chat, user)  # type: ignore[arg-type]
    await chat.press(user, chat.button("Предоплата"))
    await chat.press(user, GATEWAY_BUTTONS[gateway])
    await chat.press(user, "Пропустить")
    await user.send_contact(f"+7988{n:07d}")
    await stage.tg.wait_until(
        lambda: any(str(m.get("text", "")).startswith("⏳") for m in user.messages()),
        PRESS_TIMEOUT,
    )
    async with stage.sessionmaker() as session:
        payment_id = await session.scalar(
            select(Payment.id)
            .join(Booking, Payment.booking_id == Booking.id)
            .join(Client, Booking.client_id == Client.id)
            .where(Client.telegram_id == user.id)
        )
    assert payment_id is not None
    await pay_and_notify(stage, gateway, payment_id)
    stage.outcomes["bot paid"] += 1


async def kill_and_restart(stage: Stage) -> None:
    """SIGKILL the second process in the middle of the load, start it again later."""
    await asyncio.sleep(ARRIVALS / 2)
    victim = stage.processes[1]
    stage.killed_at, stage.killed_loop = wall.time(), asyncio.get_running_loop().time()
    await victim.kill()
    await asyncio.sleep(6)
    again = ServiceProcess(stage.env, int(victim.base_url.rsplit(":", 1)[1]))
    again.env["PUBLIC_BASE_URL"] = stage.nginx.base_url
    stage.processes[1] = await again.start()


async def unsettled(stage: Stage) -> str:
    """What is still to happen: confirmed bookings not yet reminded, events not relayed,
    messages not sent; empty when nothing is."""
    async with stage.sessionmaker() as session:
        confirmed = set(
            (
                await session.scalars(
                    select(Booking.id).where(
                        Booking.status == "confirmed", Booking.code.startswith("MP")
                    )
                )
            ).all()
        )
        reminded = set(
            (
                await session.scalars(
                    select(Event.booking_id).where(Event.type == "booking.reminder")
                )
            ).all()
        )
        waiting = (
            await session.scalars(select(Event.type).where(Event.processed_at.is_(None)))
        ).all()
        unsent = (
            await session.execute(
                select(Notification.channel, Notification.status, Notification.attempts).where(
                    Notification.status.in_(("pending", "sending"))
                )
            )
        ).all()
    if not confirmed:
        return "no booking confirmed"
    if confirmed <= reminded and not waiting and not unsent:
        return ""
    return (
        f"not reminded: {len(confirmed - reminded)}, events waiting: {Counter(waiting)}, "
        f"messages waiting: {Counter(tuple(row) for row in unsent)}"
    )


async def test_three_processes_behind_nginx(stage: Stage) -> None:
    # nginx: plain HTTP only redirects; TLS and the upstream of three processes answer.
    async with stage.http.get(
        f"http://127.0.0.1:{stage.nginx.http_port}/api/halls", allow_redirects=False
    ) as response:
        assert response.status == 301
        assert response.headers["Location"].startswith("https://")
    assert (await call(stage, "GET", "/api/halls"))[0] == 200
    info = stage.tg.webhook_info()
    assert info["url"] == stage.url("/telegram/webhook")

    base_id = random.randint(10**9, 2 * 10**9)
    load = [web_client(stage, n) for n in range(WEB_CLIENTS)]
    load += [bot_user(stage, n, base_id) for n in range(BOT_USERS)]
    results = await asyncio.gather(*load, kill_and_restart(stage), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    # The clients caught in the killed process may give up; no more than a few.
    assert len(failures) <= 5, [str(f)[:300] for f in failures]
    assert stage.outcomes["web paid"] + stage.outcomes["web slot taken"] >= WEB_CLIENTS - 5
    assert stage.outcomes["web paid"] >= WEB_SLOTS - 5
    assert stage.outcomes["bot paid"] >= BOT_USERS - 5

    loop = asyncio.get_running_loop()
    # Reminders are queued once a minute; the messages the killed process had claimed go
    # once their lease runs out, and its recipients' next messages after them (a recipient
    # being sent to is claimed by nobody else): the admin's notices wait that long.
    # A reminder can wait two of the job's one-minute rounds when a round is still busy.
    deadline = max(loop.time() + 150, stage.killed_loop + LEASE.total_seconds() + 40)
    while left := await unsettled(stage):
        assert loop.time() < deadline, left
        await asyncio.sleep(1)

    async with stage.sessionmaker() as session:
        bookings = (await session.scalars(select(Booking))).all()
        payments = (await session.scalars(select(Payment))).all()
        events = (await session.scalars(select(Event))).all()
        notes = (await session.scalars(select(Notification))).all()

    # Every paid booking confirmed exactly once; no webhook applied twice. (Checked: with the
    # report's row locks gone, booking.payment_reports taking neither the booking's nor the
    # payment's, the two deliveries of a webhook both apply it and the first line below
    # fails, "assert 2 == 1". The payment's lock alone gone changes nothing: the booking's,
    # taken first, still puts the two deliveries one after the other.)
    per_booking = Counter((e.booking_id, e.type) for e in events)
    per_payment = Counter(e.payment_id for e in events if e.type == "payment.succeeded")
    paid = [p for p in payments if p.status == "succeeded"]
    assert len(paid) == stage.outcomes["web paid"] + stage.outcomes["bot paid"]
    by_id = {b.id: b for b in bookings}
    for payment in paid:
        assert per_payment[payment.id] == 1, payment.id
        booking = by_id[payment.booking_id]
        assert booking.status == "confirmed"
        assert booking.paid == payment.amount, booking.code
        assert per_booking[(booking.id, "booking.confirmed")] == 1, booking.code
        assert per_booking[(booking.id, "booking.reminder")] == 0, booking.code  # days ahead
    # The jobs acted once per due item, whichever process ran them.
    seeded_rows = [b for b in bookings if b.code.startswith("MP")]
    assert Counter(b.status for b in seeded_rows) == {
        "confirmed": SEEDED_REMINDERS,
        "expired": SEEDED_HOLDS,
    }
    for booking in seeded_rows:
        kind = "booking.reminder" if booking.status == "confirmed" else "booking.expired"
        assert per_booking[(booking.id, kind)] == 1, booking.code
    # No two live bookings of a hall overlap, their buffers included.
    live = sorted(
        (b for b in bookings if b.status in ("pending_payment", "confirmed")),
        key=lambda b: (b.hall_id, b.start_at),
    )
    for before, after in zip(live, live[1:], strict=False):
        if before.hall_id == after.hall_id:
            assert before.blocked_until <= after.start_at, (before.code, after.code)

    # Each confirmation and reminder sent once: every message was sent, and each reached its
    # chat or mailbox once.
    assert {n.status for n in notes} == {"sent"}
    assert Counter(n.dedupe_key for n in notes).most_common(1)[0][1] == 1
    kinds = Counter((n.booking_id, n.channel, n.extra.get("kind")) for n in notes)
    assert all(count == 1 for count in kinds.values()), kinds.most_common(3)
    telegram = [n for n in notes if n.channel == "telegram"]
    # The admin heard of every paid booking, in notices joined a few to a message.
    notices = [n for n in telegram if n.recipient == str(ADMIN_ID)]
    assert len(notices) == len(paid)
    admin_messages = stage.tg.stats.sends_per_chat[ADMIN_ID]
    assert admin_messages < len(notices) / 2, (admin_messages, len(notices))
    reminders = [n for n in telegram if n.extra.get("kind") == "reminder"]
    assert len(reminders) == SEEDED_REMINDERS
    confirmations = [n for n in telegram if n.extra.get("kind") == "confirmed"]
    assert len(confirmations) == stage.outcomes["bot paid"]
    # A message the killed process had sent but not yet recorded goes again once its lease
    # runs out (at least once, docs/OPERATIONS.md "Stopping"): Telegram's sendMessage and
    # SMTP take no idempotency key, so a send accepted in the moment before the SIGKILL
    # cannot be told from one that never left. Only such a message may arrive twice: claimed
    # twice, its first copy accepted just before the kill, its second after. Every other
    # message reached its chat exactly once.
    resent = 0
    for note in telegram:
        first_line = note.text.splitlines()[0]
        copies = [
            c
            for c in stage.tg.calls()
            if c.ok
            and c.method in ("sendMessage", "sendDocument")
            and str(c.params.get("chat_id")) == note.recipient
            and first_line in str(c.params.get("text") or c.params.get("caption") or "")
        ]
        if note.attempts > 1 and len(copies) == 2:
            first, second = sorted(c.time for c in copies)
            in_flight = stage.killed_at - IN_FLIGHT <= first <= stage.killed_at + 0.5
            assert in_flight and second > stage.killed_at, (note.id, first, second)
            resent += 1
            continue
        assert len(copies) == 1, (note.id, note.extra.get("kind"), note.attempts, len(copies))
    mails: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for mail in stage.smtp.messages:
        key = (tuple(mail.rcpt_tos), mail.message["Subject"])
        mails.setdefault(key, []).append(mail.message["Message-ID"])
    emails = [n for n in notes if n.channel == "email"]
    assert emails
    for note in emails:
        received = mails.get(((note.recipient,), note.subject), [])
        if note.attempts > 1 and len(received) == 2:
            # Sent again under the same Message-ID: the mailbox shows one message.
            assert received[0] == received[1], (note.id, received)
            resent += 1
            continue
        assert len(received) == 1, (note.id, note.subject, note.attempts, received)
    assert resent <= PER_RECIPIENT * 2, resent  # what one process can have in flight
    # The money audit of the whole day holds.
    code, out, err = await run_main(stage.env, "audit")
    assert code == 0, out + err[-2000:]

    # Telegram never had to slow the bot down: the handlers' replies and the deliveries of
    # every process take their turns per chat from one budget in Redis (bot.pacing).
    limited = [
        (c.method, c.params.get("chat_id"), c.via) for c in stage.tg.calls() if c.status == 429
    ]
    assert limited == [], limited
