"""Queries used by the use cases and the edges. None of them commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import session_clock
from db.models import (
    Booking,
    Client,
    Closure,
    Event,
    Hall,
    Notification,
    Payment,
    Refund,
    StudioHours,
)
from db.types import UTCDateTime

LIVE = ("pending_payment", "confirmed", "completed")
SelectT = TypeVar("SelectT", bound=Select[Any])
# A booking lies within one day's opening hours, and the database refuses one whose blocked
# span exceeds this; overlap searches may therefore start this far back, not at the
# hall's first booking ever.
MAX_BLOCKED_SPAN = timedelta(days=2)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def locked(stmt: SelectT, session: AsyncSession, *, skip_locked: bool = False) -> SelectT:
    """Row locks on PostgreSQL; SQLite's single writer already serialises transactions.

    `skip_locked` lets several processes share a queue: each claims rows nobody holds.
    """
    if is_postgres(session):
        return stmt.with_for_update(skip_locked=skip_locked)
    return stmt


async def active_halls(session: AsyncSession) -> Sequence[Hall]:
    result = await session.scalars(
        select(Hall).where(Hall.active.is_(True)).order_by(Hall.sort_order, Hall.id)
    )
    return result.all()


async def hall_by_id(session: AsyncSession, hall_id: int) -> Hall | None:
    return await session.get(Hall, hall_id)


async def studio_hours(session: AsyncSession) -> Sequence[StudioHours]:
    return (await session.scalars(select(StudioHours))).all()


async def busy_spans(
    session: AsyncSession, hall_id: int, start: datetime, end: datetime, *, now: datetime
) -> list[tuple[datetime, datetime]]:
    """[start, blocked_until) of the hall's live bookings touching the window.

    A hold past its expiry no longer counts, even before the sweeper marks it expired.
    """
    stmt = select(Booking.start_at, Booking.blocked_until).where(
        Booking.hall_id == hall_id,
        Booking.status.in_(LIVE),
        Booking.start_at > start - MAX_BLOCKED_SPAN,
        Booking.start_at < end,
        Booking.blocked_until > start,
        or_(Booking.status != "pending_payment", Booking.hold_expires_at > now),
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


def _calendar_spans_statement() -> Select[Any]:
    """Built once: the bot and the availability API ask it for every screen."""
    busy = select(
        literal("b").label("kind"),
        Booking.start_at.label("start_at"),
        Booking.blocked_until.label("end_at"),
        Booking.hold_expires_at.label("expires"),
    ).where(
        Booking.hall_id == bindparam("hall_id"),
        Booking.status.in_(LIVE),
        Booking.start_at > bindparam("lookback"),
        Booking.start_at < bindparam("end"),
        Booking.blocked_until > bindparam("start"),
        or_(Booking.status != "pending_payment", Booking.hold_expires_at > bindparam("now")),
    )
    closed = select(
        literal("c").label("kind"),
        Closure.start_at.label("start_at"),
        Closure.end_at.label("end_at"),
        null().label("expires"),
    ).where(
        or_(Closure.hall_id.is_(None), Closure.hall_id == bindparam("hall_id")),
        Closure.start_at < bindparam("end"),
        Closure.end_at > bindparam("start"),
    )
    both = union_all(busy, closed).subquery()
    return select(
        both.c.kind,
        type_coerce(both.c.start_at, UTCDateTime()),
        type_coerce(both.c.end_at, UTCDateTime()),
        type_coerce(both.c.expires, UTCDateTime()),
    )


_CALENDAR_SPANS = _calendar_spans_statement()


async def calendar_spans(
    session: AsyncSession, hall_id: int, start: datetime, end: datetime, *, now: datetime
) -> list[tuple[str, datetime, datetime, datetime | None]]:
    """Busy time ("b", with the hold's expiry) and closures ("c") of a hall in one query."""
    params = {
        "hall_id": hall_id,
        "lookback": start - MAX_BLOCKED_SPAN,
        "start": start,
        "end": end,
        "now": now,
    }
    rows = await session.execute(_CALENDAR_SPANS, params)
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def closure_spans(
    session: AsyncSession, hall_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    stmt = select(Closure.start_at, Closure.end_at).where(
        or_(Closure.hall_id.is_(None), Closure.hall_id == hall_id),
        Closure.start_at < end,
        Closure.end_at > start,
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def live_clash(session: AsyncSession, booking: Booking) -> int | None:
    """Another live booking overlapping this one's blocked span, if any."""
    return await session.scalar(
        select(Booking.id)
        .where(
            Booking.hall_id == booking.hall_id,
            Booking.id != booking.id,
            Booking.status.in_(LIVE),
            Booking.start_at > booking.start_at - MAX_BLOCKED_SPAN,
            Booking.start_at < booking.blocked_until,
            Booking.blocked_until > booking.start_at,
        )
        .limit(1)
    )


async def overdue_holds_in(
    session: AsyncSession, hall_id: int, start: datetime, end: datetime, now: datetime
) -> Sequence[Booking]:
    """Holds past their expiry that overlap a window: they must be expired before a new hold."""
    stmt = (
        select(Booking)
        .where(
            Booking.hall_id == hall_id,
            Booking.status == "pending_payment",
            Booking.hold_expires_at <= now,
            Booking.start_at > start - MAX_BLOCKED_SPAN,
            Booking.start_at < end,
            Booking.blocked_until > start,
        )
        .order_by(Booking.id)
    )  # locked in id order, so that two callers cannot deadlock
    return (await session.scalars(locked(stmt, session))).all()


async def booking_for_update(session: AsyncSession, booking_id: int) -> Booking | None:
    """The booking, locked, with fresh values even if the session already held it."""
    stmt = locked(select(Booking).where(Booking.id == booking_id), session).execution_options(
        populate_existing=True
    )
    return (await session.scalars(stmt)).first()


async def booking_by_code(session: AsyncSession, code: str) -> Booking | None:
    return (await session.scalars(select(Booking).where(Booking.code == code.upper()))).first()


async def refund_for_update(session: AsyncSession, refund_id: int) -> Refund | None:
    """The refund, locked, with fresh values even if the session already held it."""
    stmt = select(Refund).where(Refund.id == refund_id).execution_options(populate_existing=True)
    return (await session.scalars(locked(stmt, session))).first()


async def payment_for_update(session: AsyncSession, payment_id: int) -> Payment | None:
    """The payment, locked, with fresh values even if the session already held it."""
    stmt = (
        select(Payment).where(Payment.id == payment_id).execution_options(populate_existing=True)
    )
    stmt = locked(stmt, session)
    return (await session.scalars(stmt)).first()


async def open_payment(
    session: AsyncSession,
    booking_id: int,
    gateway: str,
    kind: str,
    amount: int,
    *,
    since: datetime,
) -> Payment | None:
    """A fresh pending payment the payer can still use, so a double tap makes one payment."""
    stmt = (
        select(Payment)
        .where(
            Payment.booking_id == booking_id,
            Payment.gateway == gateway,
            Payment.kind == kind,
            Payment.amount == amount,
            Payment.status == "pending",
            Payment.created_at >= since,
        )
        .order_by(Payment.id.desc())
    )
    return (await session.scalars(stmt)).first()


async def payments_of(session: AsyncSession, booking_id: int) -> Sequence[Payment]:
    stmt = select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id)
    return (await session.scalars(stmt)).all()


async def refunds_of(session: AsyncSession, booking_id: int) -> Sequence[Refund]:
    stmt = select(Refund).where(Refund.booking_id == booking_id).order_by(Refund.id)
    return (await session.scalars(stmt)).all()


async def client_by_telegram(session: AsyncSession, telegram_id: int) -> Client | None:
    return (await session.scalars(select(Client).where(Client.telegram_id == telegram_id))).first()


async def add_with_derived_key(
    session: AsyncSession, row: Payment | Refund, key_of: Callable[[int], str]
) -> None:
    """Insert a payment or refund, then give it the idempotency key derived from its id, so
    that every retry towards the gateway sends the same key. The random placeholder only
    holds the unique column until the id is known."""
    row.idempotency_key = f"new-{uuid.uuid4().hex}"
    session.add(row)
    await session.flush()
    row.idempotency_key = key_of(row.id)


async def upsert_telegram_client(
    session: AsyncSession, telegram_id: int, changes: dict[str, Any]
) -> Client:
    """The Telegram user's client, created with `changes` or updated with them (and marked
    reachable), in one INSERT .. ON CONFLICT statement that returns the row."""
    insert_into = postgresql.insert if is_postgres(session) else sqlite.insert
    stmt = (
        insert_into(Client)
        .values(
            {
                "name": "",
                "language": "ru",
                **changes,
                "telegram_id": telegram_id,
                "created_at": session_clock(session)(),
            }
        )
        .on_conflict_do_update(
            index_elements=[Client.telegram_id], set_={"bot_blocked": False, **changes}
        )
        .returning(Client)
    )
    result = await session.scalars(stmt, execution_options={"populate_existing": True})
    return result.one()


async def list_bookings(
    session: AsyncSession,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    hall_id: int | None = None,
    statuses: Sequence[str] = (),
    client_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
    newest_first: bool = False,
) -> Sequence[Booking]:
    conditions = []
    if start is not None:
        conditions.append(Booking.end_at > start)
    if end is not None:
        conditions.append(Booking.start_at < end)
    if hall_id is not None:
        conditions.append(Booking.hall_id == hall_id)
    if statuses:
        conditions.append(Booking.status.in_(statuses))
    if client_id is not None:
        conditions.append(Booking.client_id == client_id)
    order = Booking.start_at.desc() if newest_first else Booking.start_at
    stmt = select(Booking).where(and_(True, *conditions)).order_by(order, Booking.id)
    return (await session.scalars(stmt.limit(limit).offset(offset))).all()


async def due_holds(session: AsyncSession, now: datetime, limit: int) -> Sequence[Booking]:
    """Expired holds, claimed so that two processes never expire the same one."""
    stmt = (
        select(Booking)
        .where(Booking.status == "pending_payment", Booking.hold_expires_at <= now)
        .order_by(Booking.hold_expires_at)
        .limit(limit)
    )
    stmt = locked(stmt, session, skip_locked=True)
    return (await session.scalars(stmt)).all()


async def finished_bookings(session: AsyncSession, now: datetime, limit: int) -> Sequence[Booking]:
    stmt = (
        select(Booking)
        .where(Booking.status == "confirmed", Booking.end_at <= now)
        .order_by(Booking.end_at)
        .limit(limit)
    )
    stmt = locked(stmt, session, skip_locked=True)
    return (await session.scalars(stmt)).all()


async def stale_pending_payments(
    session: AsyncSession, older_than: datetime, limit: int, *, newer_than: datetime
) -> Sequence[Payment]:
    """Payments still pending after a while: their webhook may have been lost.

    Links older than `newer_than` have lapsed at every gateway; asking again is pointless.
    Each is asked about at most once per `older_than`, the least recently asked first, so
    a crowd of abandoned checkouts takes turns with the rest instead of blocking them.
    """
    last_asked = func.coalesce(Payment.checked_at, Payment.created_at)
    stmt = (
        select(Payment)
        .where(
            Payment.status.in_(("pending", "authorized")),
            Payment.gateway_payment_id.is_not(None),
            Payment.created_at >= newer_than,
            last_asked <= older_than,
        )
        .order_by(last_asked, Payment.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def link_payment(
    session: AsyncSession,
    payment_id: int,
    gateway_payment_id: str,
    confirmation_url: str,
    raw: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Store a gateway's answer to creating the payment, unless the payment is already
    linked to another of the gateway's payments; True if stored."""
    result = await session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id,
            or_(
                Payment.gateway_payment_id.is_(None),
                Payment.gateway_payment_id == gateway_payment_id,
            ),
        )
        .values(
            gateway_payment_id=gateway_payment_id,
            confirmation_url=confirmation_url,
            raw=dict(raw),
            error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def mark_asked(session: AsyncSession, payment_id: int, now: datetime) -> None:
    """The gateway is still being asked to create the payment (unless it has answered)."""
    await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.asked_at.is_not(None))
        .values(asked_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def mark_checked(session: AsyncSession, payment_ids: Sequence[int], now: datetime) -> None:
    """Reconciliation asked the gateway about these payments now."""
    if payment_ids:
        await session.execute(
            update(Payment)
            .where(Payment.id.in_(payment_ids))
            .values(checked_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )


async def pending_refunds(
    session: AsyncSession, older_than: datetime, limit: int, now: datetime
) -> Sequence[Refund]:
    """Refunds still pending, untouched since `older_than` and past their pause."""
    stmt = (
        select(Refund)
        .where(
            Refund.status == "pending",
            Refund.updated_at <= older_than,
            or_(Refund.retry_at.is_(None), Refund.retry_at <= now),
        )
        .order_by(Refund.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def pending_events(session: AsyncSession, now: datetime, limit: int) -> Sequence[Event]:
    stmt = (
        select(Event)
        .where(
            Event.processed_at.is_(None),
            or_(Event.next_attempt_at.is_(None), Event.next_attempt_at <= now),
        )
        .order_by(Event.id)
        .limit(limit)
    )
    stmt = locked(stmt, session, skip_locked=True)
    return (await session.scalars(stmt)).all()


async def due_notifications(
    session: AsyncSession, now: datetime, limit: int, channels: Sequence[str]
) -> Sequence[Notification]:
    """Pending messages that are due, and claimed ones whose sender's lease ran out."""
    stmt = (
        select(Notification)
        .where(
            Notification.status.in_(("pending", "sending")),
            Notification.channel.in_(channels),
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    stmt = locked(stmt, session, skip_locked=True)
    return (await session.scalars(stmt)).all()


async def list_events(
    session: AsyncSession, *, after_id: int = 0, booking_id: int | None = None, limit: int = 100
) -> Sequence[Event]:
    stmt = select(Event).where(Event.id > after_id)
    if booking_id is not None:
        stmt = stmt.where(Event.booking_id == booking_id)
    return (await session.scalars(stmt.order_by(Event.id).limit(limit))).all()


async def list_notifications(
    session: AsyncSession, *, statuses: Sequence[str] = (), limit: int = 100, offset: int = 0
) -> Sequence[Notification]:
    stmt = select(Notification)
    if statuses:
        stmt = stmt.where(Notification.status.in_(statuses))
    stmt = stmt.order_by(Notification.id.desc()).limit(limit).offset(offset)
    return (await session.scalars(stmt)).all()


async def count_bookings(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Booking)) or 0)


async def claim_stuck_notice(session: AsyncSession, payment_id: int, now: datetime) -> bool:
    """Mark a payment as stuck, told to admins now; false if another process did first."""
    result = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.stuck_told_at.is_(None))
        .values(stuck_told_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
