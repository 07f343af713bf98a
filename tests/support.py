"""What the tests share: a controllable clock, free ports, a small client for the JSON API,
the running app's handles, the test Redis, bookings made through the real use cases, and
waiting on database state without blind sleeps.

Fixtures live in the conftest files; everything a test module imports lives here (or, for one
directory's own steps, in tests/bot/flows.py and tests/payments/helpers.py)."""

from __future__ import annotations

import asyncio
import atexit
import functools
import hashlib
import hmac
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession, web
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.cash import confirm_by_hand
from booking.deps import BookingDeps, ReceiptRules
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.paying import start_payment
from booking.payment_reports import apply_payment_report
from booking.studio_file import read_studio_file, studio_info
from db.models import Base, Booking, Client, Payment, Refund
from db.outbox import Event, Notification
from jobs.scheduler import JobContext
from payments.base import PaymentProvider, PaymentState, PaymentStatus
from service import booking_rules
from settings import ROOT, HoldSettings, Settings
from tests.pg_ready import pg_url

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ADMIN_TOKEN = "test-admin-token-123"
#: Where the PostgreSQL pass creates its databases (TEST_PG_URL).
PG_ADMIN_URL = pg_url()
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)

#: The limits against floods as the studio ships them; most tests act as many clients from
#: one address and one phone and run with them raised (tests/conftest.py `settings`).
SHIPPED_LIMITS = {
    name: field.default
    for name, field in HoldSettings.model_fields.items()
    if name
    in (
        "max_active_holds",
        "booking_rate_per_minute",
        "payment_rate_per_minute",
        "quote_rate_per_minute",
    )
}  # Tuesday 09:00 in Moscow
MSK = ZoneInfo("Europe/Moscow")
T = TypeVar("T")


EXAMPLE_STUDIO = ROOT / "studio" / "example.json"


@functools.cache
def studio_without_rules() -> Path:
    """The example studio with its rules left out, which most tests book in: with rules a
    booking needs `accept_rules`, which the tests of the rules send (tests/api/test_selling.py).
    Its photos are the example's."""
    folder = Path(tempfile.mkdtemp(prefix="studio-"))
    atexit.register(shutil.rmtree, folder, True)
    data = json.loads(EXAMPLE_STUDIO.read_text(encoding="utf-8"))
    del data["rules"]
    path = folder / "studio.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (folder / "photos").symlink_to(EXAMPLE_STUDIO.parent / "photos")
    return path


class FakeClock:
    """The service's clock in tests: it moves only when a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moscow(day: int, hour: int, minute: int = 0, month: int = 12) -> str:
    """An ISO time in the studio's zone, as the website sends it."""
    return f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+03:00"


