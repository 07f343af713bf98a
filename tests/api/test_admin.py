"""Admin operations through the API: list, confirm by hand, cancel, refund, logs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import Running, table_counts


async def test_list_bookings_with_filters(running: Running) -> None:
    api = running.api
    a = await api.booked(day=3, hour=10, hall_id=1)
    b = await api.booked(day=3, hour=12, hall_id=2)
    c = await api.booked(day=5, hour=12, hall_id=1)
    await api.checkout(await api.start_payment(c), "succeeded")

    async def ids(query: str) -> list[int]:
        status, body = await api.admin("GET", f"/api/bookings?{query}")
        assert status == 200, body
        return [x["id"] for x in body["bookings"]]

    assert await ids("") == [a["id"], b["id"], c["id"]]
    assert await ids("date_from=2026-12-03&date_to=2026-12-03") == [a["id"], b["id"]]
    assert await ids("hall_id=1") == [a["id"], c["id"]]
    assert await ids("status=confirmed") == [c["id"]]
    assert await ids("status=pending_payment&hall_id=2") == [b["id"]]


async def test_confirm_by_hand_cash(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    status, body = await api.admin(
        "POST", f"/api/bookings/{booking['id']}/confirm", json={"amount": "5000.00"}
    )
    assert status == 200, body
    assert body["status"] == "confirmed"
    assert body["paid"]["value"] == "5000.00"
    status, body = await api.admin("POST", f"/api/bookings/{booking['id']}/confirm")
    assert status == 409


async def test_confirm_by_hand_rejects_bad_amount(running: Running) -> None:
    booking = await running.api.booked()
    before = await table_counts(running.sessionmaker)
    for amount in ("12.345", "abc", "NaN", {"value": None}, "-1", "9999.00"):
        status, body = await running.api.admin(
            "POST", f"/api/bookings/{booking['id']}/confirm", json={"amount": amount}
        )
        assert status == 400, (amount, body)
    assert "between 0 and 5000.00 rubles" in body["error"]["message"], body  # as money is written
    assert await table_counts(running.sessionmaker) == before


@pytest.mark.parametrize(
    ("hours_before", "refund"),
    [(72, "2500.00"), (48, "2500.00"), (30, "1250.00"), (23, "0.00")],
)
async def test_client_cancel_refunds_by_recorded_tiers(
    running: Running, hours_before: int, refund: str
) -> None:
    api = running.api
    booking = await api.booked(day=4, hour=12)  # Friday 12:00 MSK = 09:00 UTC
    await api.checkout(await api.start_payment(booking), "succeeded")
    running.clock.now = running.clock.now.replace(day=4, hour=9) - timedelta(hours=hours_before)
    view = await api.booking(booking)
    assert view["refund_if_cancelled_now"]["value"] == refund
    status, body = await api.call(
        "DELETE",
        f"/api/bookings/{booking['id']}",
        token=booking["access_token"],
        json={"reason": "планы изменились"},
    )
    assert status == 200, body
    assert body["status"] == "cancelled"
    assert body["refund"]["value"] == refund
    assert body["refunded"]["value"] == refund
    again = await api.call(
        "DELETE", f"/api/bookings/{booking['id']}", token=booking["access_token"]
    )
    assert again[0] == 409


async def test_admin_cancel_refunds_everything(running: Running) -> None:
    api = running.api
    booking = await api.booked(day=2, hour=12)  # under 24 h: a client would get nothing
    await api.checkout(await api.start_payment(booking), "succeeded")
    status, body = await api.admin(
        "DELETE", f"/api/bookings/{booking['id']}", json={"reason": "авария"}
    )
    assert status == 200
    assert body["refund"]["value"] == "2500.00"
    assert body["cancel_reason"] == "авария"


async def test_refund_partial_then_rest_never_above_paid(running: Running) -> None:
    api = running.api
    booking = await api.booked(mode="full")
    payment = await api.start_payment(booking)
    await api.checkout(payment, "succeeded")
    path = f"/api/payments/{payment['id']}/refund"
    status, body = await api.admin("POST", path, json={"amount": "1000.00", "reason": "скидка"})
    assert status == 201, body
    assert body["status"] == "succeeded"
    before = await table_counts(running.sessionmaker)
    status, body = await api.admin("POST", path, json={"amount": "4000.01"})
    assert status == 400 and body["error"]["code"] == "refund_too_large"
    assert "At most 4000.00 rubles" in body["error"]["message"], body  # as the API writes money
    for absurd in ("1e30", "100000000.01", "Infinity"):
        status, body = await api.admin("POST", path, json={"amount": absurd})
        assert status == 400 and body["error"]["code"] == "invalid_input", (absurd, body)
        assert body["error"]["message"].startswith("amount: must be"), body  # said once
    for not_positive in ("0", "-5"):
        status, body = await api.admin("POST", path, json={"amount": not_positive})
        assert (status, body["error"]["code"]) == (400, "bad_amount"), body
        assert body["error"]["message"] == "The refund amount must be positive.", body
    assert await table_counts(running.sessionmaker) == before
    status, body = await api.admin("POST", path)
    assert status == 201 and body["amount"]["value"] == "4000.00"
    status, body = await api.admin("POST", path)
    assert status == 409
    status, view = await api.call(
        "GET", f"/api/payments/{payment['id']}", token=booking["access_token"]
    )
    assert view["status"] == "refunded"
    assert view["refunded"]["value"] == "5000.00"
    assert (await api.booking(booking))["refunded"]["value"] == "5000.00"
    assert (await api.call("POST", path, token=booking["access_token"]))[0] == 403


async def test_refund_of_unpaid_payment_is_refused(running: Running) -> None:
    booking = await running.api.booked()
    payment = await running.api.start_payment(booking)
    status, body = await running.api.admin("POST", f"/api/payments/{payment['id']}/refund")
    assert status == 409 and body["error"]["code"] == "not_refundable"


async def test_event_log_pages(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    await api.checkout(await api.start_payment(booking), "succeeded")
    status, body = await api.admin("GET", "/api/integrations/events?limit=2")
    assert status == 200
    assert [e["type"] for e in body["events"]] == ["booking.created", "payment.created"]
    status, rest = await api.admin(
        "GET", f"/api/integrations/events?after_id={body['next_after_id']}"
    )
    assert [e["type"] for e in rest["events"]] == ["payment.succeeded", "booking.confirmed"]
    assert rest["events"][1]["payload"]["code"] == booking["code"]


async def test_manual_notification_goes_to_the_log(running: Running) -> None:
    api = running.api
    status, body = await api.admin(
        "POST",
        "/api/notifications/send",
        json={"channel": "email", "recipient": "owner@example.com", "text": "Привет"},
    )
    assert status == 202, body
    status, listed = await api.admin("GET", "/api/notifications")
    assert listed["notifications"][0]["recipient"] == "owner@example.com"
    assert listed["notifications"][0]["status"] == "pending"
    bad = await api.admin("POST", "/api/notifications/send", json={"text": "x"})
    assert bad[0] == 400 and bad[1]["error"]["code"] == "no_recipient"
    bad = await api.admin(
        "POST",
        "/api/notifications/send",
        json={"channel": "telegram", "recipient": "bob", "text": "x"},
    )
    assert bad[0] == 400


async def test_openapi_and_health(running: Running) -> None:
    api = running.api
    assert (await api.call("GET", "/health")) == (200, {"status": "ok"})
    assert (await api.call("GET", "/ready")) == (200, {"status": "ready"})
    status, doc = await api.call("GET", "/api/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    status, body = await api.call("GET", "/api/nothing-here")
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_cash_balance_and_unpaid_confirmation(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    await api.checkout(await api.start_payment(booking), "succeeded")
    path = f"/api/bookings/{booking['id']}/confirm"
    status, body = await api.admin("POST", path)  # the balance, paid at the studio
    assert status == 200, body
    assert body["paid"]["value"] == "5000.00" and body["due_now"]["value"] == "0.00"
    assert (await api.admin("POST", path))[0] == 409
    events = (await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}"))[1]
    succeeded = [e for e in events["events"] if e["type"] == "payment.succeeded"]
    assert [e["payload"]["balance"] for e in succeeded] == [False, True]

    trusted = await api.booked(day=4)
    status, body = await api.admin(
        "POST", f"/api/bookings/{trusted['id']}/confirm", json={"amount": "0"}
    )
    assert status == 200 and body["status"] == "confirmed" and body["paid"]["value"] == "0.00"


async def test_confirm_expired_booking_after_its_start_is_refused(running: Running) -> None:
    booking = await running.api.booked(day=1, hour=12)
    running.clock.advance(hours=4)
    await running.jobs.expire()
    status, body = await running.api.admin("POST", f"/api/bookings/{booking['id']}/confirm")
    assert status == 409 and body["error"]["code"] == "too_late"


@pytest.mark.parametrize(
    "query",
    [
        "/api/bookings?limit=-1",
        "/api/bookings?limit=0",
        "/api/bookings?offset=-5",
        "/api/bookings?status=paid",
        "/api/notifications?limit=-1",
        "/api/notifications?status=lost",
        "/api/integrations/events?limit=-3",
    ],
)
async def test_bad_listing_parameters(running: Running, query: str) -> None:
    status, body = await running.api.admin("GET", query)
    assert status == 400, body
    assert body["error"]["code"] == "invalid_input"


async def test_no_token_learns_nothing_about_ids(running: Running) -> None:
    booking = await running.api.booked()
    payment = await running.api.start_payment(booking)
    for path in (
        f"/api/bookings/{booking['id']}",
        "/api/bookings/999",
        f"/api/payments/{payment['id']}",
        "/api/payments/999",
    ):
        assert (await running.api.call("GET", path))[0] == 401, path
    for booking_id in (booking["id"], 999):
        status, _ = await running.api.call(
            "POST", "/api/payments", json={"booking_id": booking_id, "gateway": "mock"}
        )
        assert status == 401


async def test_cancellation_tier_applies_to_what_was_not_given_back(running: Running) -> None:
    """An admin gave half back as a goodwill gesture; the client then cancels in the 50 %
    tier: half of what the client still has with the studio comes back, not everything."""
    api = running.api
    booking = await api.booked(day=3, hour=12, hours=2, mode="full")
    payment = await api.start_payment(booking)
    await api.checkout(payment, "succeeded")
    status, _ = await api.admin(
        "POST", f"/api/payments/{payment['id']}/refund", json={"amount": "2500.00"}
    )
    assert status == 201
    running.clock.advance(hours=10)  # 41 hours before the start: the 50 % tier
    assert (await api.cancel(booking))["refund"]["value"] == "1250.00"
    after = await api.booking(booking)
    assert (after["paid"]["value"], after["refunded"]["value"]) == ("5000.00", "3750.00")
