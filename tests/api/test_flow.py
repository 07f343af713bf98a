"""The website's whole path: book, pay at the mock checkout, confirmed; decline; expiry."""

from __future__ import annotations

from tests.conftest import Running
from tests.support import Api


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
    assert (await api.booking(booking))["status"] == "expired"
    again = await api.booked(day=3, hour=12)
    assert again["status"] == "pending_payment"
