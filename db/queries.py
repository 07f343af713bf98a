"""Queries of halls, bookings, clients, events and notifications, used by the use cases and
the edges, and the row locks they share. What takes a hall's time is db/busy_time.py, the
rows background jobs claim db/job_claims.py, payments and refunds db/payment_queries.py.
None of them commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.changes import BookingChange
from db.clock import session_clock
from db.models import Booking, Client, Hall, StudioHours
from db.outbox import Event, Notification

SelectT = TypeVar("SelectT", bound=Select[Any])


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
