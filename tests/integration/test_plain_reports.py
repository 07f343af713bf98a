"""The plain lane (`booking.plain_reports`) against the ORM lane (`booking.reports`).

Each scenario makes two alike sets of held bookings (a week apart) with a pending payment
each, sends the same batches of reports to set A through the ORM lane and to set B through
the plain lane (falling back to the ORM lane when the plain one declines the batch, as
`apply_payment_states` does), and compares everything a client, an admin or an operator
could see: the outcomes, the bookings, the payments, the events and the log lines.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.util import await_only

from booking import plain_reports, reports
from booking.deps import BookingDeps
from booking.paying import start_payment
from booking.report_rules import Report, Result
from db.models import Booking, Event, Payment
from payments.base import PaymentState, PaymentStatus
from tests.support import make_booking, msk, success_report

#: A report in a scenario: (the payment's index in its set, what the gateway says).
Step = tuple[int, str]


@dataclass(frozen=True)
class Scenario:
    name: str
    bookings: int
    batches: list[list[Step]]
    #: Whether the plain lane takes each batch.
    plain: list[bool]
    #: Indexes of bookings whose hold has lapsed (expired, not yet paid).
    expired: tuple[int, ...] = ()


SCENARIOS = [
    Scenario("fresh successes", 3, [[(0, "paid"), (1, "paid"), (2, "paid")]], [True]),
    Scenario(
        "a storm, then the same report again later",
        2,
        [[(0, "paid"), (0, "paid"), (1, "paid"), (0, "paid")], [(0, "paid"), (1, "paid")]],
        [True, True],
    ),
    Scenario(
        "a decline, a late pending report and a success after a decline",
        3,
        [[(0, "declined"), (1, "pending"), (1, "paid"), (1, "pending")], [(0, "paid")]],
        [True, True],
    ),
    Scenario(
        "declined and then paid in one batch: the ORM lane writes the row",
        2,
        [[(0, "declined"), (0, "paid"), (1, "paid")]],
        [False],
    ),
    Scenario(
        "a held (authorized) payment and another order are left to the ORM lane",
        3,
        [[(0, "authorized")], [(1, "other_order"), (2, "paid")], [(0, "paid")]],
        [False, False, True],
    ),
    Scenario(
        "a refund report goes to the ORM lane, with the plain reports beside it",
        3,
        [[(0, "paid")], [(1, "paid"), (0, "refunded"), (2, "paid")]],
        [True, False],
    ),
    Scenario(
        "an unknown payment and another amount are refused, the others applied",
        3,
        [[(0, "paid"), (1, "unknown"), (2, "wrong_amount")], [(2, "paid")]],
        [False, True],
    ),
    Scenario(
        "a payment after the hold lapsed is left to the ORM lane",
        2,
        [[(0, "paid"), (1, "paid")]],
        [False],
        expired=(1,),
    ),
]


def state_for(payment: Payment, what: str) -> PaymentState:
    paid = success_report(payment)
    if what == "paid":
        return paid
    if what == "declined":
        return replace(paid, status=PaymentStatus.CANCELED, raw={"reason": "declined"})
    if what == "pending":
        return replace(paid, status=PaymentStatus.PENDING)
    if what == "refunded":
        return replace(paid, status=PaymentStatus.REFUNDED, refunded_amount=paid.amount or 0)
    if what == "wrong_amount":
        return replace(paid, amount=(paid.amount or 0) + 100)
    if what == "authorized":
        return replace(paid, status=PaymentStatus.AUTHORIZED)
    if what == "other_order":
        return replace(paid, order_key="someone-elses-order")
    if what == "unknown":
        return replace(paid, gateway_payment_id="no-such-payment", our_payment_id=None)
    raise AssertionError(what)


@dataclass
class Side:
    """One set of bookings and payments, and how to name their ids alike in both sets."""

    bookings: list[int]
    payments: list[Payment]

    def name(self, kind: str, value: Any) -> Any:
        ids = self.bookings if kind == "booking" else [p.id for p in self.payments]
        return f"{kind} {ids.index(value)}" if value in ids else value


async def make_side(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    first_day: int,
    count: int,
    expired: tuple[int, ...],
) -> Side:
    bookings, payments = [], []
    for index in range(count):
        booking = await make_booking(
            sessionmaker, deps, start=msk(first_day + index, 12), paid=None
        )
        async with sessionmaker() as session:
            payments.append(await start_payment(session, deps, booking.id, "mock"))
            if index in expired:
                await session.execute(
                    update(Booking).where(Booking.id == booking.id).values(status="expired")
                )
                await session.commit()
        bookings.append(booking.id)
    return Side(bookings, payments)


async def snapshot(
    sessionmaker: async_sessionmaker[AsyncSession], side: Side, after_event: int
) -> dict[str, Any]:
    """What the set looks like, with its ids named by their place in the set."""
    async with sessionmaker() as session:
        bookings = (
            await session.scalars(
                select(Booking).where(Booking.id.in_(side.bookings)).order_by(Booking.id)
            )
        ).all()
        payments = (
            await session.scalars(
                select(Payment).where(Payment.booking_id.in_(side.bookings)).order_by(Payment.id)
            )
        ).all()
        events = (
            await session.scalars(
                select(Event)
                .where(Event.booking_id.in_(side.bookings), Event.id > after_event)
                .order_by(Event.id)
            )
        ).all()
    return {
        "bookings": [
            (b.status, b.paid, b.refunded, b.confirmed_at, b.cancelled_at, b.hold_expires_at)
            for b in bookings
        ],
        "payments": [
            (
                side.name("booking", p.booking_id),
                p.status,
                p.amount,
                p.refunded,
                p.applied,
                p.paid_at,
                {
                    k: "<its id>" if v == p.gateway_payment_id else v
                    for k, v in (p.raw or {}).items()
                },
                p.error,
            )
            for p in payments
        ],
        "events": [
            (
                e.type,
                side.name("booking", e.booking_id),
                side.name("payment", e.payment_id),
                {k: v for k, v in e.payload.items() if k not in ("code", "refund_id")},
                e.processed_at,
                e.attempts,
            )
            for e in events
        ],
    }


def named_logs(records: list[logging.LogRecord], side: Side) -> list[tuple[Any, ...]]:
    return [
        (
            r.name,
            r.getMessage(),
            side.name("booking", getattr(r, "booking_id", None)),
            side.name("payment", getattr(r, "payment_id", None)),
            getattr(r, "outcome", None),
            getattr(r, "reported", None),
            getattr(r, "status", None),
        )
        for r in records
        if r.name in ("booking.reports", "studio.state")
    ]


def named(results: list[Result]) -> list[str]:
    return [r if isinstance(r, str) else f"refused: {r.code}" for r in results]


async def last_event_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(Event.id).order_by(Event.id.desc())) or 0)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_both_lanes_leave_the_same_state(
    scenario: Scenario,
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    orm = await make_side(sessionmaker, deps, 3, scenario.bookings, scenario.expired)
    # A week later: the same weekdays, so the same prices.
    plain = await make_side(sessionmaker, deps, 10, scenario.bookings, scenario.expired)
    caplog.set_level(logging.INFO)
    for batch, plain_takes_it in zip(scenario.batches, scenario.plain, strict=True):
        before = await last_event_id(sessionmaker)
        caplog.clear()
        async with sessionmaker() as session:
            through_orm = await reports.apply_any_reports(
                session,
                deps,
                [Report("mock", state_for(orm.payments[i], what)) for i, what in batch],
            )
        orm_logs = named_logs(caplog.records, orm)
        caplog.clear()
        async with sessionmaker() as session:
            plain_batch = [Report("mock", state_for(plain.payments[i], what)) for i, what in batch]
            through_plain = await plain_reports.apply_plain_reports(session, deps, plain_batch)
            assert (through_plain is not None) == plain_takes_it
            if through_plain is None:
                through_plain = await reports.apply_any_reports(session, deps, plain_batch)
        plain_logs = named_logs(caplog.records, plain)

        assert named(through_plain.results) == named(through_orm.results)
        assert through_plain.refunds.keys() == through_orm.refunds.keys()
        assert await snapshot(sessionmaker, plain, before) == await snapshot(
            sessionmaker, orm, before
        )
        assert plain_logs == orm_logs
        if plain_takes_it:
            assert len(plain_logs) >= len(batch), "each report the lane takes is logged"


async def test_the_plain_lane_confirms_and_says_so(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    """Not only equal to the ORM lane: right. The booking is confirmed once, with the money
    counted once, whatever the batch repeats."""
    side = await make_side(sessionmaker, deps, 3, 1, ())
    payment = side.payments[0]
    batch = [Report("mock", state_for(payment, "paid"))] * 3
    async with sessionmaker() as session:
        applied = await plain_reports.apply_plain_reports(session, deps, batch)
    assert applied is not None
    assert applied.results == ["applied", "duplicate", "duplicate"]
    state = await snapshot(sessionmaker, side, 0)
    assert state["bookings"] == [
        ("confirmed", payment.amount, 0, deps.now(), None, state["bookings"][0][5])
    ]
    assert [
        (e[0], e[3].get("status"))
        for e in state["events"]
        if e[0] != "booking.created" and e[0] != "payment.created"
    ] == [
        ("payment.succeeded", "pending_payment"),
        ("booking.confirmed", "confirmed"),
    ]


@pytest.mark.postgres_only
async def test_two_processes_applying_the_same_reports_confirm_each_booking_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both read the payments as pending before either writes; the second one's locked
    re-read sees the first's commit, and its reports become repeats."""
    side = await make_side(sessionmaker, deps, 3, 3, ())
    batch = [Report("mock", state_for(payment, "paid")) for payment in side.payments]
    both_read = asyncio.Barrier(2)
    read = plain_reports._read
    first_reads: set[int] = set()

    def read_then_wait(connection: Any, batch: Any) -> Any:
        found = read(connection, batch)
        if id(connection) not in first_reads:  # the unlocked read, not the locked one
            first_reads.add(id(connection))
            await_only(both_read.wait())  # the lane runs in SQLAlchemy's greenlet
        return found

    monkeypatch.setattr(plain_reports, "_read", read_then_wait)

    async def one_process() -> list[Result]:
        async with sessionmaker() as session:
            applied = await plain_reports.apply_plain_reports(session, deps, batch)
            assert applied is not None
            return applied.results

    first, second = await asyncio.gather(one_process(), one_process())
    assert sorted([first, second]) == [["applied"] * 3, ["duplicate"] * 3]
    state = await snapshot(sessionmaker, side, 0)
    assert [b[:2] for b in state["bookings"]] == [("confirmed", p.amount) for p in side.payments]
    confirmations = [e for e in state["events"] if e[0] == "booking.confirmed"]
    assert len(confirmations) == 3


@pytest.mark.postgres_only
async def test_a_booking_changed_before_the_lock_leaves_the_batch_to_the_orm_lane(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The unlocked read sees a held booking; by the locked read it has been cancelled. The
    lane judges again, rolls back and declines the batch: nothing written, nothing logged."""
    side = await make_side(sessionmaker, deps, 3, 2, ())
    batch = [Report("mock", state_for(payment, "paid")) for payment in side.payments]
    read = plain_reports._read
    reads = 0

    async def cancel_first_booking() -> None:
        async with sessionmaker() as other:
            await other.execute(
                update(Booking).where(Booking.id == side.bookings[0]).values(status="cancelled")
            )
            await other.commit()

    def read_then_cancel(connection: Any, batch: Any) -> Any:
        nonlocal reads
        found = read(connection, batch)
        reads += 1
        if reads == 1:  # between the unlocked read and the lock
            await_only(cancel_first_booking())
        return found

    monkeypatch.setattr(plain_reports, "_read", read_then_cancel)
    async with sessionmaker() as session:
        assert await plain_reports.apply_plain_reports(session, deps, batch) is None
    assert reads == 2
    state = await snapshot(sessionmaker, side, 0)
    assert [p[1] for p in state["payments"]] == ["pending", "pending"]
    assert [b[0] for b in state["bookings"]] == ["cancelled", "pending_payment"]
    assert not [e for e in state["events"] if e[0] in ("payment.succeeded", "booking.confirmed")]
