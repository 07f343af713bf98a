"""Several service processes on one PostgreSQL run the same jobs at once: each effect once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.events import EventType, record_event
from db.models import Booking, Client
from db.outbox import Event
from settings import ROOT
from tests.fakes.smtp_server import FakeSmtpServer

pytestmark = pytest.mark.postgres_only
PROCESSES = 3


def booking(
    client: Client,
    n: int,
    status: str,
    start: datetime,
    hold: datetime | None,
    total: int = 100000,
) -> Booking:
    """A row as the jobs find it (the multi-process test behind nginx seeds them too, free:
    `total` 0, so that the money audit needs no payments for them)."""
    return Booking(
        code=f"MP{n:04d}",
        hall_id=1 + n % 3,
        client_id=client.id,
        start_at=start,
        end_at=start + timedelta(hours=1),
        blocked_until=start + timedelta(minutes=75),
        status=status,
        payment_mode="full",
        total=total,
        prepay_amount=total,
        paid=total if status == "confirmed" else 0,
        source="web",
        hold_expires_at=hold,
        confirmed_at=start - timedelta(days=7) if status == "confirmed" else None,
        refund_tiers="48:100,24:50,0:0",
        access_token_hash="0" * 64,
    )


async def test_jobs_in_parallel_processes_act_once(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, database_url: str
) -> None:
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        client = Client(name="Клиент", email="mp@example.com", language="ru")
        session.add(client)
        await session.flush()
        rows = []
        for n in range(30):  # unpaid holds whose time ran out, in the future
            rows.append(
                booking(
                    client,
                    n,
                    "pending_payment",
                    now + timedelta(days=3, hours=2 * n),
                    now - timedelta(minutes=1),
                )
            )
        for n in range(30, 60):  # confirmed bookings that are over
            rows.append(
                booking(client, n, "confirmed", now - timedelta(days=2, hours=2 * n), None)
            )
        session.add_all(rows)
        await session.flush()
        for row in rows[:10]:  # and some events already waiting for the relay
            record_event(session, EventType.BOOKING_CREATED, booking=row)
        for row in rows[30:40]:
            record_event(session, EventType.BOOKING_CONFIRMED, booking=row)
        await session.commit()

    async with FakeSmtpServer() as smtp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
        env.update(
            DATABASE_URL=database_url,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp.port),
            SMTP_FROM="studio@test",
            LOG_LEVEL="WARNING",
        )
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "main.py",
                "jobs-once",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(PROCESSES)
        ]
        results = await asyncio.gather(*(p.communicate() for p in procs))
        for proc, (_, stderr) in zip(procs, results, strict=True):
            assert proc.returncode == 0, stderr.decode()[-2000:]
        received = Counter((m.rcpt_tos, m.message["Subject"]) for m in smtp.messages)

    async with sessionmaker() as session:
        statuses = Counter((await session.scalars(select(Booking.status))).all())
        events = (await session.scalars(select(Event))).all()
    assert statuses == {"expired": 30, "completed": 30}
    per_booking = Counter((e.booking_id, e.type) for e in events)
    assert all(count == 1 for count in per_booking.values()), per_booking.most_common(3)
    assert sum(1 for (_, kind) in per_booking if kind == "booking.expired") == 30
    assert all(e.processed_at is not None for e in events)
    # 10 confirmations; the holds never paid mail nobody, lapsed or not
    assert len(received) == 10
    assert all("подтверждена" in subject for _, subject in received)
    assert set(received.values()) == {1}
