"""A change of the opening hours at the very moment a client holds a slot those hours would
leave out, or a booking is moved or made longer into such time: one of the two loses
cleanly, and no booking ends up outside the hours stored.
The change is made as another process would make it (an engine of its own: on SQLite one
process's pool already lets one transaction run at a time). Run on SQLite and on PostgreSQL
(TEST_DATABASE=postgres)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

import booking.changes
import booking.holds
from booking.availability import hall_calendar
from booking.studio_checks import StudioConflict, live_bookings, outside_hours
from booking.studio_edit import set_hours
from db.models import Booking, Hall
from db.session import create_engine, create_sessionmaker
from tests.api.test_extend import extend
from tests.api.test_reschedule import move, paid_booking, rub
from tests.support import Running, moscow

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


def pause_at(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Any:
    """`module.name` made to wait for `go_on` (set by the caller) once it is called: the
    request pauses there, after reading the hours and before its first write."""
    reached, go_on = asyncio.Event(), asyncio.Event()
    original = getattr(module, name)

    async def paused(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        await go_on.wait()
        return await original(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)
    return reached, go_on


async def while_paused(
    running: Running, paused: Any, request: Any, close_thursday_at: str
) -> tuple[tuple[int, Any], str]:
    """`request` pauses (pause_at); the hours change to close Thursday at
    `close_thursday_at` meanwhile; then it goes on. Its answer and the change's outcome."""
    reached, go_on = paused
    _, hours = await running.api.admin("GET", HOURS)
    shorter = {"hours": {**hours["hours"], "thu": ["09:00", close_thursday_at]}}
    made = asyncio.create_task(request)
    await asyncio.wait_for(reached.wait(), 10)
    change = asyncio.create_task(change_hours(running, shorter))
    await asyncio.sleep(0.5)  # the change runs as far as it can
    go_on.set()
    answer, changed = await asyncio.gather(made, change)
    return answer, changed


async def none_outside_hours(running: Running) -> None:
    async with running.sessionmaker() as session:
        stored = await hall_calendar(session, await session.get_one(Hall, 1))
        live = await live_bookings(session, running.deps.now())
        assert outside_hours(live, stored.hours, stored.days, running.deps.rules.tz) == []


async def test_hours_changed_while_a_slot_is_held(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hold has read the hours (Thursday 09:00-22:00) and pauses before writing; the
    hours change to close Thursday at 13:00 meanwhile; then the hold goes on."""
    paused = pause_at(monkeypatch, booking.holds, "upsert_client")
    hold = running.api.book(day=3, hour=12)  # Thursday 12:00-14:00
    (held, held_body), changed = await while_paused(running, paused, hold, "13:00")
    changed_conflict = CONFLICTS.pop() if changed else None

    assert (held, changed) in ((201, "bookings_outside_hours"), (400, "")), held_body
    if held == 201:  # the change waited for the hold and saw it
        assert changed_conflict is not None
        assert changed_conflict.bookings == [held_body["code"]]
    else:  # the hold read the new hours again
        assert held_body["error"]["code"] == "outside_hours"
    await none_outside_hours(running)
    async with running.sessionmaker() as session:
        made = (await session.scalars(select(Booking))).all()
    assert len(made) == (1 if held == 201 else 0)


async def test_hours_changed_while_a_booking_is_moved(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin moves a Thursday booking to 18:00-20:00; it has read the hours and pauses
    before writing while the hours change to close Thursday at 16:00."""
    api = running.api
    paid = await paid_booking(api, day=3, hour=12)
    paused = pause_at(monkeypatch, booking.changes, "reprice")
    moving = move(api, paid, day=3, hour=18, token=api.admin_token)
    (moved, body), changed = await while_paused(running, paused, moving, "16:00")
    changed_conflict = CONFLICTS.pop() if changed else None

    assert (moved, changed) in ((200, "bookings_outside_hours"), (400, "")), body
    if moved == 200:  # the change of the hours waited for the move and saw it
        assert changed_conflict is not None and changed_conflict.bookings == [paid["code"]]
    else:  # the move read the new hours again and left the booking where it was
        assert body["error"]["code"] == "outside_hours"
        assert (await api.booking(paid))["start"] == moscow(3, 12)
    await none_outside_hours(running)


async def test_hours_changed_while_a_booking_is_made_longer(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client adds three hours to Thursday 12:00-14:00 while the hours change to close
    Thursday at 16:00: the extension is refused, or the change of the hours is."""
    api = running.api
    paid = await paid_booking(api, day=3, hour=12)
    paused = pause_at(monkeypatch, booking.changes, "reprice")
    longer = extend(api, paid, 180)
    (extended, body), changed = await while_paused(running, paused, longer, "16:00")
    changed_conflict = CONFLICTS.pop() if changed else None

    assert (extended, changed) in ((200, "bookings_outside_hours"), (400, "")), body
    if extended == 200:  # the added time is held: the change of the hours saw it
        assert changed_conflict is not None
    else:
        assert body["error"]["code"] == "outside_hours"
        seen = await api.booking(paid)
        assert seen["end"] == moscow(3, 14) and seen["due_now"] == rub("0.00"), seen
    await none_outside_hours(running)
