"""The commonest gateway reports, applied with plain statements instead of the ORM.

Nearly every webhook says one of three things: a payment of a held booking succeeded (the
booking is confirmed), a pending payment was declined, or something already applied (a
repeat, or a stale report out of order). Under load the ORM's loading, change tracking and
flush cost more than everything else a webhook does together (docs/BENCHMARKS.md,
"Webhooks"), so this lane reads the rows it needs with one select, judges each report with
the rules `booking.reports` judges by (`booking.report_rules`), and writes one UPDATE per
table and one INSERT of events.

It takes a batch only when every report in it is one of those three cases. Anything else (a
payment found only by our order number, another amount or order, a booking no longer held,
a second payment of a booking, a refund) leaves the whole batch to `booking.reports`, which
decides every case; nothing has been written or logged by then. Both write the same rows,
events and log lines: tests/integration/test_plain_reports.py applies the same batches through
each and compares the databases.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from booking import calendar_cache
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import DomainError
from booking.events import EventType, event_row, log_event
from booking.report_rules import (
    Applied,
    Report,
    Result,
    changes,
    check_amount,
    check_order,
    ignored_outcome,
    log_ignored,
)
from db.models import Booking, Event, Payment
from payments.base import PaymentState, PaymentStatus

_PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]
_BOOKINGS: Table = Booking.__table__  # type: ignore[assignment]
_EVENTS: Table = Event.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class _Payment:
    id: int
    booking_id: int
    gateway: str
    idempotency_key: str
    kind: str
    amount: int
    currency: str
    status: str


@dataclass(slots=True)
class _Booking:
    id: int
    code: str
    hall_id: int
    start_at: datetime
    blocked_until: datetime
    status: str
    paid: int


_Found = dict[tuple[str, str], tuple[_Payment, _Booking]]


@dataclass
class _Plan:
    """What the batch does, decided before anything is written or logged."""

    now: datetime
    #: Per report: its outcome, and what its log lines need (the ignored payment and its
    #: report, or the events it recorded).
    outcomes: list[tuple[str, tuple[_Payment, PaymentState] | list[dict[str, Any]]]] = field(
        default_factory=list
    )
    paid: list[tuple[_Payment, PaymentState]] = field(default_factory=list)
    declined: list[tuple[_Payment, PaymentState]] = field(default_factory=list)
    confirmed: list[_Booking] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def payment_ids(self) -> set[int]:
        return {payment.id for payment, _ in (*self.paid, *self.declined)}

    @property
    def booking_ids(self) -> set[int]:
        return {payment.booking_id for payment, _ in (*self.paid, *self.declined)}


async def apply_plain_reports(
    session: AsyncSession, deps: BookingDeps, reports: Sequence[Report]
) -> Applied | None:
    """Apply the batch and commit if every report in it is a plain one; None (nothing
    written, nothing logged) if not."""
    # One greenlet for the whole transaction rather than one a statement: the statements
    # are few and short, and starting a greenlet costs about as much as running one.
    return await session.run_sync(_apply, deps.now(), reports)


def _apply(session: Session, now: datetime, reports: Sequence[Report]) -> Applied | None:
    connection = session.connection()
    plan = _judge(reports, _read(connection, reports), now)
    if plan is None:
        return None
    if connection.dialect.name == "postgresql" and plan.payment_ids:
        # Another process may have applied the same reports: lock the rows about to change
        # (bookings first, as every use case takes them, those of declines too: their events
        # reference the booking) and judge again on fresh values.
        changing = plan.payment_ids
        _lock(connection, _BOOKINGS, plan.booking_ids)
        _lock(connection, _PAYMENTS, changing)
        plan = _judge(reports, _read(connection, reports), now)
        if plan is None or not plan.payment_ids <= changing:
            session.rollback()
            return None
    results = _log(plan)
    _write(connection, plan)
    days = _days(plan.confirmed)
    calendar_cache.days_changed(days)  # as the ORM's flush would: no answer cached meanwhile
    session.commit()
    calendar_cache.days_changed(days)
    return Applied(results, {})


def _judge(reports: Sequence[Report], found: _Found, now: datetime) -> _Plan | None:
    """Each report in order, on the rows as the reports before it left them."""
    plan = _Plan(now)
    for report in reports:
        state = report.state
        pair = found.get((report.gateway, state.gateway_payment_id))
        if pair is None:
            return None
        payment, booking = pair
        try:
            check_amount(payment, state)
            check_order(payment, state)
        except DomainError:
            return None
        if not changes(payment, state.status):
            plan.outcomes.append((ignored_outcome(payment, state), (payment, state)))
        elif payment.id in plan.payment_ids:
            return None  # declined and then paid in one batch: each row is written once here
        elif state.status == PaymentStatus.SUCCEEDED and (
            booking.status == BookingStatus.PENDING_PAYMENT
        ):
            _confirm(plan, payment, booking, state)
        elif state.status == PaymentStatus.CANCELED:
            payment.status = PaymentStatus.CANCELED
            plan.declined.append((payment, state))
            _record(plan, [event_row(EventType.PAYMENT_CANCELED, None, payment, None, {})])
        else:
            return None
    return plan


def _confirm(plan: _Plan, payment: _Payment, booking: _Booking, state: PaymentState) -> None:
    """A held booking's payment succeeded: the booking is confirmed and the money counts."""
    payment.status = PaymentStatus.SUCCEEDED
    # A held booking has nothing paid towards it that this payment could top up.
    succeeded = event_row(EventType.PAYMENT_SUCCEEDED, booking, payment, None, {"balance": False})
    booking.status = BookingStatus.CONFIRMED
    booking.paid += payment.amount
    confirmed = event_row(EventType.BOOKING_CONFIRMED, booking, payment, None, {"late": False})
    plan.paid.append((payment, state))
    plan.confirmed.append(booking)
    _record(plan, [succeeded, confirmed])


