"""Test helpers: a controllable clock, free ports, and a small client for the JSON API."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientSession

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # Tuesday 09:00 in Moscow


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
    ) -> tuple[int, Any]:
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
            },
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


async def table_counts(sessionmaker: Any) -> dict[str, int]:
    """Row counts of the tables a request could change: 'changes nothing' checks use it."""
    from sqlalchemy import func, select

    from db.models import Booking, Client, Event, Notification, Payment, Refund

    counts = {}
    async with sessionmaker() as session:
        for model in (Booking, Client, Payment, Refund, Event, Notification):
            counts[model.__tablename__] = int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts
