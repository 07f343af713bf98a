"""Group commit of gateway reports: reports that arrive together share one transaction, and
each still gets its own outcome; a report that fails does not take the others down."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking import report_queue
from booking.deps import BookingDeps
from booking.errors import NotFound, PaymentMismatch
from booking.paying import start_payment
from booking.report_queue import ReportQueue
from booking.report_rules import Applied, Report
from db import queries
from db.models import Booking, Event, Payment
from payments.base import PaymentState, PaymentStatus
from tests.support import make_booking, msk, success_report


async def pending_payments(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, count: int
) -> list[PaymentState]:
    """`count` held bookings with a pending mock payment each, and the success report that
    the gateway would send for each."""
    states = []
    for day in range(count):
        booking = await make_booking(sessionmaker, deps, start=msk(3 + day, 12), paid=None)
        async with sessionmaker() as session:
            states.append(success_report(await start_payment(session, deps, booking.id, "mock")))
    return states


async def booking_of(
    sessionmaker: async_sessionmaker[AsyncSession], state: PaymentState
) -> tuple[str, str, int]:
    """(booking status, payment status, booking.confirmed events) for a report's payment."""
    async with sessionmaker() as session:
        payment = await session.get(Payment, state.our_payment_id)
        assert payment is not None
        booking = await session.get(Booking, payment.booking_id)
        assert booking is not None
        confirmed = await session.scalar(
            select(func.count(Event.id)).where(
                Event.booking_id == booking.id, Event.type == "booking.confirmed"
            )
        )
        return booking.status, payment.status, int(confirmed or 0)


