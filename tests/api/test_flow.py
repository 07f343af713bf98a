"""The website's whole path: book, pay at the mock checkout, confirmed; decline; expiry."""

from __future__ import annotations

from tests.support import Api, Running


async def test_book_pay_confirm(api: Api) -> None:
    booking = await api.booked(day=3, hour=12, hours=2)
    assert booking["status"] == "pending_payment"
    assert booking["total"] == {"value": "5000.00", "currency": "RUB"}  # 2 h x 2500 on Thursday
    assert booking["due_now"]["value"] == "2500.00"
    assert booking["start"] == "2026-12-03T12:00:00+03:00"
    payment = await api.start_payment(booking, "mock")
    assert payment["amount"]["value"] == "2500.00"
    assert payment["status"] == "pending"
    result = await api.checkout(payment, "succeeded")
    assert result["webhook_statuses"] == [200]
    after = await api.booking(booking)
    assert after["status"] == "confirmed"
    assert after["paid"]["value"] == "2500.00"
    assert after["due_now"]["value"] == "2500.00"  # the balance
    assert after["payments"][0]["status"] == "succeeded"


async def test_decline_leaves_booking_payable(api: Api) -> None:
    booking = await api.booked()
    payment = await api.start_payment(booking)
    await api.checkout(payment, "canceled")
    after = await api.booking(booking)
    assert after["status"] == "pending_payment"
    assert after["payments"][0]["status"] == "canceled"
    second = await api.start_payment(booking)
    assert second["id"] != payment["id"]
    await api.checkout(second, "succeeded")
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_hold_expires_and_frees_the_slot(running: Running) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12)
    status, _ = await api.book(day=3, hour=12)
    assert status == 409
    running.clock.advance(minutes=16)
    await running.jobs.expire()
    expired = await api.booking(booking)
    # The client and an admin both still see when it lapsed.
    assert expired["status"] == "expired"
    assert expired["hold_lapsed_at"] == booking["hold_expires_at"] is not None
    assert expired["hold_expires_at"] is None  # nothing lapses any more: no countdown
    assert booking["paid_text"] == "Оплачено 0\u00a0₽ из 5\u00a0000\u00a0₽."
    assert expired["paid_text"] is None  # nothing is owed for a lapsed hold
    status, seen = await api.admin("GET", f"/api/bookings/{booking['id']}")
    assert status == 200 and seen["hold_lapsed_at"] == booking["hold_expires_at"]
    again = await api.booked(day=3, hour=12)
    assert again["status"] == "pending_payment"


async def test_a_lapsed_hold_not_yet_swept_gives_way_to_a_new_hold(running: Running) -> None:
    """The sweep has not run: the database still counts the lapsed hold, so the new hold is
    refused there first, and then takes the slot after marking the lapsed one expired."""
    api = running.api
    lapsed = await api.booked(day=3, hour=12, hours=2)
    running.clock.advance(minutes=16)
    again = await api.booked(day=3, hour=13, hours=2)  # overlaps the lapsed hold
    assert again["status"] == "pending_payment"
    assert (await api.booking(lapsed))["status"] == "expired"
    status, body = await api.admin("GET", f"/api/integrations/events?booking_id={lapsed['id']}")
    assert status == 200
    assert [e["type"] for e in body["events"]].count("booking.expired") == 1
    status, body = await api.book(day=3, hour=12, hours=2)  # the new hold is live
    assert status == 409, body


async def test_a_live_hold_still_refuses_an_overlapping_one(running: Running) -> None:
    api = running.api
    first = await api.booked(day=3, hour=12, hours=2)
    running.clock.advance(minutes=14)
    status, body = await api.book(day=3, hour=13, hours=2)
    assert status == 409, body
    assert (await api.booking(first))["status"] == "pending_payment"
