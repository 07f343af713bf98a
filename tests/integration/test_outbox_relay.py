"""The outbox relay: each event is relayed once, and a handler that fails on one event holds
back neither the others nor itself once fixed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

import jobs.outbox
from db.outbox import Event, Notification
from jobs.outbox import relay_events
from notifications.channels import Channels
from notifications.outbox import render_event
from tests.support import Running, make_booking, msk

ADMINS = Channels(telegram=True, admin_telegram_ids=(4242,))


async def confirmed_events(running: Running, days: tuple[int, ...]) -> list[Event]:
    """Bookings confirmed on these days, and the events the admins are told of."""
    for day in days:
        await make_booking(running.sessionmaker, running.deps, start=msk(day, 12))
    async with running.sessionmaker() as session:
        stmt = select(Event).where(Event.type == "booking.confirmed").order_by(Event.id)
        return list((await session.scalars(stmt)).all())


async def admin_alerts(running: Running) -> list[int]:
    async with running.sessionmaker() as session:
        stmt = select(Notification.event_id).where(Notification.recipient == "4242")
        return sorted(e for e in (await session.scalars(stmt)).all() if e is not None)


async def test_each_event_relayed_once(running: Running) -> None:
    events = await confirmed_events(running, (3, 4, 5))
    relayed = await relay_events(running.sessionmaker, running.deps, ADMINS)
    assert relayed >= 3
    assert await admin_alerts(running) == [e.id for e in events]
    assert await relay_events(running.sessionmaker, running.deps, ADMINS) == 0
    assert await admin_alerts(running) == [e.id for e in events]


async def test_events_relayed_again_queue_no_second_message(running: Running) -> None:
    """An event whose processed mark was lost after its messages were queued: relayed again,
    in a batch or alone, it queues nothing twice."""
    events = await confirmed_events(running, (3, 4))
    assert await relay_events(running.sessionmaker, running.deps, ADMINS) >= 2
    for relay in ("batch", "alone"):
        async with running.sessionmaker() as session:
            for row in (await session.scalars(select(Event))).all():
                row.processed_at = None
            await session.commit()
        if relay == "batch":
            await relay_events(running.sessionmaker, running.deps, ADMINS)
        else:
            for e in events:
                assert await jobs.outbox._relay_one(
                    running.sessionmaker, running.deps, ADMINS, e.id
                )
        assert await admin_alerts(running) == [e.id for e in events]


async def test_a_failing_event_is_retried_alone_and_the_rest_go_through(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await confirmed_events(running, (3, 4, 5))
    broken = events[1].id

    async def render_or_fail(session: Any, deps: Any, channels: Any, event: Event) -> Any:
        if event.id == broken:
            raise RuntimeError("template bug")
        return await render_event(session, deps, channels, event)

    monkeypatch.setattr(jobs.outbox, "render_event", render_or_fail)
    await relay_events(running.sessionmaker, running.deps, ADMINS)
    assert await admin_alerts(running) == [events[0].id, events[2].id]
    async with running.sessionmaker() as session:
        failed = await session.get(Event, broken)
        assert failed is not None and failed.processed_at is None
        assert failed.attempts == 1 and "template bug" in (failed.last_error or "")

    monkeypatch.setattr(jobs.outbox, "render_event", render_event)  # the fix is deployed
    running.clock.advance(minutes=10)  # past the retry's back-off
    await relay_events(running.sessionmaker, running.deps, ADMINS)
    assert await admin_alerts(running) == [e.id for e in events]


async def test_each_admin_reads_their_own_language(running: Running) -> None:
    """Notices follow each admin's Telegram language (Russian when the bot has not met
    them), and name the hall in it, whatever the client's language."""
    # The English-speaking admin booked once, so the bot knows their language.
    await make_booking(
        running.sessionmaker, running.deps, start=msk(4, 12), telegram_id=4243, language="en"
    )
    channels = Channels(telegram=True, admin_telegram_ids=(4242, 4243))
    await relay_events(running.sessionmaker, running.deps, channels)
    booking = await make_booking(
        running.sessionmaker, running.deps, start=msk(3, 12), telegram_id=777, language="en"
    )
    for relay in ("batch", "alone"):
        if relay == "alone":  # the one-by-one path reads the languages itself
            booking = await make_booking(
                running.sessionmaker, running.deps, start=msk(5, 12), telegram_id=778
            )
            async with running.sessionmaker() as session:
                of_booking = select(Event).where(Event.booking_id == booking.id)
                for pending in (await session.scalars(of_booking)).all():
                    await render_event(session, running.deps, channels, pending)
                    pending.processed_at = running.deps.now()
                await session.commit()
        else:
            await relay_events(running.sessionmaker, running.deps, channels)
        async with running.sessionmaker() as session:
            queued = select(Notification).where(Notification.booking_id == booking.id)
            sent = [(n.recipient, n.text) for n in (await session.scalars(queued)).all()]
        russian = [body for to, body in sent if to == "4242"]
        english = [body for to, body in sent if to == "4243"]
        assert [body.split(" ")[1] for body in russian] == ["Оплачена"], relay
        assert [body.split(": ")[1].split(",")[0] for body in russian] == ["Белый зал"]
        assert [body.split(" ")[1] for body in english] == ["Booking"], relay
        assert [body.split(": ")[1].split(",")[0] for body in english] == ["White hall"]
