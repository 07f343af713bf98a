"""Queries of halls, bookings, clients, events and notifications, used by the use cases and
the edges; those of payments and refunds are in db/payment_queries.py. None of them commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased

from db.changes import BookingChange
from db.clock import session_clock
from db.models import Booking, Client, Closure, Event, Hall, Notification, StudioHours

LIVE = ("pending_payment", "confirmed", "completed", "change_hold")
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
    """Fresh even if the session holds the rows: a second look at the hours
    (booking.hours_lock) must see a change made meanwhile."""
    stmt = select(StudioHours).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).all()


async def busy_spans(
    session: AsyncSession,
    hall_id: int,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    besides: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """[start, blocked_until) of the hall's live bookings touching the window.

    A hold past its expiry no longer counts, even before the sweeper marks it expired.
    `besides`: a booking being moved, whose own time (and the time its pending change
    holds) is not in its way.
    """
    stmt = select(Booking.start_at, Booking.blocked_until).where(
        Booking.hall_id == hall_id,
        Booking.status.in_(LIVE),
        Booking.start_at > start - MAX_BLOCKED_SPAN,
        Booking.start_at < end,
        Booking.blocked_until > start,
        or_(
            Booking.status.not_in(("pending_payment", "change_hold")),
            Booking.hold_expires_at > now,
        ),
    )
    if besides is not None:
        own_changes = select(BookingChange.id).where(BookingChange.booking_id == besides)
        stmt = stmt.where(
            Booking.id != besides,
            or_(Booking.change_id.is_(None), Booking.change_id.not_in(own_changes)),
        )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def calendar_spans(
    session: AsyncSession,
    hall_id: int,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    besides: int | None = None,
) -> list[tuple[str, datetime, datetime]]:
    """Busy time ("b") and closures ("c") of a hall touching the window (`besides`:
    busy_spans)."""
    busy = await busy_spans(session, hall_id, start, end, now=now, besides=besides)
    closed = await closure_spans(session, hall_id, start, end)
    return [("b", *span) for span in busy] + [("c", *span) for span in closed]


async def closure_spans(
    session: AsyncSession, hall_id: int | None, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The closures of the whole studio and of hall `hall_id` (None: the studio's alone)
    touching [start, end)."""
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
    """Holds past their expiry that overlap a window, a change's held time among them: they
    must be expired before a new hold."""
    stmt = (
        select(Booking)
        .where(
            Booking.hall_id == hall_id,
            Booking.status.in_(("pending_payment", "change_hold")),
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


async def client_by_telegram(session: AsyncSession, telegram_id: int) -> Client | None:
    return (await session.scalars(select(Client).where(Client.telegram_id == telegram_id))).first()


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


def not_change_hold() -> ColumnElement[bool]:
    """Leaves out the rows that held time for a change of a booking (booking/changes.py):
    they are no one's booking, live or lapsed."""
    return or_(Booking.change_id.is_(None), Booking.status.not_in(("change_hold", "expired")))


def is_change_hold(booking: Booking) -> bool:
    return booking.change_id is not None and booking.status in ("change_hold", "expired")


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
    conditions = [not_change_hold()]
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
    return await _claimed_when_due(session, "pending_payment", Booking.hold_expires_at, now, limit)


async def finished_bookings(session: AsyncSession, now: datetime, limit: int) -> Sequence[Booking]:
    return await _claimed_when_due(session, "confirmed", Booking.end_at, now, limit)


async def _claimed_when_due(
    session: AsyncSession, status: str, due_at: QueryableAttribute[Any], now: datetime, limit: int
) -> Sequence[Booking]:
    """Bookings of `status` whose `due_at` has come, soonest first, locked skipping the rows
    another process holds: each of the processes a job runs in takes its own."""
    stmt = (
        select(Booking)
        .where(Booking.status == status, due_at <= now)
        .order_by(due_at)
        .limit(limit)
    )
    return (await session.scalars(locked(stmt, session, skip_locked=True))).all()


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
    session: AsyncSession,
    now: datetime,
    limit: int,
    channels: Sequence[str],
    per_recipient: int | None = None,
) -> Sequence[Notification]:
    """Pending messages that are due, and claimed ones whose sender's lease ran out.

    A recipient with a message being sent under a live lease (by this process or another)
    is left out, and at most `per_recipient` messages of one recipient are returned: one
    chat takes a message a second, so a claim of a whole backlog for one chat would hold
    its tail past the lease. The rows not returned stay unlocked for the next claim."""
    sending = aliased(Notification)
    busy = (
        select(sending.id)
        .where(
            sending.channel == Notification.channel,
            sending.recipient == Notification.recipient,
            sending.status == "sending",
            sending.next_attempt_at > now,
        )
        .exists()
    )
    stmt = (
        select(Notification)
        .where(
            Notification.status.in_(("pending", "sending")),
            Notification.channel.in_(channels),
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            ~busy,
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    stmt = locked(stmt, session, skip_locked=True)
    rows = (await session.scalars(stmt)).all()
    if per_recipient is None:
        return rows
    taken: dict[tuple[str, str], int] = {}
    kept = []
    for row in rows:
        key = (row.channel, row.recipient)
        if taken.get(key, 0) < per_recipient:
            taken[key] = taken.get(key, 0) + 1
            kept.append(row)
    return kept


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


def held_for_changes(
    now: datetime,
) -> tuple[type[Booking], type[Booking], Select[Booking, Booking, BookingChange]]:
    """(held, parent, their select): aliases of the `change_hold` rows whose hold has not
    lapsed and of the bookings whose pending change they hold time for. A check of the time
    bookings take (a closure, new hours) counts that time as the parent's: paying the
    change moves the booking there. A held row's span runs to the buffer after the change's
    session; the session itself ends at `BookingChange.end_at`."""
    held, parent = aliased(Booking), aliased(Booking)
    stmt = (
        select(held, parent, BookingChange)
        .select_from(held)
        .join(BookingChange, BookingChange.id == held.change_id)
        .join(parent, parent.id == BookingChange.booking_id)
        .where(held.status == "change_hold", held.hold_expires_at > now)
    )
    return held, parent, stmt


async def change_hold_rows(session: AsyncSession, change_ids: Sequence[int]) -> Sequence[Booking]:
    """The rows still holding time for these changes, locked in id order."""
    stmt = (
        select(Booking)
        .where(Booking.change_id.in_(change_ids), Booking.status == "change_hold")
        .order_by(Booking.id)
    )
    return (await session.scalars(locked(stmt, session))).all()


async def first_held(session: AsyncSession, change_id: int, besides: int) -> Booking | None:
    """The earliest row that held time for a change, live or let go (not the booking
    `besides` the change is of): where its time was."""
    stmt = (
        select(Booking)
        .where(
            Booking.change_id == change_id,
            Booking.id != besides,
            Booking.status.in_(("change_hold", "expired")),
        )
        .order_by(Booking.start_at)
        .limit(1)
    )
    return (await session.scalars(stmt)).first()
