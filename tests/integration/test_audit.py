"""The money audit: a ledger the service wrote passes; each kind of damage done to it by
hand (direct SQL) is reported, and `main.py audit` exits non-zero with a readable report.
The daily job tells the admins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from booking.audit import audit_ledger
from db.models import Payment
from db.outbox import Notification
from jobs.audit import audit_job
from jobs.reconcile import tell_stuck_payments
from notifications.channels import Channels
from tests.processes import run_main, service_env
from tests.support import BACKEND, Running

pytestmark = pytest.mark.slow  # `main.py audit` in a process of its own


@dataclass
class Ledger:
    """The bookings a day of a studio leaves, by what happened to them."""

    prepaid: dict[str, Any]
    paid_twice: dict[str, Any]
    cancelled: dict[str, Any]
    cash: dict[str, Any]
    trusted: dict[str, Any]
    abandoned: dict[str, Any]
    refunded_in_part: dict[str, Any]


async def write_ledger(running: Running) -> Ledger:
    api = running.api
    prepaid = await api.booked(day=3, hour=10)
    await api.checkout(await api.start_payment(prepaid), "succeeded")
    paid_twice = await api.booked(day=3, hour=14, mode="full")
    await api.paid_twice(paid_twice)  # the second payment is refunded: it counts nowhere
    cancelled = await api.booked(day=5, hour=10, mode="full")
    await api.checkout(await api.start_payment(cancelled), "succeeded")
    await api.cancel(cancelled)
    cash = await api.booked(day=5, hour=14)
    status, _ = await api.admin("POST", f"/api/bookings/{cash['id']}/confirm")
    assert status == 200
    trusted = await api.booked(day=6, hour=10)
    status, _ = await api.admin(
        "POST", f"/api/bookings/{trusted['id']}/confirm", json={"amount": "0"}
    )
    assert status == 200
    abandoned = await api.booked(day=6, hour=14)
    await api.start_payment(abandoned)
    refunded_in_part = await api.booked(day=7, hour=10, mode="full")
    payment = await api.start_payment(refunded_in_part)
    await api.checkout(payment, "succeeded")
    status, _ = await api.admin(
        "POST", f"/api/payments/{payment['id']}/refund", json={"amount": "1000.00"}
    )
    assert status == 201
    return Ledger(prepaid, paid_twice, cancelled, cash, trusted, abandoned, refunded_in_part)


@pytest.fixture
async def ledger(running: Running) -> Ledger:
    return await write_ledger(running)


async def checks_failing(running: Running) -> set[str]:
    async with running.sessionmaker() as session:
        report = await audit_ledger(session, running.clock.now)
    return {finding.check for finding in report.findings}


async def cli_audit(database_url: str) -> tuple[int, str]:
    code, out, err = await run_main(service_env(database_url), "audit")
    assert "Traceback" not in err, err
    return code, out


async def test_a_ledger_the_service_wrote_passes(
    running: Running, ledger: Ledger, database_url: str
) -> None:
    assert await checks_failing(running) == set()
    # Past every gateway's lifetime the abandoned checkout is stuck: once admins are told
    # (reconciliation does), the audit holds again, whatever the wall clock says.
    running.clock.advance(days=30)
    assert await checks_failing(running) == {"stuck_payment"}
    assert await tell_stuck_payments(running.sessionmaker, running.deps) == 1
    assert await checks_failing(running) == set()
    code, out = await cli_audit(database_url)
    assert code == 0, out
    assert out.startswith("ledger audit: everything holds (7 bookings, 7 payments, 3 refunds")


async def _execute(running: Running, *statements: str, **values: Any) -> None:
    engine = running.sessionmaker.kw["bind"]
    async with engine.begin() as conn:
        for sql in statements:
            await conn.execute(text(sql), values)


async def _payment_ids(running: Running, booking: dict[str, Any]) -> list[int]:
    async with running.sessionmaker() as session:
        rows = await session.scalars(
            select(Payment.id).where(Payment.booking_id == booking["id"]).order_by(Payment.id)
        )
        return list(rows)


async def _told_about_stuck_payments(running: Running) -> None:
    running.clock.advance(days=30)
    await tell_stuck_payments(running.sessionmaker, running.deps)


CORRUPTIONS = {
    "paid": "UPDATE bookings SET paid = paid + 100 WHERE id = :prepaid",
    "refunded": "UPDATE bookings SET refunded = refunded - 100 WHERE id = :cancelled",
    "refund_above_payment": "UPDATE refunds SET amount = 900000 WHERE booking_id = :part",
    "payment_refunded": "UPDATE payments SET refunded = 0 WHERE booking_id = :part",
    "unused_payment": "DELETE FROM refunds WHERE payment_id = :second",
    "misplaced_refund": "UPDATE refunds SET booking_id = :prepaid WHERE booking_id = :part",
    "unpaid_confirmed": "UPDATE bookings SET status = 'confirmed' WHERE id = :abandoned",
    "price_lines": "UPDATE bookings SET total = total + 100 WHERE id = :prepaid",
    "stuck_payment": "UPDATE payments SET stuck_told_at = NULL WHERE booking_id = :abandoned",
}
EXPECTED = {"misplaced_refund": "orphan"}


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
async def test_each_kind_of_damage_is_reported_and_fails_the_audit(
    running: Running, ledger: Ledger, database_url: str, damage: str
) -> None:
    await _told_about_stuck_payments(running)
    assert await checks_failing(running) == set()
    second = (await _payment_ids(running, ledger.paid_twice))[1]
    statements = [CORRUPTIONS[damage]]
    if damage == "unused_payment":  # as if the refund of the unusable payment was never made
        statements.append(
            "UPDATE payments SET refunded = 0, status = 'succeeded' WHERE id = :second"
        )
    values = {
        "prepaid": ledger.prepaid["id"],
        "cancelled": ledger.cancelled["id"],
        "part": ledger.refunded_in_part["id"],
        "abandoned": ledger.abandoned["id"],
        "second": second,
    }
    await _execute(running, *statements, **values)
    check = EXPECTED.get(damage, damage)
    assert check in await checks_failing(running)
    code, out = await cli_audit(database_url)
    assert code == 1
    assert out.startswith("ledger audit: ")
    assert "problem(s)" in out.splitlines()[0]


async def test_a_payment_without_its_booking_is_reported(
    running: Running, ledger: Ledger, database_url: str
) -> None:
    """Past the foreign key (another tool, a restore gone wrong)."""
    await _told_about_stuck_payments(running)
    engine = running.sessionmaker.kw["bind"]
    async with engine.connect() as conn:
        await _foreign_keys(conn, on=False)
        await conn.execute(
            text("UPDATE payments SET booking_id = 999999 WHERE booking_id = :id"),
            {"id": ledger.cash["id"]},
        )
        await conn.commit()
        await _foreign_keys(conn, on=True)
    assert "orphan" in await checks_failing(running)
    code, out = await cli_audit(database_url)
    assert code == 1 and "its booking id 999999 is missing" in out


async def _foreign_keys(conn: AsyncConnection, *, on: bool) -> None:
    """Foreign keys checked or not, for this connection's next transaction."""
    if BACKEND == "postgres":
        role = "origin" if on else "replica"
        await conn.execute(text(f"SET session_replication_role = {role}"))
    else:  # outside a transaction: SQLite ignores the pragma inside one
        await conn.execute(text(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}"))
    await conn.commit()


@pytest.fixture
async def no_overlap_guard(running: Running) -> AsyncIterator[None]:
    """The database's no-overlap rule lifted for one test, and put back after it as the
    migrations left it (the later tests of the run rely on it, `change_hold` rows included)."""
    engine = running.sessionmaker.kw["bind"]
    definition = None
    async with engine.begin() as conn:
        if BACKEND == "postgres":
            definition = await conn.scalar(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conname = 'ex_bookings_no_overlap'"
                )
            )
            await conn.execute(text("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap"))
        else:
            for when in ("insert", "update"):
                await conn.execute(text(f"DROP TRIGGER tr_bookings_no_overlap_{when}"))
    yield
    if BACKEND == "postgres":  # the database outlives the test: emptied, the rule put back
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE bookings CASCADE"))
            await conn.execute(
                text(f"ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap {definition}")
            )


