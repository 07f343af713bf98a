"""Overtime over HTTP: an admin records it after the session, priced by OVERTIME_RULE (the
default: each started half hour at the hall's rate, after 5 minutes of grace); the client
pays the link; until then the booking shows it as due."""

from __future__ import annotations

from typing import Any

from tests.api.test_extend import extend
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


async def test_overtime_taken_in_cash_cannot_be_paid_again_online(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # 5000 paid in full
    running.clock.advance(days=2, hours=6)
    await running.jobs.complete()
    status, payment = await overtime(api, booking, 40)
    assert status == 201, payment
    status, seen = await api.admin(
        "POST", f"/api/bookings/{booking['id']}/confirm", json={"note": "cash at the desk"}
    )
    assert status == 200, seen
    assert seen["status"] == "completed"
    assert seen["paid"] == seen["total"] == rub("7500.00") and seen["due_now"] == rub("0.00")
    assert seen["price_lines"][-1]["kind"] == "overtime"
    await api.checkout(payment, "succeeded")  # the link sent before, paid all the same
    seen = await api.booking(booking)
    assert seen["total"] == seen["paid"] == rub("7500.00")
    online = [p for p in seen["payments"] if p["kind"] == "change" and p["gateway"] != "cash"]
    assert online[0]["status"] == "refunded" and online[0]["refunded"] == rub("2500.00")
    await audit_holds(running)


async def test_overtime_in_cash_on_a_confirmed_booking_with_its_amount(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    running.clock.advance(days=2, hours=6)  # over, the completion job not run yet
    status, payment = await overtime(api, booking, 40)
    assert status == 201, payment
    status, seen = await api.admin(
        "POST",
        f"/api/bookings/{booking['id']}/confirm",
        json={"amount": "2500.00", "note": "cash"},
    )
    assert status == 200, seen
    assert seen["paid"] == seen["total"] == rub("7500.00") and seen["due_now"] == rub("0.00")
    await audit_holds(running)


async def test_overtime_and_more_time_do_not_drop_each_other(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)  # 12:00–14:00, 5000 paid
    running.clock.advance(days=2, hours=4)  # 3 Dec 13:00, during the session
    status, payment = await overtime(api, booking, 40)
    assert status == 201, payment
    status, body = await extend(api, booking, 30)
    assert (status, body["error"]["code"]) == (409, "change_pending"), body
    seen = await api.booking(booking)
    assert seen["due_now"] == rub("2500.00") and seen["end"] == booking["seen"]["end"]
    await api.checkout(payment, "succeeded")  # the overtime's link still makes it
    assert (await api.booking(booking))["total"] == rub("7500.00")

    other = await paid_booking(api, day=3, hour=15, hall_id=2)  # the loft 15:00–17:00
    running.clock.advance(hours=3)  # 16:00
    status, asked = await extend(api, other, 60)
    assert status == 200 and asked["due_now"] == rub("1800.00"), asked
    status, body = await overtime(api, other, 40)
    assert (status, body["error"]["code"]) == (409, "change_pending"), body
    await api.checkout(await api.start_payment(other), "succeeded")  # more time, still paid
    seen = await api.booking(other)
    assert seen["end"].startswith("2026-12-03T18:00") and seen["due_now"] == rub("0.00")
    await audit_holds(running)
