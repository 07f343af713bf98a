"""No-shows and blocked clients over the admin API: POST /api/bookings/{id}/no-show (after the
start, from confirmed only, nothing refunded), full payment after NO_SHOW_LIMIT no-shows, and
POST /api/clients/block and /unblock refusing a client's holds on the website and in the Mini
App while their bookings stay as they are. The money audit passes throughout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from booking.audit import audit_ledger
from db.outbox import Event
from tests.support import Running, moscow, msk, signed_init_data, table_counts

TOKEN = "123456789:TEST-page-fake-token_for-tests"
ANN = {"id": 111111111, "first_name": "Ann", "username": "ann_test", "language_code": "en"}


@pytest.fixture
def settings_env() -> dict[str, Any]:
    return {"bot_token": TOKEN}


async def paid(running: Running, **kw: Any) -> dict[str, Any]:
    booking = await running.api.booked(**kw)
    await running.api.checkout(await running.api.start_payment(booking), "succeeded")
    return booking


async def no_show(running: Running, booking_id: int, **kw: Any) -> tuple[int, Any]:
    return await running.api.call("POST", f"/api/bookings/{booking_id}/no-show", **kw)


async def audit_ok(running: Running) -> None:
    async with running.sessionmaker() as session:
        report = await audit_ledger(session, running.clock.now)
    assert report.ok, report.findings


async def test_no_show_after_the_start_from_confirmed_only(running: Running) -> None:
    api, token = running.api, running.api.admin_token
    booking = await paid(running, day=1, hour=11)
    held = await api.booked(day=1, hour=11, hall_id=2)
    status, body = await no_show(running, booking["id"], token=token)
    assert (status, body["error"]["code"]) == (409, "not_started")
    assert (await no_show(running, booking["id"], token=booking["access_token"]))[0] == 403
    assert (await no_show(running, booking["id"]))[0] == 401
    running.clock.now = msk(1, 11, 20)
    status, body = await no_show(running, booking["id"], token=token)
    assert status == 200, body
    assert (body["status"], body["paid"]["value"]) == ("no_show", "2500.00")
    status, body = await no_show(running, booking["id"], token=token)
    assert (status, body["error"]["code"]) == (409, "invalid_state")
    status, body = await no_show(running, held["id"], token=token)
    assert (status, body["error"]["code"]) == (409, "invalid_state")
    assert (await no_show(running, 999_999, token=token))[0] == 404
    status, body = await api.admin("DELETE", f"/api/bookings/{booking['id']}")
    assert (status, body["error"]["code"]) == (409, "invalid_state")
    seen = await api.booking(booking)
    assert (seen["status"], seen["paid"]["value"]) == ("no_show", "2500.00")
    async with running.sessionmaker() as session:
        [event] = await session.scalars(select(Event).where(Event.type == "booking.no_show"))
    assert event.payload["actor"] == "admin_api"
    status, body = await api.admin("GET", "/api/bookings?status=no_show")
    assert [b["id"] for b in body["bookings"]] == [booking["id"]]
    await audit_ok(running)


async def test_past_the_limit_prepayment_is_refused(running: Running) -> None:
    api = running.api
    first = await paid(running, day=1, hour=11)
    second = await paid(running, day=1, hour=11, hall_id=2)
    running.clock.now = msk(1, 11, 30)
    for booking in (first, second):
        assert (await no_show(running, booking["id"], token=api.admin_token))[0] == 200
    before = await table_counts(running.sessionmaker)
    status, body = await api.book(day=4)
    assert (status, body["error"]["code"]) == (403, "prepayment_not_allowed")
    assert await table_counts(running.sessionmaker) == before
    status, body = await api.book(day=4, mode="full")
    assert status == 201, body
    assert (body["payment_mode"], body["due_now"]["value"]) == ("full", "5000.00")
    await audit_ok(running)


async def test_block_and_unblock(running: Running) -> None:
    api = running.api
    booking = await paid(running)
    status, body = await api.admin(
        "POST", "/api/clients/block", json={"booking_code": booking["code"], "reason": "долг"}
    )
    assert status == 200, body
    assert body == {"blocked": True, "phones": ["+79991234567"], "telegram_ids": []}
    again, _ = await api.admin("POST", "/api/clients/block", json={"phone": "+79991234567"})
    assert again == 200  # blocked already: it stays so
    before = await table_counts(running.sessionmaker)
    status, body = await api.book(day=5)
    assert (status, body["error"]["code"]) == (403, "client_blocked")
    assert "+7 495 000-00-00" in body["error"]["message"]
    assert await table_counts(running.sessionmaker) == before
    # The booking they had stands and stays theirs.
    assert (await api.booking(booking))["status"] == "confirmed"
    status, body = await api.admin(
        "POST", "/api/clients/unblock", json={"phone": "8 (999) 123-45-67"}
    )
    assert (status, body["blocked"]) == (200, False)
    assert (await api.book(day=5))[0] == 201
    status, body = await api.admin("POST", "/api/clients/unblock", json={"phone": "+79991234567"})
    assert (status, body["error"]["code"]) == (404, "not_blocked")
    async with running.sessionmaker() as session:
        found = await session.scalars(select(Event).where(Event.type.like("client.%")))
        logged = [(e.type, e.payload["actor"]) for e in found]
    assert logged == [
        ("client.blocked", "admin_api"),
        ("client.blocked", "admin_api"),
        ("client.unblocked", "admin_api"),
    ]
    await audit_ok(running)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_input"),
        ({"phone": "+79991234567", "telegram_id": 5}, 400, "invalid_input"),
        ({"phone": "not a phone"}, 400, "bad_phone"),
        ({"telegram_id": 0}, 400, "invalid_input"),
        ({"telegram_id": "12x"}, 400, "invalid_input"),
        ({"booking_code": "NOPE42"}, 404, "booking_not_found"),
    ],
)
async def test_bad_blocks_change_nothing(
    running: Running, body: dict[str, Any], status: int, code: str
) -> None:
    before = await table_counts(running.sessionmaker)
    got, answer = await running.api.admin("POST", "/api/clients/block", json=body)
    assert (got, answer["error"]["code"]) == (status, code)
    assert await table_counts(running.sessionmaker) == before


async def test_only_the_admin_blocks(running: Running) -> None:
    booking = await running.api.booked()
    body = {"booking_code": booking["code"]}
    for token in (None, booking["access_token"]):
        status, _ = await running.api.call("POST", "/api/clients/block", json=body, token=token)
        assert status in (401, 403)
    assert (await running.api.book(day=5))[0] == 201


async def test_a_mini_app_user_blocked_by_telegram_id(running: Running) -> None:
    api = running.api
    init_data = signed_init_data(TOKEN, ANN, running.clock.now - timedelta(minutes=5))
    body = {
        "hall_id": 1,
        "start": moscow(3, 12),
        "end": moscow(3, 13),
        "payment_mode": "full",
        "client": {"name": "Ann", "phone": "+79990000001"},
    }
    headers = {"Authorization": f"tma {init_data}"}
    status, _ = await api.admin("POST", "/api/clients/block", json={"telegram_id": ANN["id"]})
    assert status == 200
    status, answer = await api.call("POST", "/api/bookings", json=body, headers=headers)
    assert (status, answer["error"]["code"]) == (403, "client_blocked")
    # Another phone does not get round it, and a plain website booking with that phone
    # (not blocked) still works.
    status, _ = await api.call("POST", "/api/bookings", json=body)
    assert status == 201


async def test_a_no_show_ends_the_pending_change(running: Running) -> None:
    api, token = running.api, running.api.admin_token
    booking = await paid(running, day=1, hour=11)  # 11:00–13:00
    running.clock.now = msk(1, 11, 20)
    status, body = await api.call(
        "POST",
        f"/api/bookings/{booking['id']}/extend",
        json={"minutes": 60},
        token=booking["access_token"],
    )
    assert status == 200 and body["due_now"]["value"] == "1250.00", body  # the prepayment's share
    link = await api.start_payment(booking)  # the difference's link, left unpaid
    status, body = await no_show(running, booking["id"], token=token)
    assert status == 200, body
    assert body["due_now"]["value"] == "0.00" and body["change_expires_at"] is None
    status, after = await api.book(day=1, hour=13, minute=30, hours=1)  # the hour asked is free
    assert status == 201, after
    await api.checkout(link, "succeeded")  # paid late all the same: no time is added
    seen = await api.booking(booking)
    assert seen["status"] == "no_show" and seen["end"] == moscow(1, 13)
    assert seen["total"]["value"] == "5000.00"  # the money counts as the booking's balance
    await audit_ok(running)
