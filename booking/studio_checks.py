"""What a change of the studio must not do to the bookings already made: put one outside
the opening hours, over a stock or over a hall's capacity. Each check answers the codes of
the bookings in the way, so the refusal can name them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.domain.calendar import DayHours, HallCalendar, opening_interval
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, DomainError
from booking.studio_file import WEEKDAYS
from db import queries
from db.models import Booking
from db.sales import BookingAddon


class StudioConflict(DomainError):
    """The change would leave live bookings (`bookings`, their codes) outside what the
    studio offers; nothing was changed (HTTP 409)."""

    def __init__(self, code: str, message: str, bookings: Sequence[str] = ()) -> None:
        listed = ", ".join(bookings)
        text = f"{message} Bookings: {listed}." if listed else message
        super().__init__(code, text, bookings=listed)
        self.bookings = list(bookings)
        self.reason = message

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.code, self.reason, self.bookings)


def check_hours_change(
    weekly: Mapping[int, DayHours],
    days: Mapping[date, DayHours | None],
    stored_weekly: Mapping[int, DayHours],
    stored_days: Mapping[date, DayHours | None],
    today: date,
    step_minutes: int,
) -> None:
    """Hours an admin sets: on the grid starts are offered on, every `step_minutes` (an
    opening or a closing off it could not be met; 400 `hours_off_grid`), and no date
    before `today` set or changed (400 `date_in_past`). A span stored already may be sent
    back as it is, since an edit sends the whole table: a studio file may hold 09:50, and
    such a studio still edits its other days."""
    spans: list[tuple[str, DayHours | None]] = [
        (f"hours.{WEEKDAYS[weekday]}", span)
        for weekday, span in sorted(weekly.items())
        if stored_weekly.get(weekday) != span
    ]
    for day, span in sorted(days.items()):
        where = f"days.{day.isoformat()}"
        if day in stored_days and stored_days[day] == span:
            continue
        if day < today:
            raise BookingRuleError(
                "date_in_past", f"{where}: this date has passed; set today's or a later one."
            )
        spans.append((where, span))
    for where, span in spans:
        for minute in (span.open_minute, span.close_minute) if span else ():
            if minute % step_minutes:
                marks = ", ".join(f":{m:02d}" for m in range(0, 60, step_minutes))
                raise BookingRuleError(
                    "hours_off_grid",
                    f"{where}: {minute // 60:02d}:{minute % 60:02d} is not on the "
                    f"{step_minutes}-minute grid; use {marks}.",
                )


def _live(now: datetime) -> ColumnElement[bool]:
    """Bookings that still hold their time: confirmed, or a hold that has not lapsed, and
    not over yet."""
    return and_(
        Booking.end_at > now,
        or_(
            Booking.status == BookingStatus.CONFIRMED,
            (Booking.status == BookingStatus.PENDING_PAYMENT) & (Booking.hold_expires_at > now),
        ),
    )


@dataclass(frozen=True, slots=True)
class TakenTime:
    """Time a live booking takes, named by its code: its own span, or the span its pending
    change holds (paying the change moves it there)."""

    code: str
    hall_id: int
    start_at: datetime
    end_at: datetime
    #: The people it brings: as its client chose, else the number it is counted for.
    people: int | None


def people_of(booking: Booking) -> int | None:
    """The people a booking brings, as a hall's capacity must take them: the number its
    client chose (a move checks the same), else the number it is counted for."""
    return booking.guests_chosen if booking.guests_chosen is not None else booking.guests


async def live_bookings(
    session: AsyncSession, now: datetime, hall_id: int | None = None
) -> list[TakenTime]:
    stmt = select(Booking).where(_live(now)).order_by(Booking.start_at, Booking.id)
    held, parent, holding = queries.held_for_changes(now)
    holding = holding.where(held.end_at > now).order_by(held.start_at, held.id)
    if hall_id is not None:
        stmt = stmt.where(Booking.hall_id == hall_id)
        holding = holding.where(held.hall_id == hall_id)
    taken = [
        TakenTime(b.code, b.hall_id, b.start_at, b.end_at, people_of(b))
        for b in (await session.scalars(stmt)).all()
    ]
    for row, owner, change in (await session.execute(holding)).all():
        end = min(row.end_at, change.end_at)  # the held span's buffer is no session time
        taken.append(TakenTime(owner.code, row.hall_id, row.start_at, end, people_of(owner)))
    return taken


def over_capacity(bookings: Sequence[TakenTime], capacity: int) -> list[str]:
    """Codes of the bookings that bring more people than `capacity`."""
    found = (b.code for b in bookings if b.people is not None and b.people > capacity)
    return list(dict.fromkeys(found))


def outside_hours(
    bookings: Sequence[TakenTime],
    hours: Mapping[int, DayHours],
    days: Mapping[date, DayHours | None],
    tz: ZoneInfo,
) -> list[str]:
    """Codes of the bookings that the hours `hours` and `days` would not fit."""
    calendar = HallCalendar(min_minutes=15, buffer_minutes=0, hours=hours, days=days)
    found: dict[str, None] = {}
    for booking in bookings:
        opening = opening_interval(booking.start_at.astimezone(tz).date(), calendar, tz)
        if opening is None or booking.start_at < opening.start or booking.end_at > opening.end:
            found[booking.code] = None
    return list(found)


async def over_stock(session: AsyncSession, addon_id: int, stock: int, now: datetime) -> list[str]:
    """Codes of the live bookings that together hold more of the add-on at once than
    `stock` (each booking's span, buffer included, as the stock counts it)."""
    stmt = (
        select(Booking.code, Booking.start_at, Booking.blocked_until, BookingAddon.quantity)
        .join(BookingAddon, BookingAddon.booking_id == Booking.id)
        .where(BookingAddon.addon_id == addon_id, _live(now))
        .order_by(Booking.start_at)
    )
    rows = (await session.execute(stmt)).all()
    found: dict[str, None] = {}
    for _code, start, _end, _quantity in rows:
        at_once = [row for row in rows if row[1] <= start < row[2]]
        if sum(row[3] for row in at_once) > stock:
            found.update(dict.fromkeys(row[0] for row in at_once))
    return list(found)


async def addon_booked_in(
    session: AsyncSession, addon_id: int, now: datetime
) -> list[tuple[str, int]]:
    """(code, hall id) of the live bookings that took the add-on."""
    stmt = (
        select(Booking.code, Booking.hall_id)
        .join(BookingAddon, BookingAddon.booking_id == Booking.id)
        .where(BookingAddon.addon_id == addon_id, _live(now))
        .order_by(Booking.start_at)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
