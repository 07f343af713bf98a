"""More time after a booking over HTTP: held and paid by the same change mechanism as a
dearer move; refused into taken time, after the session, off the 15-minute steps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from booking import closures
from booking.stats import period_stats
from tests.api.test_reschedule import audit_holds, move, paid_booking, rub
from tests.support import Api, Running, moscow


async def extend(api: Api, booking: dict[str, Any], minutes: int) -> tuple[int, Any]:
    return await api.call(
        "POST",
        f"/api/bookings/{booking['id']}/extend",
        json={"minutes": minutes},
        token=booking["access_token"],
    )


async def test_more_time_is_held_until_paid_then_added(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # white 12:00-14:00, 5000 paid
    status, asked = await extend(api, booking, 30)
    assert status == 200, asked
    assert asked["end"] == moscow(3, 14) and asked["due_now"] == rub("1250.00")
    assert asked["due_kind"] == "change"
    assert (await api.book(day=3, hour=14, minute=30, hours=1))[0] == 409  # held
    payment = await api.start_payment(booking)
    assert payment["kind"] == "change" and payment["amount"] == rub("1250.00")
    await api.checkout(payment, "succeeded")
    seen = await api.booking(booking)
    assert seen["end"] == moscow(3, 14, 30)
    assert seen["total"] == rub("6250.00") and seen["paid"] == rub("6250.00")
    assert seen["due_now"] == rub("0.00")
    assert (await api.book(day=3, hour=15, hours=1))[0] == 201  # 14:30 + the 15-min buffer
    await audit_holds(running)


async def test_more_time_into_a_taken_slot_is_refused(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    await api.booked(day=3, hour=14, minute=30, hours=1)  # 14:30, right after the buffer
    status, body = await extend(api, booking, 30)
    assert status == 409 and body["error"]["code"] == "slot_taken", body
    status, body = await extend(api, booking, 15)  # 14:15 + 15 min buffer fits
    assert status == 200, body
    assert body["due_now"] == rub("625.00")


async def test_during_the_session_yes_after_it_no(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    running.clock.advance(days=2, hours=4)  # 3 Dec 13:00 in Moscow, an hour into it
    status, body = await extend(api, booking, 60)
    assert status == 200 and body["due_now"] == rub("2500.00"), body
    running.clock.advance(hours=2)  # 15:00, the session over
    await running.jobs.expire()
    status, body = await extend(api, booking, 30)
    assert status == 409 and body["error"]["code"] in ("too_late", "invalid_state"), body


@pytest.mark.parametrize("minutes", [0, 20, 10_000])
async def test_minutes_off_the_steps_are_refused(running: Running, minutes: int) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    status, body = await extend(api, booking, minutes)
    assert status == 400, body
    assert (await api.booking(booking))["end"] == moscow(3, 14)


async def test_a_late_payment_for_a_lapsed_change_is_refunded(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2, guests=4)
    status, _ = await move(api, booking, 3, 12, hall_id=1)
    assert status == 200
    payment = await api.start_payment(booking)
    running.clock.advance(minutes=16)
    await running.jobs.expire()
    await api.book(day=3, hour=12, hall_id=1)  # someone takes the freed time
    await api.checkout(payment, "succeeded")
    seen = await api.booking(booking)
    assert seen["hall_id"] == 2 and seen["paid"] == rub("3600.00")
    late = next(p for p in seen["payments"] if p["id"] == payment["id"])
    assert late["refunded"] == rub("1400.00")
    await audit_holds(running)


async def test_the_time_held_for_a_change_is_nobodys_booking(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    assert (await extend(api, booking, 30))[0] == 200
    status, listed = await api.admin("GET", "/api/bookings")
    assert status == 200
    assert [b["id"] for b in listed["bookings"]] == [booking["id"]]
    status, body = await api.admin("GET", f"/api/bookings/{booking['id'] + 1}")
    assert status == 404, body


async def test_cancelling_with_a_change_pending_frees_its_held_time(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2, guests=4)
    status, asked = await move(api, booking, 3, 12, hall_id=1)
    assert status == 200 and asked["due_kind"] == "change"
    payment = await api.start_payment(booking)
    cancelled = await api.cancel(booking)
    assert cancelled["status"] == "cancelled" and cancelled["due_now"] == rub("0.00")
    assert (await api.book(day=3, hour=12, hall_id=1))[0] == 201  # the held time is free
    await api.checkout(payment, "succeeded")  # a payment for the change after all: returned
    seen = await api.booking(booking)
    late = next(p for p in seen["payments"] if p["id"] == payment["id"])
    assert late["refunded"] == rub("1400.00")
    await audit_holds(running)


async def test_a_second_change_replaces_the_first(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2)
    assert (await move(api, booking, 3, 12, hall_id=1))[0] == 200  # dearer: held
    status, body = await move(api, booking, 3, 16, hall_id=2)  # same price instead
    assert status == 200 and body["start"] == moscow(3, 16) and body["due_now"] == rub("0.00")
    assert (await api.book(day=3, hour=12, hall_id=1))[0] == 201  # the first hold let go
    assert (await api.book(day=3, hour=12, hall_id=2))[0] == 201  # the old time too
    await audit_holds(running)


async def test_stats_count_an_extended_booking_once(running: Running) -> None:
    """The row that held the extra time until it was paid is no booking of the period."""
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    status, asked = await extend(api, booking, 30)
    assert status == 200, asked
    await api.checkout(await api.start_payment(booking), "succeeded")
    async with running.sessionmaker() as session:
        stats = await period_stats(session, running.deps, date(2026, 12, 3), date(2026, 12, 3))
    assert stats.by_status == {"confirmed": 1}
    assert stats.paid == 625_000


async def test_closing_the_time_a_pending_extend_holds_names_the_booking(
    running: Running,
) -> None:
    """Paid later, the extend would move the booking into the closed time: the closure is
    refused over it, under the booking's code, until the hold lapses."""
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # white 12:00-14:00
    status, asked = await extend(api, booking, 60)  # 15:00 held until paid
    assert status == 200 and asked["due_kind"] == "change", asked

    async def close(hour: int, minute: int = 0) -> list[str]:
        async with running.sessionmaker() as session:
            try:
                await closures.close_period(
                    session, running.deps, "white",
                    datetime.fromisoformat(moscow(3, hour, minute)),
                    datetime.fromisoformat(moscow(3, 18)), "repairs",
                )  # fmt: skip
            except closures.ClosureConflict as refused:
                return [view.booking.code for view in refused.bookings]
        return []

    assert await close(14, 30) == [booking["code"]]
    running.clock.advance(minutes=16)  # the hold lapses, not yet swept
    assert await close(14, 30) == []


async def test_closing_after_the_extended_session_leaves_its_buffer_alone(
    running: Running,
) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    assert (await extend(api, booking, 60))[0] == 200  # to 15:00, its buffer to 15:15
    async with running.sessionmaker() as session:
        _, _, conflicts = await closures.close_period(
            session, running.deps, "white",
            datetime.fromisoformat(moscow(3, 15)), datetime.fromisoformat(moscow(3, 18)),
            "repairs",
        )  # fmt: skip
    assert conflicts == []
