"""Reminders before a session: which are due, each once (also across processes), and the
message a client gets in Telegram, driven by a controllable clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.cancel import cancel_booking
from booking.deps import BookingDeps
from booking.events import EventType
from db.models import Booking
from db.outbox import Event, Notification, Reminder
from db.session import create_engine, create_sessionmaker
from jobs.outbox import relay_events
from jobs.reminders import reminder_job, reminder_windows, run_reminders
from notifications.channels import Channels
from notifications.delivery import deliver_due
from notifications.telegram import TelegramChannel
from tests.fakes.telegram_api import FakeTelegram
from tests.support import FakeClock, count, make_booking, msk, rows

HOURS = (24, 2)


async def reminders_of(
    sessionmaker: async_sessionmaker[AsyncSession], booking: Booking
) -> list[tuple[int, dict[str, object]]]:
    events = await rows(
        sessionmaker,
        Event,
        Event.booking_id == booking.id,
        Event.type == EventType.REMINDER_DUE,
    )
    return [(int(e.payload["hours"]), e.payload) for e in sorted(events, key=lambda e: e.id)]


def test_windows_are_bands_smallest_first() -> None:
    assert reminder_windows([24, 2]) == [(2, 0), (24, 2)]
    assert reminder_windows([2, 24, 24, 0, -1]) == [(2, 0), (24, 2)]
    assert reminder_windows([]) == []


async def test_24_and_2_hours_before_each_once(
    deps: BookingDeps, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))  # booked 51 h ahead
    start = booking.start_at
    for moment, expected in [
        (start - timedelta(hours=24, minutes=1), 0),
        (start - timedelta(hours=24), 1),
        (start - timedelta(hours=23), 0),
        (start - timedelta(hours=2, seconds=1), 0),
        (start - timedelta(hours=1, minutes=59), 1),
        (start - timedelta(minutes=1), 0),
        (start + timedelta(minutes=1), 0),
    ]:
        clock.now = moment
        assert await run_reminders(sessionmaker, deps, HOURS) == expected, moment
        assert await run_reminders(sessionmaker, deps, HOURS) == 0  # a repeat does nothing
    found = await reminders_of(sessionmaker, booking)
    assert [hours for hours, _ in found] == [24, 2]
    assert found[0][1] == {"hours": 24, "code": booking.code, "status": "confirmed"}
    assert await count(sessionmaker, Reminder, Reminder.booking_id == booking.id) == 2


async def test_booked_inside_a_window_skips_that_reminder(
    deps: BookingDeps, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = msk(3, 9)
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))  # 3 h ahead
    assert await run_reminders(sessionmaker, deps, HOURS) == 0
    clock.now = msk(3, 10)
    assert await run_reminders(sessionmaker, deps, HOURS) == 1
    assert [h for h, _ in await reminders_of(sessionmaker, booking)] == [2]
    clock.now = msk(3, 11)
    late = await make_booking(sessionmaker, deps, start=msk(3, 12, 15), hall_id=2)  # 75 min
    assert await run_reminders(sessionmaker, deps, HOURS) == 0
    assert await reminders_of(sessionmaker, late) == []


async def test_paid_late_counts_from_the_confirmation(
    deps: BookingDeps, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # Held 24 h 10 min ahead, paid 10 minutes later (23 h 59 min ahead): the confirmation
    # message is the news, a "24 hours" reminder a minute later would only repeat it.
    clock.now = msk(2, 11, 50)
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), paid=None)
    clock.now = msk(2, 12, 1)
    async with sessionmaker() as session:
        from booking.cash import confirm_by_hand

        await confirm_by_hand(session, deps, booking.id, None, "cash")
    assert await run_reminders(sessionmaker, deps, HOURS) == 0
    clock.now = msk(3, 10)
    assert await run_reminders(sessionmaker, deps, HOURS) == 1


async def test_no_reminder_for_cancelled_unpaid_or_started(
    deps: BookingDeps, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    cancelled = await make_booking(sessionmaker, deps, start=msk(3, 12))
    unpaid = await make_booking(sessionmaker, deps, start=msk(3, 12), hall_id=2, paid=None)
    started = await make_booking(sessionmaker, deps, start=msk(2, 10), hall_id=3)
    async with sessionmaker() as session:
        await cancel_booking(session, deps, cancelled.id, by_admin=True, reason="test")
    clock.now = msk(2, 12)  # cancelled/unpaid 24 h ahead; `started` began two hours ago
    assert await run_reminders(sessionmaker, deps, HOURS) == 0
    assert await count(sessionmaker, Reminder) == 0
    for booking in (cancelled, unpaid, started):
        assert await reminders_of(sessionmaker, booking) == []


async def test_after_downtime_only_the_nearest_reminder(
    deps: BookingDeps, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12))
    clock.now = msk(3, 11)  # the job did not run for two days
    assert await run_reminders(sessionmaker, deps, HOURS) == 1
    clock.now = msk(3, 11, 30)
    assert await run_reminders(sessionmaker, deps, HOURS) == 0
    assert [h for h, _ in await reminders_of(sessionmaker, booking)] == [2]


async def test_hours_are_configurable(
    deps: BookingDeps, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    booking = await make_booking(sessionmaker, deps, start=msk(4, 12))
    name, job, every = reminder_job(sessionmaker, deps, [48, 1], every=30)
    assert (name, every) == ("queue_reminders", 30)
    clock.now = msk(2, 12)
    assert await job() == 1
    clock.now = msk(3, 12)  # 24 h before: not configured
    assert await job() == 0
    clock.now = msk(4, 11)
    assert await job() == 1
    assert [h for h, _ in await reminders_of(sessionmaker, booking)] == [48, 1]


async def test_two_processes_queue_each_reminder_once(
    database_url: str,
    deps: BookingDeps,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    bookings = [
        await make_booking(sessionmaker, deps, start=msk(3, 10 + 3 * n, 0), hall_id=hall)
        for n in range(3)
        for hall in (1, 2, 3)
    ]
    other_engine = create_engine(database_url)  # a second process's connection pool
    try:
        other = create_sessionmaker(other_engine, deps.clock)
        clock.now = msk(2, 20)
        runs = [run_reminders(sm, deps, HOURS) for sm in (sessionmaker, other) for _ in (0, 1)]
        results = await asyncio.gather(*runs)
    finally:
        await other_engine.dispose()
    assert sum(results) == len(bookings) == 9
    assert await count(sessionmaker, Reminder) == 9
    assert await count(sessionmaker, Event, Event.type == EventType.REMINDER_DUE) == 9


# ------------------------------------------------------------------------------ to the client


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.make_bot()
    yield bot
    await bot.session.close()


async def test_client_gets_each_reminder_once_in_telegram(
    tg: FakeTelegram,
    bot: Bot,
    deps: BookingDeps,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    anna = tg.user(801, first_name="Анна")
    john = tg.user(802, first_name="John", language_code="en")
    channels = Channels(telegram=True, studio_address="Москва, ул. Примерная, 1")
    senders = {"telegram": TelegramChannel(bot, sessionmaker)}
    for user, hall, lang in ((anna, 1, "ru"), (john, 2, "en")):
        await make_booking(
            sessionmaker, deps, start=msk(3, 12), hall_id=hall, telegram_id=user.id, language=lang
        )

    async def tick() -> int:
        await run_reminders(sessionmaker, deps, HOURS)
        await relay_events(sessionmaker, deps, channels)
        return await deliver_due(sessionmaker, deps, senders)

    assert await tick() == 2  # the confirmations
    clock.now = msk(2, 12)
    assert await tick() == 2
    clock.now = msk(2, 13)
    assert await tick() == 0
    clock.now = msk(3, 10, 1)
    assert await tick() == 2
    assert await tick() == 0
    texts = [m["text"] for m in tg.messages(anna.id) if "text" in m]
    assert texts == [
        "Напоминаем: через 24 часа у вас съёмка — Белый зал, 03.12.2026 12:00–14:00.\n"
        "Москва, ул. Примерная, 1",
        "Напоминаем: через 2 часа у вас съёмка — Белый зал, 03.12.2026 12:00–14:00.\n"
        "Москва, ул. Примерная, 1",
    ]
    english = [m["text"] for m in tg.messages(john.id) if "text" in m]
    assert english[0].startswith(
        "A reminder: your session is in 24 hours — Loft, Thu, 3 December 2026, 12:00–14:00."
    )
    assert tg.stats.rate_limited == 0


async def test_after_downtime_the_reminder_says_the_time_left(
    tg: FakeTelegram,
    bot: Bot,
    deps: BookingDeps,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    anna = tg.user(803, first_name="Анна")
    channels = Channels(telegram=True, studio_address="Москва")
    senders = {"telegram": TelegramChannel(bot, sessionmaker)}
    await make_booking(sessionmaker, deps, start=msk(3, 12), telegram_id=anna.id)
    clock.now = msk(3, 2)  # the service was down from 24 h before until 10 h before
    assert await run_reminders(sessionmaker, deps, HOURS) == 1
    await relay_events(sessionmaker, deps, channels)
    await deliver_due(sessionmaker, deps, senders)
    texts = [m["text"] for m in tg.messages(anna.id) if "text" in m]
    assert texts == [
        "Напоминаем: через 10 часов у вас съёмка — Белый зал, 03.12.2026 12:00–14:00.\nМосква"
    ]


@pytest.mark.parametrize("what", ["cancelled", "started"])
async def test_a_reminder_held_back_is_not_sent_once_it_is_moot(
    tg: FakeTelegram,
    bot: Bot,
    deps: BookingDeps,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
    what: str,
) -> None:
    """Written, then held back (Telegram's retries can take hours); meanwhile the booking
    was cancelled or the session began: the reminder is dropped, not delivered late."""
    anna = tg.user(804, first_name="Анна")
    channels = Channels(telegram=True, studio_address="Москва")
    senders = {"telegram": TelegramChannel(bot, sessionmaker)}
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), telegram_id=anna.id)
    await relay_events(sessionmaker, deps, channels)
    await deliver_due(sessionmaker, deps, senders)  # the confirmation
    clock.now = msk(3, 10, 30)
    assert await run_reminders(sessionmaker, deps, HOURS) == 1
    await relay_events(sessionmaker, deps, channels)  # written, not yet delivered
    if what == "cancelled":
        async with sessionmaker() as session:
            await cancel_booking(session, deps, booking.id, by_admin=True, reason="test")
    else:
        clock.now = msk(3, 12, 5)
    await deliver_due(sessionmaker, deps, senders)
    texts = [m.get("text") or m.get("caption", "") for m in tg.messages(anna.id)]
    assert not [t for t in texts if t.startswith("Напоминаем")]
    [reminder] = [
        n for n in await rows(sessionmaker, Notification) if n.extra.get("kind") == "reminder"
    ]
    assert reminder.status == "skipped" and reminder.last_error