def _record(plan: _Plan, events: list[dict[str, Any]]) -> None:
    plan.events.extend(events)
    plan.outcomes.append(("applied", events))


def _log(plan: _Plan) -> list[Result]:
    """The log lines the ORM lane writes for the same reports; the reports' outcomes."""
    results: list[Result] = []
    for outcome, logged in plan.outcomes:
        if isinstance(logged, tuple):
            log_ignored(logged[0].id, outcome, logged[1])
        else:
            for row in logged:
                log_event(row)
        results.append(outcome)
    return results


def _read(connection: Connection, reports: Sequence[Report]) -> _Found:
    """The reported payments and their bookings, by (gateway, the gateway's payment id)."""
    by_gateway: dict[str, set[str]] = {}
    for report in reports:
        by_gateway.setdefault(report.gateway, set()).add(report.state.gateway_payment_id)
    values: dict[str, Any] = {}
    for index, (gateway, ids) in enumerate(by_gateway.items()):
        values[f"gateway_{index}"] = gateway
        values[f"ids_{index}"] = sorted(ids)
    rows = connection.execute(_reading(len(by_gateway)), values)
    found: _Found = {}
    bookings: dict[int, _Booking] = {}
    for row in rows:
        booking = bookings.get(row[1])
        if booking is None:
            booking = bookings[row[1]] = _Booking(
                row[1], row[9], row[10], row[11], row[12], row[13], row[14]
            )
        payment = _Payment(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])
        found[(payment.gateway, row[8])] = (payment, booking)
    return found


@functools.cache
def _reading(gateways: int) -> Select[Any]:
    """The read of `_read` for a batch from this many gateways, built once: building it
    costs more than running it."""
    p, b = _PAYMENTS.c, _BOOKINGS.c
    return (
        select(
            p.id,
            p.booking_id,
            p.gateway,
            p.idempotency_key,
            p.kind,
            p.amount,
            p.currency,
            p.status,
            p.gateway_payment_id,
            b.code,
            b.hall_id,
            b.start_at,
            b.blocked_until,
            b.status,
            b.paid,
        )
        .join_from(_PAYMENTS, _BOOKINGS, b.id == p.booking_id)
        .where(
            or_(
                *(
                    and_(
                        p.gateway == bindparam(f"gateway_{index}"),
                        p.gateway_payment_id.in_(bindparam(f"ids_{index}", expanding=True)),
                    )
                    for index in range(gateways)
                )
            )
        )
    )


def _lock(connection: Connection, table: Table, ids: set[int]) -> None:
    if ids:
        connection.execute(_locking(table), {"ids": sorted(ids)})


@functools.cache
def _locking(table: Table) -> Select[Any]:
    column = table.c.id
    stmt = select(column).where(column.in_(bindparam("ids", expanding=True))).order_by(column)
    return stmt.with_for_update()


def _update(table: Table, **values: Any) -> Any:
    """UPDATE one row by id (`row_id`), the values named by the parameters given."""
    return update(table).where(table.c.id == bindparam("row_id")).values(**values)


_PAY = _update(
    _PAYMENTS,
    status=bindparam("new_status"),
    raw=bindparam("new_raw"),
    paid_at=bindparam("now"),
    applied=True,
    updated_at=bindparam("stamp"),
)
_DECLINE = _update(
    _PAYMENTS,
    status=bindparam("new_status"),
    raw=bindparam("new_raw"),
    updated_at=bindparam("stamp"),
)
_CONFIRM = _update(
    _BOOKINGS,
    status=bindparam("new_status"),
    paid=bindparam("new_paid"),
    confirmed_at=bindparam("now"),
    updated_at=bindparam("stamp"),
)


_RECORD = insert(_EVENTS)


def _write(connection: Connection, plan: _Plan) -> None:
    """Bookings before payments, the order the ORM lane writes (and locks) them in."""
    times = {"now": plan.now, "stamp": plan.now}
    if plan.confirmed:
        connection.execute(
            _CONFIRM,
            [
                {"row_id": b.id, "new_status": b.status, "new_paid": b.paid, **times}
                for b in plan.confirmed
            ],
        )
    for stmt, rows in ((_PAY, plan.paid), (_DECLINE, plan.declined)):
        if rows:
            connection.execute(
                stmt,
                [
                    {"row_id": p.id, "new_status": p.status, "new_raw": dict(s.raw), **times}
                    for p, s in rows
                ],
            )
    if plan.events:
        # One time for the batch's events, as for its rows, rather than a default per row.
        connection.execute(
            _RECORD, [{**event, "created_at": times["stamp"]} for event in plan.events]
        )


def _days(bookings: list[_Booking]) -> set[tuple[int, date]]:
    return {
        (booking.hall_id, day)
        for booking in bookings
        for day in calendar_cache.utc_days(booking.start_at, booking.blocked_until)
    }
