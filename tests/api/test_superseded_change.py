"""A client's dearer change an admin's own change replaces: it ends with `change_lapsed`, and
its payment link paid afterwards counts toward the balance the admin's change left, only the
money above it refunded."""

from __future__ import annotations

from tests.api.test_extend import extend
from tests.api.test_reschedule import audit_holds, events, paid_booking, rub
from tests.support import Running, moscow


def kopecks(amount: dict[str, str]) -> int:
    return round(float(amount["value"]) * 100)


async def test_a_change_paid_after_an_admins_move_pays_the_balance_first(
    running: Running,
) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # white 12:00-14:00, 5000 paid
    status, asked = await extend(api, booking, 30)
    assert status == 200 and asked["due_now"] == rub("1250.00"), asked
    link = await api.start_payment(booking)  # the client's checkout, still open
    status, moved = await api.admin(
        "POST",
        f"/api/bookings/{booking['id']}/reschedule",
        json={"start": moscow(3, 16), "end": moscow(3, 18, 15), "hall_id": 1},
    )
    assert status == 200, moved
    assert moved["due_kind"] == "balance" and moved["change"] is None
    owed = kopecks(moved["due_now"])
    assert 0 < owed < 125000
    lapsed = [e for e in await events(api, booking) if e["type"] == "booking.change_lapsed"]
    assert [e["payload"]["superseded_by"] for e in lapsed] == ["admin"]
    await api.checkout(link, "succeeded")
    seen = await api.booking(booking)
    assert seen["start"] == moscow(3, 16) and seen["end"] == moscow(3, 18, 15)
    assert seen["due_now"] == rub("0.00")
    assert kopecks(seen["refunded"]) == 125000 - owed  # only what was above the balance
    assert kopecks(seen["paid"]) - kopecks(seen["refunded"]) == kopecks(seen["total"])
    await audit_holds(running)
