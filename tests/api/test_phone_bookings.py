"""Bookings an admin takes for a client through the API (`source: admin`): paid in cash,
confirmed unpaid, or held with a payment link; the money audit and the stats count them,
the client gets the confirmation by e-mail, and nobody else can take a booking this way."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from booking.audit import audit_ledger
from booking.stats import period_stats
from db.outbox import Event
from tests.fakes.smtp_server import FakeSmtpServer
from tests.support import Running, make_booking, moscow, msk, table_counts

pytestmark = pytest.mark.email


def phone_booking(settle: str | None, **extra: Any) -> dict[str, Any]:
    start = datetime.fromisoformat(moscow(3, 12))
    body: dict[str, Any] = {
        "hall_id": 1,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "client": {"name": "Ирина", "phone": "8 (916) 555-44-33", "email": "irina@example.com"},
        "source": "admin",
        **extra,
    }
    if settle is not None:
        body["settle"] = settle
    return body


async def take(running: Running, settle: str | None, **extra: Any) -> dict[str, Any]:
    status, body = await running.api.admin(
        "POST", "/api/bookings", json=phone_booking(settle, **extra)
    )
    assert status == 201, body
    assert body["source"] == "admin"
    return dict(body)


async def events_of(running: Running, booking_id: int) -> list[Event]:
    async with running.sessionmaker() as session:
        stmt = select(Event).where(Event.booking_id == booking_id).order_by(Event.id)
        return list((await session.scalars(stmt)).all())


async def audit_holds(running: Running) -> None:
    async with running.sessionmaker() as session:
        report = await audit_ledger(session, running.clock.now)
    assert report.ok, report.render()


async def mailed(running: Running, smtp: FakeSmtpServer) -> list[str]:
    await running.jobs.relay()
    await running.jobs.deliver()
    return [
        str(m.message["Subject"]) for m in smtp.messages if m.rcpt_tos == ("irina@example.com",)
    ]


async def test_paid_in_cash(running: Running, smtp: FakeSmtpServer) -> None:
    booking = await take(running, "cash")
    assert booking["status"] == "confirmed"
    assert booking["paid"] == booking["total"] == {"value": "5000.00", "currency": "RUB"}
    assert booking["due_now"]["value"] == "0.00" and booking["payment"] is None
    detail = await running.api.booking(booking)
    [payment] = detail["payments"]
    assert (payment["gateway"], payment["status"]) == ("cash", "succeeded")
    assert payment["amount"]["value"] == "5000.00"
    kinds = {e.type: e.payload for e in await events_of(running, booking["id"])}
    assert kinds["booking.created"]["by"] == "admin"
    assert kinds["payment.succeeded"]["by"] == "admin"
    assert kinds["payment.succeeded"]["gateway"] == "cash"
    await audit_holds(running)
    async with running.sessionmaker() as session:
        stats = await period_stats(session, running.deps, date(2026, 12, 1), date(2026, 12, 31))
    assert stats.paid == 500_000 and stats.by_status == {"confirmed": 1}
    assert (stats.cash, stats.unpaid) == (500_000, 0)
    assert await mailed(running, smtp) == [f"Бронь {booking['code']} подтверждена"]


async def test_confirmed_unpaid_for_a_trusted_client(
    running: Running, smtp: FakeSmtpServer
) -> None:
    booking = await take(running, "unpaid")
    assert booking["status"] == "confirmed" and booking["paid"]["value"] == "0.00"
    assert (booking["due_now"]["value"], booking["due_kind"]) == ("5000.00", "balance")
    status, listed = await running.api.admin("GET", "/api/bookings?status=confirmed")
    assert status == 200
    assert [(b["code"], b["paid"]["value"]) for b in listed["bookings"]] == [
        (booking["code"], "0.00")
    ]
    confirmed = [e for e in await events_of(running, booking["id"]) if "confirmed" in e.type]
    assert confirmed[0].payload["by"] == "admin" and confirmed[0].payload["unpaid"] is True
    await audit_holds(running)  # an admin's confirmation: not "confirmed with nothing paid"
    async with running.sessionmaker() as session:
        stats = await period_stats(session, running.deps, date(2026, 12, 1), date(2026, 12, 31))
    assert (stats.paid, stats.cash, stats.unpaid) == (0, 0, 500_000)
    assert await mailed(running, smtp) == [f"Бронь {booking['code']} подтверждена"]


async def test_payment_link_to_forward(running: Running, smtp: FakeSmtpServer) -> None:
    booking = await take(running, "link", gateway="mock", payment_mode="full")
    assert booking["status"] == "pending_payment"
    link = booking["payment"]
    assert link["confirmation_url"] and link["amount"]["value"] == "5000.00"
    assert await mailed(running, smtp) == []  # nothing mailed before the money comes
    await running.api.checkout(link, "succeeded")
    after = await running.api.booking(booking)
    assert after["status"] == "confirmed" and after["paid"]["value"] == "5000.00"
    await audit_holds(running)
    assert await mailed(running, smtp) == [f"Бронь {booking['code']} подтверждена"]


async def test_settle_defaults_to_a_link_and_a_bad_gateway_is_refused(running: Running) -> None:
    booking = await take(running, None)
    assert booking["status"] == "pending_payment" and booking["payment"] is not None
    before = await table_counts(running.sessionmaker)
    status, body = await running.api.admin(
        "POST", "/api/bookings", json=phone_booking("link", gateway="paypal")
    )
    assert status == 400 and body["error"]["code"] in ("invalid_input", "unknown_gateway")
    status, body = await running.api.admin("POST", "/api/bookings", json=phone_booking("barter"))
    assert status == 400
    assert await table_counts(running.sessionmaker) == before


async def test_only_admins_take_bookings_for_clients(running: Running) -> None:
    api = running.api
    own = await api.booked(day=5)
    before = await table_counts(running.sessionmaker)
    status, body = await api.call("POST", "/api/bookings", json=phone_booking("cash"))
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    status, body = await api.call(
        "POST", "/api/bookings", json=phone_booking("unpaid"), token=own["access_token"]
    )
    assert (status, body["error"]["code"]) == (403, "forbidden")
    no_source = phone_booking("cash")
    del no_source["source"]  # `settle` alone asks for the same
    status, body = await api.call("POST", "/api/bookings", json=no_source)
    assert status == 401
    assert await table_counts(running.sessionmaker) == before


async def test_the_slot_is_held_like_any_other(running: Running) -> None:
    await take(running, "unpaid")
    status, body = await running.api.admin("POST", "/api/bookings", json=phone_booking("cash"))
    assert (status, body["error"]["code"]) == (409, "slot_taken")
    status, body = await running.api.book(day=3, hour=13)
    assert (status, body["error"]["code"]) == (409, "slot_taken")


async def test_a_blocked_client_is_refused_and_the_admin_told_how_to_unblock(
    running: Running,
) -> None:
    status, _ = await running.api.admin(
        "POST", "/api/clients/block", json={"phone": "+79165554433"}
    )
    assert status == 200
    before = await table_counts(running.sessionmaker)
    for settle in ("cash", "unpaid", "link"):
        status, body = await running.api.admin(
            "POST", "/api/bookings", json=phone_booking(settle, payment_mode="full")
        )
        assert (status, body["error"]["code"]) == (403, "client_blocked"), body
        assert "/unblock +79165554433" in body["error"]["message"]
        assert "POST /api/clients/unblock" in body["error"]["message"]
    assert await table_counts(running.sessionmaker) == before
    await running.api.admin("POST", "/api/clients/unblock", json={"phone": "+79165554433"})
    await take(running, "cash")


async def test_past_the_no_show_limit_the_full_price_only(running: Running) -> None:
    """Cash or a link for the whole price; never confirmed unpaid nor a prepayment link."""
    missed = [
        await make_booking(running.sessionmaker, running.deps, start=msk(1, 11), hall_id=hall)
        for hall in (1, 2)
    ]
    running.clock.now = msk(1, 11, 20)
    for booking in missed:
        status, _ = await running.api.admin("POST", f"/api/bookings/{booking.id}/no-show")
        assert status == 200
    anna = {"name": "Анна", "phone": "+7 999 123-45-67"}
    before = await table_counts(running.sessionmaker)
    status, body = await running.api.admin(
        "POST", "/api/bookings", json=phone_booking("unpaid", client=anna)
    )
    assert (status, body["error"]["code"]) == (403, "full_payment_required"), body
    assert "full price" in body["error"]["message"]
    status, body = await running.api.admin(
        "POST", "/api/bookings", json=phone_booking("link", client=anna, payment_mode="prepay")
    )
    assert (status, body["error"]["code"]) == (403, "prepayment_not_allowed"), body
    assert await table_counts(running.sessionmaker) == before
    link = await take(running, "link", client=anna, payment_mode="full", gateway="mock")
    assert link["payment"]["amount"]["value"] == link["total"]["value"] == "5000.00"
    cash = await take(running, "cash", client=anna, hall_id=2)
    assert cash["status"] == "confirmed" and cash["paid"] == cash["total"]