async def test_reports_arriving_together_share_one_transaction(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    states = await pending_payments(sessionmaker, deps, 6)
    queue = ReportQueue(sessionmaker, deps)
    # Every report twice, as gateways deliver them: the second of each changes nothing.
    outcomes = await asyncio.gather(*(queue.apply("mock", s) for s in [*states, *states]))
    assert outcomes == ["applied"] * 6 + ["duplicate"] * 6
    assert (queue.transactions, queue.reports) == (1, 12)
    for state in states:
        assert await booking_of(sessionmaker, state) == ("confirmed", "succeeded", 1)


async def test_a_refused_report_gets_its_error_and_the_others_are_applied(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    first, second, third = await pending_payments(sessionmaker, deps, 3)
    queue = ReportQueue(sessionmaker, deps)
    unknown = replace(first, gateway_payment_id="no-such-payment", our_payment_id=None)
    wrong_amount = replace(second, amount=(second.amount or 0) - 100)
    results = await asyncio.gather(
        *(queue.apply("mock", s) for s in (first, unknown, wrong_amount, third)),
        return_exceptions=True,
    )
    assert results[0] == "applied" and results[3] == "applied"
    assert isinstance(results[1], NotFound) and results[1].code == "unknown_payment"
    assert isinstance(results[2], PaymentMismatch) and results[2].code == "amount_mismatch"
    assert queue.transactions == 1
    assert await booking_of(sessionmaker, first) == ("confirmed", "succeeded", 1)
    assert await booking_of(sessionmaker, second) == ("pending_payment", "pending", 0)
    assert await booking_of(sessionmaker, third) == ("confirmed", "succeeded", 1)


async def test_a_failing_report_is_retried_alone_and_the_others_still_apply(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    states = await pending_payments(sessionmaker, deps, 3)
    broken = states[1]
    apply = report_queue.apply_payment_states

    async def apply_unless_broken(
        session: AsyncSession, deps: BookingDeps, batch: Sequence[Report]
    ) -> Applied:
        if any(report.state is broken for report in batch):
            raise RuntimeError("applying failed")
        return await apply(session, deps, batch)

    monkeypatch.setattr(report_queue, "apply_payment_states", apply_unless_broken)
    queue = ReportQueue(sessionmaker, deps)
    results = await asyncio.gather(
        *(queue.apply("mock", s) for s in states), return_exceptions=True
    )
    assert results[0] == "applied" and results[2] == "applied"
    assert isinstance(results[1], RuntimeError)
    # The shared attempt failed and was undone; then each report had its own transaction.
    assert (queue.transactions, queue.reports) == (2, 2)
    assert await booking_of(sessionmaker, states[0]) == ("confirmed", "succeeded", 1)
    assert await booking_of(sessionmaker, broken) == ("pending_payment", "pending", 0)
    assert await booking_of(sessionmaker, states[2]) == ("confirmed", "succeeded", 1)


async def test_a_report_whose_caller_stops_waiting_is_applied_all_the_same(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    [state] = await pending_payments(sessionmaker, deps, 1)
    queue = ReportQueue(sessionmaker, deps)
    caller = asyncio.create_task(queue.apply("mock", state))
    await asyncio.sleep(0)  # queued, not yet applied
    caller.cancel()
    await queue.close()
    assert caller.cancelled()
    assert await booking_of(sessionmaker, state) == ("confirmed", "succeeded", 1)
    assert await queue.apply("mock", state) == "duplicate"


async def test_two_payments_of_one_booking_in_one_transaction_both_count(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    """The prepayment found by the gateway's id and the balance found by our own id (its
    create had timed out): applied together as they would be one after the other, the
    booking is confirmed once and both payments count."""
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), paid=None)
    async with sessionmaker() as session:
        first = await start_payment(session, deps, booking.id, "mock")
        second = Payment(
            booking_id=booking.id, gateway="mock", kind="balance", amount=first.amount
        )
        second.status = "pending"
        await queries.add_with_derived_key(session, second, lambda id_: f"pay-{id_}-late")
        await session.commit()
    assert first.gateway_payment_id is not None
    reports = [
        PaymentState(first.gateway_payment_id, PaymentStatus.SUCCEEDED, first.amount),
        PaymentState(
            f"late-{second.id}", PaymentStatus.SUCCEEDED, second.amount, our_payment_id=second.id
        ),
    ]
    queue = ReportQueue(sessionmaker, deps)
    assert await asyncio.gather(*(queue.apply("mock", r) for r in reports)) == ["applied"] * 2
    assert queue.transactions == 1
    async with sessionmaker() as session:
        row = await session.get(Booking, booking.id)
        assert row is not None
        assert (row.status, row.paid) == ("confirmed", row.total)
        confirmed = await session.scalar(
            select(func.count(Event.id)).where(
                Event.booking_id == booking.id, Event.type == "booking.confirmed"
            )
        )
        assert confirmed == 1


async def test_a_shutdown_that_stops_waiting_leaves_no_report_unanswered(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    states = await pending_payments(sessionmaker, deps, 3)
    queue = ReportQueue(sessionmaker, deps, max_batch=1)
    callers = [asyncio.create_task(queue.apply("mock", s)) for s in states]
    await asyncio.sleep(0)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(queue.close(), 0.0001)  # a shutdown step with a deadline
    assert await asyncio.wait_for(asyncio.gather(*callers), 10) == ["applied"] * 3


async def test_reports_on_their_way_join_the_transaction_and_a_refused_one_holds_nobody(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Webhooks being verified announce their reports; the transaction waits for those,
    and only for those: a webhook refused meanwhile, or no webhook at all, is not waited
    for. (The wait is made long here, so that waiting for nothing would show.)"""
    monkeypatch.setattr(report_queue, "GATHER_SECONDS", 30.0)
    first, second, third, fourth = await pending_payments(sessionmaker, deps, 4)
    queue = ReportQueue(sessionmaker, deps)

    alone = await asyncio.wait_for(queue.apply("mock", first), 5)
    assert alone == "applied" and queue.transactions == 1

    coming_second, coming_third, refused = queue.coming(), queue.coming(), queue.coming()
    applying = asyncio.ensure_future(queue.apply("mock", second, coming_second))
    await asyncio.sleep(0.05)
    assert not applying.done()  # waits for the reports still on their way
    with refused:
        pass  # its webhook failed verification
    await asyncio.sleep(0.05)
    assert not applying.done()
    together = await asyncio.wait_for(
        asyncio.gather(applying, queue.apply("mock", third, coming_third)), 5
    )
    assert together == ["applied", "applied"]
    assert (queue.transactions, queue.reports) == (2, 3)

    coming_fourth, refused_last = queue.coming(), queue.coming()
    applying = asyncio.ensure_future(queue.apply("mock", fourth, coming_fourth))
    await asyncio.sleep(0.05)
    assert not applying.done()
    refused_last.arrived()  # the last one on its way is refused: nothing left to wait for
    assert await asyncio.wait_for(applying, 5) == "applied"
    assert (queue.transactions, queue.reports) == (3, 4)


async def test_a_stopping_process_answers_the_reports_waiting_for_their_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopped while it waits for a report on its way, the queue tells its callers at once
    rather than leaving them waiting for an answer that will never come."""
    monkeypatch.setattr(report_queue, "GATHER_SECONDS", 30.0)
    [state] = await pending_payments(sessionmaker, deps, 1)
    queue = ReportQueue(sessionmaker, deps)
    coming, _still_coming = queue.coming(), queue.coming()
    applying = asyncio.ensure_future(queue.apply("mock", state, coming))
    await asyncio.sleep(0.05)
    worker = queue._worker
    assert worker is not None and not applying.done()
    worker.cancel()  # as the loop's shutdown does
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(applying, 5)
    assert await booking_of(sessionmaker, state) == ("pending_payment", "pending", 0)
