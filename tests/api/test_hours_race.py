"""A change of the opening hours at the very moment a client holds a slot those hours would
leave out: one of the two loses cleanly, and no booking ends up outside the hours stored.
The change is made as another process would make it (an engine of its own: on SQLite one
process's pool already lets one transaction run at a time). Run on SQLite and on PostgreSQL
(TEST_DATABASE=postgres)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

import booking.holds
from booking.availability import hall_calendar
from booking.studio_checks import StudioConflict, live_bookings, outside_hours
from booking.studio_edit import set_hours
from db.models import Booking, Hall
from db.session import create_engine, create_sessionmaker
from tests.support import Running

HOURS = "/api/studio/hours"
CONFLICTS: list[StudioConflict] = []


async def change_hours(running: Running, data: dict[str, Any]) -> str:
    """The hours changed over a connection of another engine: "" or the refusal's code."""
    engine = create_engine(str(running.sessionmaker.kw["bind"].url.render_as_string(False)))
    try:
        async with create_sessionmaker(engine, running.deps.now)() as session:
            try:
                await set_hours(session, running.deps, data, "api")
            except StudioConflict as refused:
                CONFLICTS.append(refused)
                return refused.code
        return ""
    finally:
        await engine.dispose()


async def test_hours_changed_while_a_slot_is_held(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hold has read the hours (Thursday 09:00-22:00) and pauses before writing; the
    hours change to close Thursday at 13:00 meanwhile; then the hold goes on."""
    read_hours, go_on = asyncio.Event(), asyncio.Event()
    upsert = booking.holds.upsert_client

    async def paused(*args: Any, **kwargs: Any) -> Any:
        read_hours.set()
        await go_on.wait()
        return await upsert(*args, **kwargs)

    monkeypatch.setattr(booking.holds, "upsert_client", paused)
    _, hours = await running.api.admin("GET", HOURS)
    shorter = {"hours": {**hours["hours"], "thu": ["09:00", "13:00"]}}
    hold = asyncio.create_task(running.api.book(day=3, hour=12))  # Thursday 12:00-14:00
    await asyncio.wait_for(read_hours.wait(), 10)
    change = asyncio.create_task(change_hours(running, shorter))
    await asyncio.sleep(0.5)  # the change runs as far as it can
    go_on.set()
    (held, held_body), changed = await asyncio.gather(hold, change)
    changed_conflict = CONFLICTS.pop() if changed else None

    assert (held, changed) in ((201, "bookings_outside_hours"), (400, "")), held_body
    if held == 201:  # the change waited for the hold and saw it
        assert changed_conflict is not None
        assert changed_conflict.bookings == [held_body["code"]]
    else:  # the hold read the new hours again
        assert held_body["error"]["code"] == "outside_hours"
    async with running.sessionmaker() as session:
        stored = await hall_calendar(session, await session.get_one(Hall, 1))
        live = await live_bookings(session, running.deps.now())
        assert outside_hours(live, stored.hours, stored.days, running.deps.rules.tz) == []
        made = (await session.scalars(select(Booking))).all()
    assert len(made) == (1 if held == 201 else 0)
