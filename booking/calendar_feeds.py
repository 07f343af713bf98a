"""The staff's calendar feeds: one secret address per hall and one for the whole studio, so
that Google, Apple or Outlook calendars show the bookings. A feed is read from the database
at each request, so it follows every change; a new token (an admin's command) turns the old
address off at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.events import EventType, record_event
from db.models import Booking, CalendarFeed, Client, Hall

#: How far back a feed reaches: recent sessions stay visible, old ones drop off.
PAST = timedelta(days=30)
SHOWN = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


@dataclass(frozen=True, slots=True)
class FeedLink:
    hall: Hall | None  # None: the whole studio
    token: str


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """What a feed shows of a booking: what staff need, no phone, no e-mail."""

    code: str
    hall_name: str
    client_name: str
    start: datetime
    end: datetime
    status: str
    created_at: datetime
    updated_at: datetime


async def feed_links(
    session: AsyncSession, deps: BookingDeps, *, renew: bool = False
) -> list[FeedLink]:
    """The studio's feed and each active hall's, made on first use; `renew` replaces every
    token, so the addresses handed out before answer nothing."""
    if renew:
        await session.execute(delete(CalendarFeed))
        record_event(session, EventType.FEEDS_RENEWED)
    feeds = {f.hall_id: f for f in (await session.scalars(select(CalendarFeed))).all()}
    halls = (await session.scalars(select(Hall).where(Hall.active).order_by(Hall.id))).all()
    links = []
    for hall in (None, *halls):
        hall_id = hall.id if hall is not None else None
        feed = feeds.get(hall_id)
        if feed is None:
            feed = CalendarFeed(hall_id=hall_id, token=secrets.token_urlsafe(24))
            session.add(feed)
        links.append(FeedLink(hall, feed.token))
    await session.commit()
    return links


async def feed_entries(
    session: AsyncSession, deps: BookingDeps, token: str
) -> tuple[Hall | None, list[FeedEntry]] | None:
    """The bookings of the feed with this token, or None when no feed has it."""
    feed = await session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None:
        return None
    now = deps.now()
    query = (
        select(Booking, Hall, Client)
        .join(Hall, Hall.id == Booking.hall_id)
        .join(Client, Client.id == Booking.client_id)
        .where(
            Booking.status.in_([str(s) for s in SHOWN]),
            Booking.end_at >= now - PAST,
            or_(
                Booking.status != BookingStatus.PENDING_PAYMENT,
                Booking.hold_expires_at > now,
            ),
        )
        .order_by(Booking.start_at)
    )
    hall = None
    if feed.hall_id is not None:
        hall = await session.get(Hall, feed.hall_id)
        query = query.where(Booking.hall_id == feed.hall_id)
    entries = [
        FeedEntry(
            code=booking.code,
            hall_name=booking_hall.name,
            client_name=client.name,
            start=booking.start_at,
            end=booking.end_at,
            status=booking.status,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )
        for booking, booking_hall, client in await session.execute(query)
    ]
    return hall, entries
