"""A move or more time costs what a booking made that way would: add-ons by the hour for the
new length, a code's percentage off the new price (a fixed amount as it was), and the people
the client chose counted against the new hall, whichever way the booking was taken."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Booking
from db.sales import BookingAddon
from tests.api.test_extend import extend
from tests.api.test_move_fits import paid
from tests.api.test_phone_bookings import take
from tests.api.test_promo_codes import code
from tests.api.test_reschedule import audit_holds, move, rub
from tests.api.test_selling import amounts
from tests.support import Api, Running


async def pay_change(api: Api, booking: dict[str, Any], due: str) -> dict[str, Any]:
    payment = await api.start_payment(booking)
    assert payment["kind"] == "change" and payment["amount"] == rub(due), payment
    await api.checkout(payment, "succeeded")
    return await api.booking(booking)


async def test_more_time_charges_an_hourly_add_on_for_the_added_time(running: Running) -> None:
    api = running.api
    booking = await paid(api, addons=[{"id": "makeup"}, {"id": "smoke"}])
    assert amounts(await api.booking(booking)) == [
        ("hall", "5000.00"), ("addon", "600.00"), ("addon", "500.00"),
    ]  # fmt: skip
    status, asked = await extend(api, booking, 30)
    assert status == 200, asked
    # 30 min more: 1250 of hall time and 150 of the makeup place (300 ₽ an hour); the smoke
    # machine is a booking's, as before.
    assert asked["due_now"] == rub("1400.00")
    seen = await pay_change(api, booking, "1400.00")
    assert amounts(seen) == [("hall", "6250.00"), ("addon", "750.00"), ("addon", "500.00")]
    assert seen["total"] == rub("7500.00") and seen["due_now"] == rub("0.00")
    async with running.sessionmaker() as session:
        taken = (
            await session.scalars(select(BookingAddon.amount).order_by(BookingAddon.id))
        ).all()
    assert list(taken) == [75000, 50000]  # the statistics count what the client paid
    await audit_holds(running)


async def test_a_move_keeps_a_percent_code_off_the_new_price(running: Running) -> None:
    api = running.api
    await code(api, code="TEN", percent=10)
    booking = await paid(api, promo_code="ten")
    assert amounts(await api.booking(booking)) == [("hall", "5000.00"), ("discount", "-500.00")]
    status, asked = await move(api, booking, 4, 12, hours=3)  # white, three hours
    assert status == 200, asked
    assert asked["due_now"] == rub("2250.00")  # 7500 less 10 %, less 4500 paid
    seen = await pay_change(api, booking, "2250.00")
    assert amounts(seen) == [("hall", "7500.00"), ("discount", "-750.00")]
    assert seen["price_lines"][-1]["code"] == "TEN"
    status, moved = await move(api, booking, 4, 12, hall_id=2, token=api.admin_token)
    assert status == 200, moved
    assert amounts(moved) == [("hall", "3600.00"), ("discount", "-360.00")]  # the loft
    seen = await api.booking(booking)
    assert seen["total"] == rub("3240.00") and seen["refunded"] == rub("3510.00")
    await audit_holds(running)


async def test_a_fixed_code_takes_off_what_it_took_after_more_time(running: Running) -> None:
    api = running.api
    await code(api, code="MINUS", amount="1000.00")
    booking = await paid(api, promo_code="minus")
    status, asked = await extend(api, booking, 60)
    assert status == 200 and asked["due_now"] == rub("2500.00"), asked
    seen = await pay_change(api, booking, "2500.00")
    assert amounts(seen) == [("hall", "7500.00"), ("discount", "-1000.00")]
    await audit_holds(running)


async def small_dark_hall(api: Api) -> None:
    status, edited = await api.admin("PATCH", "/api/halls/3", json={"capacity": 4})
    assert status == 200, edited


async def test_six_people_do_not_move_into_a_hall_of_four_and_two_do(running: Running) -> None:
    api = running.api
    await small_dark_hall(api)
    six = await paid(api, guests=6)
    for token in (six["access_token"], api.admin_token):
        status, body = await move(api, six, 4, 12, hall_id=3, token=token)
        assert (status, body["error"]["code"]) == (409, "over_capacity"), body
    assert (await api.booking(six))["hall_id"] == 1
    two = await paid(api, hour=16, guests=2)
    status, moved = await move(api, two, 4, 12, hall_id=3)
    assert status == 200, moved
    assert moved["hall_id"] == 3 and moved["guests"] == 2
    assert amounts(moved) == [("hall", "3000.00")]  # the dark hall's price covers two
    await audit_holds(running)


async def test_a_booking_without_a_count_takes_the_new_halls_own(running: Running) -> None:
    """No count chosen: the loft's ten its price covers are not the people coming, so the
    dark hall (four at most) takes the booking at its own two, with no fee for more."""
    api = running.api
    await small_dark_hall(api)
    booking = await paid(api, hall_id=2)
    assert (await api.booking(booking))["guests"] == 10
    status, moved = await move(api, booking, 4, 12, hall_id=3)
    assert status == 200, moved
    assert moved["guests"] == 2 and amounts(moved) == [("hall", "3000.00")]
    await audit_holds(running)


async def test_a_phone_booking_keeps_the_count_the_admin_gave(running: Running) -> None:
    await small_dark_hall(running.api)
    booking = await take(running, "cash", guests=6)
    assert booking["guests"] == 6
    status, body = await move(
        running.api, booking, 4, 12, hall_id=3, token=running.api.admin_token
    )
    assert (status, body["error"]["code"]) == (409, "over_capacity"), body
    async with running.sessionmaker() as session:
        stored = await session.get(Booking, booking["id"])
        assert stored is not None and stored.guests_chosen == 6