@dataclass
class Api:
    """Calls the running app over real HTTP."""

    http: ClientSession
    base_url: str
    admin_token: str

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(
            method, self.url(path), json=json, data=data, headers=all_headers
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def admin(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.call(method, path, token=self.admin_token, **kw)

    async def book(
        self,
        day: int = 3,
        hour: int = 12,
        hours: float = 2,
        hall_id: int = 1,
        mode: str = "prepay",
        minute: int = 0,
        email: str | None = "client@example.com",
        start: datetime | None = None,
        guests: int | None = None,
        promo_code: str | None = None,
    ) -> tuple[int, Any]:
        """A booking from `day` days after the tests' first day at `hour`:`minute` in Moscow,
        or from `start` when given (a test on a clock of its own); `guests` unless None (the
        number the hall's price covers); `promo_code` when given."""
        if start is None:
            start = datetime.fromisoformat(moscow(day, hour, minute))
        end = start + timedelta(hours=hours)
        client: dict[str, Any] = {"name": "Анна", "phone": "+7 999 123-45-67"}
        if email:
            client["email"] = email
        return await self.call(
            "POST",
            "/api/bookings",
            json={
                "hall_id": hall_id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "payment_mode": mode,
                "client": client,
            }
            | ({"guests": guests} if guests is not None else {})
            | ({"promo_code": promo_code} if promo_code else {}),
        )

    async def booked(self, **kw: Any) -> dict[str, Any]:
        status, body = await self.book(**kw)
        assert status == 201, body
        return dict(body)

    async def start_payment(
        self, booking: dict[str, Any], gateway: str = "mock"
    ) -> dict[str, Any]:
        status, body = await self.call(
            "POST",
            "/api/payments",
            json={"booking_id": booking["id"], "gateway": gateway},
            token=booking["access_token"],
        )
        assert status == 201, body
        return dict(body)

    async def checkout(self, payment: dict[str, Any], outcome: str, repeat: int = 1) -> Any:
        async with self.http.post(
            payment["confirmation_url"],
            data={"outcome": outcome, "repeat": str(repeat)},
            headers={"Accept": "application/json"},
        ) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def booking(self, booking: dict[str, Any]) -> dict[str, Any]:
        status, body = await self.call(
            "GET", f"/api/bookings/{booking['id']}", token=booking["access_token"]
        )
        assert status == 200, body
        return dict(body)

    async def cancel(self, booking: dict[str, Any]) -> dict[str, Any]:
        """The owner cancels; returns the cancelled booking with its `refund`."""
        status, body = await self.call(
            "DELETE", f"/api/bookings/{booking['id']}", token=booking["access_token"]
        )
        assert status == 200, body
        return dict(body)

    async def paid_twice(self, booking: dict[str, Any]) -> None:
        """Paid through two gateways at once (both opened before either was paid)."""
        one = await self.start_payment(booking, "yookassa")
        two = await self.start_payment(booking, "tinkoff")
        await self.checkout(one, "succeeded")
        await self.checkout(two, "succeeded")


def wired_deps(
    settings: Settings, providers: dict[str, PaymentProvider], clock: Any
) -> BookingDeps:
    """BookingDeps as main.py wires them, with a test's clock."""
    return BookingDeps(
        rules=booking_rules(settings),
        providers=providers,
        base_url=settings.server.base_url(),
        clock=clock,
        receipts=ReceiptRules(
            settings.payments.receipt_tax_system, settings.payments.receipt_vat_code
        ),
        return_url=settings.payments.payment_return_url,
        studio_phone=studio_info(read_studio_file(settings.studio.studio_file)).phone,
    )


def signed_init_data(token: str, user: dict[str, Any], auth_date: datetime) -> str:
    """A Mini App's initData as Telegram signs it for the bot with `token`
    (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app)."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(auth_date.timestamp())),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


async def table_counts(sessionmaker: Any) -> dict[str, int]:
    """Row counts of the tables a request could change: 'changes nothing' checks use it."""
    counts = {}
    async with sessionmaker() as session:
        for model in (Booking, Client, Payment, Refund, Event, Notification):
            counts[model.__tablename__] = int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts


@dataclass
class Running:
    """The `running` fixture: the real app on a real port, and what a test reaches through."""

    app: web.Application
    api: Api
    deps: BookingDeps
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: FakeClock
    jobs: JobContext


async def reachable_redis() -> Redis:
    """A client of the test Redis. A real server is required (CI starts one): a missing
    one fails the test, never skips it."""
    client = Redis.from_url(REDIS_URL)
    try:
        assert await client.ping() is True  # type: ignore[misc]  # redis types both modes
    except (RedisConnectionError, OSError) as exc:
        await client.aclose()
        pytest.fail(f"no Redis at {REDIS_URL}: {exc}")
    return client


def msk(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


async def make_booking(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    *,
    start: datetime,
    hours: float = 2,
    hall_id: int = 1,
    paid: str | None = "cash",
    telegram_id: int | None = None,
    name: str = "Анна",
    language: str = "ru",
    email: str | None = None,
    mode: PaymentMode = PaymentMode.PREPAY,
    guests: int | None = None,
) -> Booking:
    """A booking held now; `paid` "cash" (by hand), "mock" (the gateway) or None (a hold);
    `guests` as the client chose them (None: the number the hall's price covers)."""
    request = HoldRequest(
        hall_id=hall_id,
        start=start,
        end=start + timedelta(hours=hours),
        payment_mode=mode,
        client=ClientInfo(
            name=name,
            phone="+79991234567",
            email=email,
            telegram_id=telegram_id,
            language=language,
        ),
        source=Source.TELEGRAM if telegram_id else Source.WEB,
        guests=guests,
    )
    async with sessionmaker() as session:
        booking, _ = await hold_booking(session, deps, request)
        if paid == "cash":
            booking = await confirm_by_hand(session, deps, booking.id, None, "test")
        elif paid == "mock":
            await pay_online(session, deps, booking.id)
            paid_booking = await session.get(Booking, booking.id, populate_existing=True)
            assert paid_booking is not None
            return paid_booking
        return booking


async def pay_online(session: AsyncSession, deps: BookingDeps, booking_id: int) -> None:
    """What the mock checkout's Pay button does, without HTTP."""
    payment = await start_payment(session, deps, booking_id, "mock")
    state = success_report(payment)
    assert await apply_payment_report(session, deps, "mock", state) == "applied"


def success_report(payment: Payment) -> PaymentState:
    """What the mock gateway reports once the payment is paid."""
    assert payment.gateway_payment_id is not None
    return PaymentState(
        gateway_payment_id=payment.gateway_payment_id,
        status=PaymentStatus.SUCCEEDED,
        amount=payment.amount,
        our_payment_id=payment.id,
    )


async def fetch(sessionmaker: async_sessionmaker[AsyncSession], model: type[T], id: int) -> T:
    async with sessionmaker() as session:
        found = await session.get(model, id)
        assert found is not None
        return found


async def rows(
    sessionmaker: async_sessionmaker[AsyncSession], model: type[Base], *where: Any
) -> list[Any]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def count(
    sessionmaker: async_sessionmaker[AsyncSession], model: type[Base], *where: Any
) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(stmt) or 0)


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0) -> T:
    """Re-check an async condition (every 20 ms) until it is truthy; fail after `timeout`
    (generous: a passing test never waits it out, and a loaded machine can be slow)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition still false after {timeout}s")
        await asyncio.sleep(0.02)
