"""A move that overlaps the booking's own old time (a shift by half an hour or an hour) over
`POST /api/bookings/{id}/reschedule`: the booking does not block itself, at once or when a
dearer shift is paid, while another client's booking still does."""

from __future__ import annotations

from typing import Any

from tests.api.test_reschedule import audit_holds, paid_booking, rub
from tests.support import Api, Running, moscow


async def shift(
    api: Api, booking: dict[str, Any], start: tuple[int, int], end: tuple[int, int],
    token: str | None = None,
) -> tuple[int, Any]:  # fmt: skip
    """Move the white hall's booking to 3 Dec `start`-`end` ((hour, minute) each)."""
    return await api.call(
        "POST",
        f"/api/bookings/{booking['id']}/reschedule",
        json={"start": moscow(3, *start), "end": moscow(3, *end), "hall_id": 1},
        token=token or booking["access_token"],
    )


async def test_a_shift_by_half_an_hour_is_made_at_once(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # 12:00-14:00, 5000 paid
    status, moved = await shift(api, booking, (12, 30), (14, 30))
    assert status == 200, moved
    assert (moved["start"], moved["end"]) == (moscow(3, 12, 30), moscow(3, 14, 30))
    assert moved["total"] == rub("5000.00") and moved["due_now"] == rub("0.00")
    assert moved["moves_made"] == 1
    # An admin shifts it back over its time again, with no limit.
    status, moved = await shift(api, booking, (12, 0), (14, 0), token=api.admin_token)
    assert status == 200, moved
    assert moved["start"] == moscow(3, 12) and moved["moves_made"] == 1
    await audit_holds(running)


async def test_a_dearer_overlapping_shift_holds_only_the_added_time(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # 12:00-14:00, 5000 paid
    status, asked = await shift(api, booking, (13, 0), (16, 0))  # 3 h: 7500
    assert status == 200, asked
    assert asked["start"] == moscow(3, 12) and asked["due_now"] == rub("2500.00")
    assert (await api.book(day=3, hour=15, hours=1))[0] == 409  # the added time is held
    await api.checkout(await api.start_payment(booking), "succeeded")
    seen = await api.booking(booking)
    assert (seen["start"], seen["end"]) == (moscow(3, 13), moscow(3, 16))
    assert seen["status"] == "confirmed" and seen["paid"] == rub("7500.00")
    assert (await api.book(day=3, hour=10, hours=2))[0] == 201  # 12:00-13:00 is free
    assert (await api.book(day=3, hour=15, hours=1))[0] == 409
    await audit_holds(running)


async def test_another_clients_booking_is_still_in_the_way(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    assert (await api.book(day=3, hour=15))[0] == 201  # Boris: 15:00-17:00
    for token in (booking["access_token"], api.admin_token):
        status, body = await shift(api, booking, (13, 30), (15, 30), token=token)
        assert (status, body["error"]["code"]) == (409, "slot_taken"), body
    seen = await api.booking(booking)
    assert (seen["start"], seen["moves_made"]) == (moscow(3, 12), 0)
    status, moved = await shift(api, booking, (12, 30), (14, 30))  # its cleaning ends 14:45
    assert status == 200 and moved["start"] == moscow(3, 12, 30), moved
    await audit_holds(running)