async def test_overlapping_bookings_are_reported(
    running: Running, ledger: Ledger, database_url: str, no_overlap_guard: None
) -> None:
    await _told_about_stuck_payments(running)
    await _execute(
        running,
        "UPDATE bookings SET start_at = (SELECT start_at FROM bookings WHERE id = :a), "
        "end_at = (SELECT end_at FROM bookings WHERE id = :a), "
        "blocked_until = (SELECT blocked_until FROM bookings WHERE id = :a), "
        "hall_id = (SELECT hall_id FROM bookings WHERE id = :a) WHERE id = :b",
        a=ledger.prepaid["id"],
        b=ledger.cash["id"],
    )
    assert await checks_failing(running) == {"overlap"}
    code, out = await cli_audit(database_url)
    assert code == 1
    assert f"bookings {ledger.prepaid['code']}" in out and ledger.cash["code"] in out


async def test_the_daily_job_tells_the_admins_once_a_day(running: Running, ledger: Ledger) -> None:
    await _told_about_stuck_payments(running)
    report = await audit_job(running.sessionmaker, running.deps)
    assert report.ok
    await _execute(running, CORRUPTIONS["paid"], prepaid=ledger.prepaid["id"])
    channels = Channels(telegram=True, admin_telegram_ids=(700, 701), email=False)
    running.jobs.channels = channels
    for _ in range(2):  # two processes ran it the same morning
        assert not (await audit_job(running.sessionmaker, running.deps)).ok
    await running.jobs.relay()
    async with running.sessionmaker() as session:
        sent = (
            await session.scalars(select(Notification).where(Notification.recipient == "700"))
        ).all()
    audits = [n for n in sent if n.dedupe_key.startswith("audit:")]
    assert len(audits) == 1
    assert "Ежедневная сверка денег" in audits[0].text
    assert ledger.prepaid["code"] in audits[0].text
    assert "python main.py audit" in audits[0].text
    stuck = [n for n in sent if "так и не получил окончательного ответа от шлюза" in n.text]
    assert len(stuck) == 1 and ledger.abandoned["code"] in stuck[0].text
