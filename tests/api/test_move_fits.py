"""A move to another hall must fit it: the booking's guests within its capacity, its add-ons
offered there; the guests are priced by the new hall's fee. And a booking paid by a gift
certificate, moved dearer then cheaper, ends with the certificate paying the new price."""

from __future__ import annotations

from typing import Any

from tests.api.test_certificates import balance, issued
from tests.api.test_reschedule import audit_holds, move, rub
from tests.api.test_selling import amounts, book
from tests.support import Api, Running


async def paid(api: Api, **kw: Any) -> dict[str, Any]:
    """A booking of the white hall, Thursday 12:00-14:00, paid in full at the gateway."""
    status, booking = await book(api, payment_mode="full", **kw)
    assert status == 201, booking
    await api.checkout(await api.start_payment(booking), "succeeded")
    assert (await api.booking(booking))["status"] == "confirmed"
    return dict(booking)


async def test_a_move_to_a_hall_too_small_is_refused_for_client_and_admin(
    running: Running,
) -> None:
    api = running.api
    booking = await paid(api, guests=12, addons=[{"id": "cyclorama-cleaning"}])
    for token in (booking["access_token"], api.admin_token):
        status, body = await move(api, booking, 3, 12, hall_id=3, token=token)  # takes 6
        assert (status, body["error"]["code"]) == (409, "over_capacity"), body
        assert "6" in body["error"]["message"]
    seen = await api.booking(booking)
    assert seen["hall_id"] == 1 and seen["moves_made"] == 0
    assert seen["total"] == rub("14200.00")  # 5000, the cleaning 1200, 8 over 4 × 2 h × 500
    # The hall stays editable: no booking of it brings more people than it takes.
    status, edited = await api.admin("PATCH", "/api/halls/3", json={"hourly_price": "1600.00"})
    assert status == 200, edited
    await audit_holds(running)


async def test_a_move_where_a_booked_add_on_is_not_offered_is_refused(running: Running) -> None:
    api = running.api
    booking = await paid(api, guests=5, addons=[{"id": "cyclorama-cleaning"}])
    for hall_id in (2, 3):  # the cleaning is the white hall's only
        for token in (booking["access_token"], api.admin_token):
            status, body = await move(api, booking, 3, 12, hall_id=hall_id, token=token)
            assert (status, body["error"]["code"]) == (409, "addon_unavailable"), body
    seen = await api.booking(booking)
    assert seen["hall_id"] == 1 and seen["addons"] == [{"id": "cyclorama-cleaning", "quantity": 1}]


async def test_a_move_prices_the_guests_by_the_new_halls_fee(running: Running) -> None:
    api = running.api
    booking = await paid(api, guests=5, addons=[{"id": "makeup"}])  # studio-wide
    # White: 5000, makeup 2 h × 300, one guest over 4 for 2 h × 500.
    assert amounts(await api.booking(booking)) == [
        ("hall", "5000.00"), ("addon", "600.00"), ("guests", "1000.00"),
    ]  # fmt: skip
    status, moved = await move(api, booking, 3, 12, hall_id=3)
    assert status == 200, moved
    # Dark: 2 h × 1500, the makeup as booked, three guests over 2 at 200 ₽ a booking.
    assert amounts(moved) == [("hall", "3000.00"), ("addon", "600.00"), ("guests", "600.00")]
    assert moved["total"] == rub("4200.00") and moved["hall_id"] == 3
    seen = await api.booking(booking)
    assert seen["refunded"] == rub("2400.00") and seen["due_now"] == rub("0.00")
    await audit_holds(running)


async def test_guests_within_the_included_lose_their_fee_and_gain_one(running: Running) -> None:
    api = running.api
    booking = await paid(api, hall_id=3, guests=4)  # dark: two over 2, 400
    assert amounts(await api.booking(booking)) == [("hall", "3000.00"), ("guests", "400.00")]
    status, moved = await move(api, booking, 3, 12, hall_id=1, token=api.admin_token)
    assert status == 200, moved
    assert amounts(moved) == [("hall", "5000.00")]  # white includes four
    assert moved["total"] == rub("5000.00") and moved["due_now"] == rub("1600.00")
    await audit_holds(running)


async def test_a_certificate_paid_booking_moved_dearer_then_cheaper(running: Running) -> None:
    api = running.api
    code = await issued(api, "5000.00")
    # Loft 2 h: 3600; two people, so that the dark hall (six at most) takes them.
    status, booking = await book(api, hall_id=2, guests=2, certificate_code=code)
    assert status == 201 and booking["status"] == "confirmed", booking
    assert await balance(api, code) == "1400.00"
    status, asked = await move(api, booking, 5, 12, hall_id=2)  # Saturday: 2 h × 2200
    assert status == 200 and asked["due_now"] == rub("800.00"), asked
    await api.checkout(await api.start_payment(booking), "succeeded")
    seen = await api.booking(booking)
    assert seen["total"] == rub("4400.00") and seen["paid"] == rub("800.00")
    status, moved = await move(api, booking, 5, 12, hall_id=3, token=api.admin_token)
    assert status == 200, moved
    assert amounts(moved) == [("hall", "3000.00"), ("certificate", "-3000.00")]
    assert moved["total"] == rub("3000.00") and moved["certificate_paid"] == rub("3000.00")
    seen = await api.booking(booking)
    assert seen["refunded"] == rub("800.00") and seen["due_now"] == rub("0.00")
    assert await balance(api, code) == "2000.00"
    await audit_holds(running)
