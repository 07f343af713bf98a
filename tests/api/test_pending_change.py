"""A booking's change waiting for its payment, as GET /api/bookings/{id} shows it: what the
change is (a move, more time, overtime), what it costs and until when, so the booking page
can say what the payment is for; gone once paid or lapsed."""

from __future__ import annotations

from tests.api.test_extend import extend
from tests.api.test_overtime import overtime
from tests.api.test_reschedule import move, paid_booking, rub
from tests.support import Running, moscow


async def test_more_time_waiting_for_its_payment_is_shown_until_paid(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # white 12:00-14:00, 5000 paid
    assert (await api.booking(booking))["change"] is None
    status, asked = await extend(api, booking, 30)
    assert status == 200, asked
    seen = await api.booking(booking)
    assert asked["change"] == seen["change"]  # the answer says what the payment is for
    assert seen["change"] == {
        "kind": "extend",
        "hall_id": 1,
        "start": moscow(3, 12),
        "end": moscow(3, 14, 30),
        "total": rub("6250.00"),
        "due": rub("1250.00"),
        "expires_at": seen["change_expires_at"],
        "overtime_minutes": None,
    }
    assert seen["end"] == moscow(3, 14) and seen["change_expires_at"] is not None
    await api.checkout(await api.start_payment(booking), "succeeded")
    seen = await api.booking(booking)
    assert seen["change"] is None and seen["end"] == moscow(3, 14, 30)


async def test_a_dearer_move_names_its_new_hall_and_time(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2, guests=4)  # loft, 3600
    status, asked = await move(api, booking, 4, 15, hall_id=1)  # white: 2 h x 2500
    assert status == 200 and asked["due_kind"] == "change", asked
    change = (await api.booking(booking))["change"]
    assert asked["change"] == change
    assert change["kind"] == "reschedule" and change["hall_id"] == 1
    assert (change["start"], change["end"]) == (moscow(4, 15), moscow(4, 17))
    assert change["due"] == rub("1400.00") and change["total"] == rub("5000.00")
    running.clock.advance(minutes=16)  # left unpaid: the booking stays, nothing is due
    seen = await api.booking(booking)
    assert seen["change"] is None and seen["hall_id"] == 2


async def test_overtime_billed_says_how_long_and_never_lapses(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    running.clock.advance(days=2, hours=6)  # 3 Dec 15:00 Moscow, an hour after the end
    await running.jobs.complete()
    status, payment = await overtime(api, booking, 40)
    assert status == 201, payment
    change = (await api.booking(booking))["change"]
    assert change["kind"] == "overtime" and change["overtime_minutes"] == 40
    assert change["due"] == rub("2500.00") and change["total"] == rub("7500.00")
    assert change["expires_at"] is None and change["end"] == moscow(3, 14)
