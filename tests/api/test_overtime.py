"""Overtime over HTTP: an admin records it after the session, priced by OVERTIME_RULE (the
default: each started half hour at the hall's rate, after 5 minutes of grace); the client
pays the link; until then the booking shows it as due."""

from __future__ import annotations

from typing import Any

from tests.api.test_reschedule import audit_holds, paid_booking, rub
from tests.support import Api, Running


async def overtime(api: Api, booking: dict[str, Any], minutes: int, **kw: Any) -> tuple[int, Any]:
    token = kw.pop("token", api.admin_token)
    return await api.call(
        "POST",
        f"/api/bookings/{booking['id']}/overtime",
        json={"minutes": minutes, **kw},
        token=token,
    )


async def test_overtime_is_billed_paid_and_audited(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # white, 2500/h, 5000 paid
    running.clock.advance(days=2, hours=6)  # 3 Dec 15:00 Moscow, an hour after the end
    await running.jobs.complete()
    status, payment = await overtime(api, booking, 40)  # two started half hours
    assert status == 201, payment
    assert payment["amount"] == rub("2500.00") and payment["kind"] == "change"
    assert payment["confirmation_url"]
    seen = await api.booking(booking)
    assert seen["status"] == "completed" and seen["due_now"] == rub("2500.00")
    assert seen["total"] == rub("5000.00")  # the price grows once the overtime is paid
    await api.checkout(payment, "succeeded")
    seen = await api.booking(booking)
    assert seen["paid"] == seen["total"] == rub("7500.00") and seen["due_now"] == rub("0.00")
    assert seen["price_lines"][-1]["kind"] == "overtime"
    assert seen["price_lines"][-1]["title"] == "Переработка: 40 мин"
    status, body = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    types = [e["type"] for e in body["events"]]
    assert "booking.overtime_billed" in types and "booking.overtime_paid" in types
    await audit_holds(running)


async def test_within_grace_before_the_session_and_by_the_client_are_refused(
    running: Running,
) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    status, body = await overtime(api, booking, 30)
    assert status == 409 and body["error"]["code"] == "too_early", body
    running.clock.advance(days=2, hours=6)
    status, body = await overtime(api, booking, 5)
    assert status == 400 and body["error"]["code"] == "within_grace", body
    status, body = await overtime(api, booking, 30, token=booking["access_token"])
    assert status == 403, body
    assert (await api.booking(booking))["due_now"] == rub("0.00")
