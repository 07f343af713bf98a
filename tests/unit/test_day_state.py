"""Why a day without a free start has one: only a full day is FULL (the one state whose
waitlist the bot offers, the same test the waitlist applies); every other one has a reason
the bot states plainly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.day_state import DayState, day_state, state_of
from booking.deps import BookingDeps
from booking.domain import BookingWindow, DayHours, HallCalendar, Interval, day_availability
from db.models import Closure
from tests.support import msk

MSK = ZoneInfo("Europe/Moscow")
HALL = HallCalendar(
    min_minutes=60, buffer_minutes=15, hours={w: DayHours(10 * 60, 22 * 60) for w in range(7)}
)
WINDOW = BookingWindow(tz=MSK, min_notice=timedelta(hours=2), horizon_days=30)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=MSK).astimezone(UTC)
TODAY = date(2026, 12, 1)


def span(day: date, start: str, end: str) -> Interval:
    """Local [start, end) of `day`; "24:00" is the next midnight."""

    def moment(hhmm: str) -> datetime:
        if hhmm == "24:00":
            return datetime.combine(day + timedelta(days=1), time(), tzinfo=MSK)
        return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=MSK)

    return Interval(moment(start), moment(end))


DAY = date(2026, 12, 3)
SHORT_DAY = HallCalendar(
    min_minutes=60, buffer_minutes=15, hours=HALL.hours, days={DAY: DayHours(600, 645)}
)
OFF_DAY = HallCalendar(min_minutes=60, buffer_minutes=15, hours=HALL.hours, days={DAY: None})
BOOKED = [span(DAY, "10:00", "22:00")]
CLOSED = [span(DAY, "00:00", "24:00")]
CLOSED_BUT_HALF_AN_HOUR = [span(DAY, "00:00", "12:00"), span(DAY, "12:30", "24:00")]
EVENING = datetime(2026, 12, 1, 21, 0, tzinfo=MSK).astimezone(UTC)


def state(
    day: date = DAY,
    hall: HallCalendar = HALL,
    busy: list[Interval] | None = None,
    closures: list[Interval] | None = None,
    now: datetime = NOW,
    notice: timedelta = WINDOW.min_notice,
) -> DayState:
    window = replace(WINDOW, min_notice=notice)
    found = day_availability(day, hall, window, busy or [], closures or [], now)
    today = now.astimezone(MSK).date()
    return state_of(found, today, WINDOW.horizon_days, hall.min_minutes, now + notice)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({}, DayState.FREE),
        ({"busy": BOOKED}, DayState.FULL),
        ({"busy": BOOKED, "closures": [span(DAY, "10:00", "13:00")]}, DayState.FULL),
        ({"closures": CLOSED}, DayState.CLOSED),
        ({"busy": BOOKED, "closures": CLOSED}, DayState.CLOSED),
        ({"closures": CLOSED_BUT_HALF_AN_HOUR}, DayState.CLOSED),  # no booking fits
        ({"hall": SHORT_DAY}, DayState.SHORT),
        ({"hall": OFF_DAY}, DayState.DAY_OFF),
        ({"day": TODAY - timedelta(days=1)}, DayState.PAST),
        ({"day": TODAY + timedelta(days=WINDOW.horizon_days + 1)}, DayState.AHEAD),
        ({"day": TODAY + timedelta(days=WINDOW.horizon_days)}, DayState.FREE),
        ({"day": TODAY, "now": EVENING}, DayState.LATE),  # 2 h notice: past the last start
        # Two days' notice: tomorrow's last start (21:00) comes before it, not a closure.
        ({"day": TODAY + timedelta(days=1), "notice": timedelta(days=2)}, DayState.TOO_SOON),
        ({"day": TODAY + timedelta(days=2), "notice": timedelta(days=2)}, DayState.FREE),
        ({"day": TODAY + timedelta(days=1), "now": EVENING}, DayState.FREE),
    ],
)
def test_the_state_of_a_day(case: dict[str, object], expected: DayState) -> None:
    assert state(**case) is expected  # type: ignore[arg-type]


async def test_a_closure_of_one_hall_is_not_the_studio_closed(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    """The loft closed for the day: the loft's day says the hall is closed (another hall
    is open); the studio closed that day says the studio is."""

    async def states() -> tuple[DayState, DayState]:
        async with sessionmaker() as session:
            return (await day_state(session, deps, 1, DAY))[1], (
                await day_state(session, deps, 2, DAY)
            )[1]

    async with sessionmaker() as session:
        session.add(Closure(hall_id=1, start_at=msk(3, 0), end_at=msk(4, 0), created_at=NOW))
        await session.commit()
    assert await states() == (DayState.HALL_CLOSED, DayState.FREE)
    async with sessionmaker() as session:
        session.add(Closure(hall_id=None, start_at=msk(3, 0), end_at=msk(4, 0), created_at=NOW))
        await session.commit()
    assert await states() == (DayState.CLOSED, DayState.CLOSED)
