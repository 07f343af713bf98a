"""Moving a booking over HTTP: same price, dearer (paid, or left to lapse), cheaper, the
cutoff and the limit, an admin without them, and two clients racing for one slot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from booking.audit import audit_ledger
from jobs.reminders import queue_due_reminders
from tests.support import Api, Running, moscow


async def paid_booking(api: Api, **kw: Any) -> dict[str, Any]:
    """A booking paid in full at the mock gateway (a prepayment with mode="prepay")."""
    kw.setdefault("mode", "full")
    booking = await api.booked(**kw)
    await api.checkout(await api.start_payment(booking), "succeeded")
    seen = await api.booking(booking)
    assert seen["status"] == "confirmed", seen
    return booking | {"seen": seen}


async def move(
    api: Api, booking: dict[str, Any], day: int, hour: int, hours: int = 2, hall_id: int = 1,
    token: str | None = None,
) -> tuple[int, Any]:  # fmt: skip
    return await api.call(
        "POST",
        f"/api/bookings/{booking['id']}/reschedule",
        json={
            "start": moscow(day, hour),
            "end": moscow(day, hour + hours),
            "hall_id": hall_id,
        },
        token=token or booking["access_token"],
    )


async def events(api: Api, booking: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    assert status == 200
    return list(body["events"])


async def audit_holds(running: Running) -> None:
    async with running.sessionmaker() as session:
        report = await audit_ledger(session, running.clock())
    assert report.ok, report.render()


def rub(value: str) -> dict[str, str]:
    return {"value": value, "currency": "RUB"}


async def test_same_price_moves_at_once_and_frees_the_old_time(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    status, moved = await move(api, booking, 3, 16)
    assert status == 200, moved
    assert moved["start"] == moscow(3, 16) and moved["status"] == "confirmed"
    assert moved["paid"] == rub("5000.00") and moved["due_now"] == rub("0.00")
    assert moved["moves_made"] == 1
    assert (await api.book(day=3, hour=12))[0] == 201  # the old time is free again
    assert (await api.book(day=3, hour=16))[0] == 409  # the new one is the client's
    moved_events = [e for e in await events(api, booking) if e["type"] == "booking.moved"]
    assert len(moved_events) == 1 and moved_events[0]["payload"]["by"] == "client"
    await audit_holds(running)


async def test_dearer_waits_for_the_difference_then_moves(running: Running) -> None:
    api = running.api
    # The loft: 2 h x 1800; four people, as many as the white hall's price covers.
    booking = await paid_booking(api, day=3, hour=12, hall_id=2, guests=4)
    status, asked = await move(api, booking, 3, 12, hall_id=1)  # white: 2 h x 2500
    assert status == 200, asked
    assert asked["hall_id"] == 2 and asked["start"] == moscow(3, 12)  # not moved yet
    assert asked["due_now"] == rub("1400.00") and asked["due_kind"] == "change"
    assert asked["change_expires_at"] is not None
    assert (await api.book(day=3, hour=12, hall_id=1))[0] == 409  # the new time is held
    assert (await api.book(day=3, hour=12, hall_id=2))[0] == 409  # and the old kept
    payment = await api.start_payment(booking)
    assert payment["amount"] == rub("1400.00") and payment["kind"] == "change"
    await api.checkout(payment, "succeeded")
    seen = await api.booking(booking)
    assert seen["hall_id"] == 1 and seen["status"] == "confirmed"
    assert seen["total"] == rub("5000.00") and seen["paid"] == rub("5000.00")
    assert seen["due_now"] == rub("0.00") and seen["change_expires_at"] is None
    assert (await api.book(day=3, hour=12, hall_id=2))[0] == 201  # the old time is free
    assert (await api.book(day=3, hour=12, hall_id=1))[0] == 409
    await audit_holds(running)


def utc(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).isoformat()


async def test_moves_are_recorded_in_utc_made_at_once_or_paid(running: Running) -> None:
    """booking.moved and booking.change_requested write every time as UTC ISO 8601, as the
    other events do, whether the move was made at once or after its difference was paid."""
    api = running.api
    at_once = await paid_booking(api, day=3, hour=12)
    assert (await move(api, at_once, 3, 16))[0] == 200
    dearer = await paid_booking(api, day=4, hour=12, hall_id=2)
    assert (await move(api, dearer, 4, 12, hall_id=1))[0] == 200
    await api.checkout(await api.start_payment(dearer), "succeeded")
    expected = {
        at_once["id"]: (moscow(3, 12), moscow(3, 14), moscow(3, 16), moscow(3, 18)),
        dearer["id"]: (moscow(4, 12), moscow(4, 14), moscow(4, 12), moscow(4, 14)),
    }
    for booking in (at_once, dearer):
        recorded = [
            e["payload"]
            for e in await events(api, booking)
            if e["type"] in {"booking.moved", "booking.change_requested"}
        ]
        assert recorded
        for payload in recorded:
            times = tuple(payload[k] for k in ("from_start", "from_end", "start", "end"))
            assert times == tuple(utc(t) for t in expected[booking["id"]]), payload
            assert all(t.endswith("+00:00") for t in times), payload


async def test_dearer_left_unpaid_lapses_and_the_booking_stays(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2, guests=4)
    status, asked = await move(api, booking, 3, 12, hall_id=1)
    assert status == 200 and asked["due_now"] == rub("1400.00")
    running.clock.advance(minutes=16)
    await running.jobs.expire()
    seen = await api.booking(booking)
    assert seen["hall_id"] == 2 and seen["start"] == moscow(3, 12)
    assert seen["status"] == "confirmed" and seen["due_now"] == rub("0.00")
    assert seen["moves_made"] == 0
    assert (await api.book(day=3, hour=12, hall_id=1))[0] == 201  # the held time is free
    assert "booking.change_lapsed" in [e["type"] for e in await events(api, booking)]
    await audit_holds(running)


async def test_a_prepaid_booking_pays_the_prepayment_difference(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2, mode="prepay", guests=4)
    status, asked = await move(api, booking, 3, 12, hall_id=1)  # prepayment 2500 now
    assert status == 200, asked
    assert asked["due_now"] == rub("700.00")
    await api.checkout(await api.start_payment(booking), "succeeded")
    seen = await api.booking(booking)
    assert seen["hall_id"] == 1 and seen["paid"] == rub("2500.00")
    assert seen["due_now"] == rub("2500.00") and seen["due_kind"] == "balance"
    await audit_holds(running)


async def test_cheaper_refunds_what_was_paid_above_the_new_price(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=1)  # 5000 paid
    status, moved = await move(api, booking, 3, 12, hall_id=2)  # loft: 3600
    assert status == 200, moved
    assert moved["hall_id"] == 2 and moved["total"] == rub("3600.00")
    seen = await api.booking(booking)
    assert seen["paid"] == rub("5000.00") and seen["refunded"] == rub("1400.00")
    assert seen["payments"][0]["refunded"] == rub("1400.00")
    assert (await api.book(day=3, hour=12, hall_id=1))[0] == 201
    await audit_holds(running)


async def test_the_cutoff_closes_moves_for_the_client_not_the_admin(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    running.clock.advance(hours=24 + 5)  # 2 Dec 14:00, 22 h before the start
    status, body = await move(api, booking, 3, 16)
    assert status == 409 and body["error"]["code"] == "reschedule_closed"
    assert (await api.booking(booking))["start"] == moscow(3, 12)
    status, body = await move(api, booking, 3, 16, token=api.admin_token)
    assert status == 200 and body["start"] == moscow(3, 16)
    by = [e["payload"]["by"] for e in await events(api, booking) if e["type"] == "booking.moved"]
    assert by == ["admin"]


async def test_the_limit_counts_the_clients_moves(running: Running) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    assert (await move(api, booking, 3, 15))[0] == 200
    status, body = await move(api, booking, 3, 18)
    assert status == 409 and body["error"]["code"] == "reschedule_limit"
    status, body = await move(api, booking, 3, 18, token=api.admin_token)
    assert status == 200 and body["moves_made"] == 1


async def test_two_clients_racing_for_one_time_one_wins(running: Running) -> None:
    api = running.api
    first = await paid_booking(api, day=3, hour=10)
    second = await paid_booking(api, day=3, hour=17)
    results = await asyncio.gather(move(api, first, 3, 13), move(api, second, 3, 13))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "slot_taken"
    starts = sorted([(await api.booking(b))["start"] for b in (first, second)])
    assert moscow(3, 13) in starts and len(set(starts)) == 2
    await audit_holds(running)


async def test_two_dearer_moves_racing_for_one_time_one_is_held(running: Running) -> None:
    api = running.api
    first = await paid_booking(api, day=3, hour=10, hall_id=2)
    second = await paid_booking(api, day=3, hour=17, hall_id=2)
    results = await asyncio.gather(
        move(api, first, 3, 13, hall_id=1), move(api, second, 3, 13, hall_id=1)
    )
    assert sorted(status for status, _ in results) == [200, 409], results


async def test_only_the_owner_or_an_admin_moves_and_bad_input_changes_nothing(
    running: Running,
) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12)
    other = await paid_booking(api, day=4, hour=12)
    status, body = await move(api, booking, 3, 16, token=other["access_token"])
    assert status == 404, body
    status, body = await api.call(
        "POST", f"/api/bookings/{booking['id']}/reschedule", json={"start": moscow(3, 16)},
        token=booking["access_token"],
    )  # fmt: skip
    assert status == 400, body
    status, body = await move(api, booking, 3, 21)  # past closing time
    assert status == 400 and body["error"]["code"] == "outside_hours", body
    status, body = await move(api, booking, 3, 12)
    assert status == 400 and body["error"]["code"] == "same_slot", body
    assert (await api.booking(booking))["moves_made"] == 0
    unpaid = await api.booked(day=5, hour=12)
    status, body = await move(api, unpaid, 5, 15)
    assert status == 409 and body["error"]["code"] == "invalid_state", body


async def test_an_admins_dearer_move_is_made_at_once_the_rest_a_balance(
    running: Running,
) -> None:
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2, guests=4)  # 3600 paid
    status, moved = await move(api, booking, 3, 12, hall_id=1, token=api.admin_token)
    assert status == 200, moved
    assert moved["hall_id"] == 1 and moved["total"] == rub("5000.00")
    assert moved["due_now"] == rub("1400.00") and moved["due_kind"] == "balance"
    assert moved["moves_made"] == 0  # the client's own moves are what the limit counts
    assert (await api.book(day=3, hour=12, hall_id=2))[0] == 201
    await audit_holds(running)


async def test_a_moved_booking_is_reminded_of_its_new_time(running: Running) -> None:
    """The day-before reminder went out for the old time; the new time gets its own."""
    booking = await paid_booking(running.api, day=3, hour=12)
    start = datetime.fromisoformat(moscow(3, 12))
    running.clock.now = start - timedelta(hours=23)
    async with running.sessionmaker() as session:
        assert await queue_due_reminders(session, running.deps, [24]) == 1
    status, moved = await move(running.api, booking, 5, 12, token=running.api.admin_token)
    assert status == 200, moved
    running.clock.now = datetime.fromisoformat(moscow(5, 12)) - timedelta(hours=23)
    async with running.sessionmaker() as session:
        assert await queue_due_reminders(session, running.deps, [24]) == 1


async def test_a_lapsed_change_hold_is_free_before_the_sweep(running: Running) -> None:
    """Availability shows a lapsed change hold's time free, so a new booking gets it at once;
    the sweep then records the change as lapsed, and no booking as expired."""
    api = running.api
    booking = await paid_booking(api, day=3, hour=12, hall_id=2)
    status, asked = await move(api, booking, 3, 12, hall_id=1)
    assert status == 200 and asked["due_kind"] == "change", asked
    running.clock.advance(minutes=16)
    assert (await api.book(day=3, hour=12, hall_id=1))[0] == 201
    await running.jobs.expire()
    assert "booking.change_lapsed" in [e["type"] for e in await events(api, booking)]
    status, body = await api.admin("GET", "/api/integrations/events?limit=1000")
    assert status == 200
    assert "booking.expired" not in [e["type"] for e in body["events"]]
    seen = await api.booking(booking)
    assert seen["hall_id"] == 2 and seen["status"] == "confirmed"
    assert seen["due_now"] == rub("0.00") and seen["change_expires_at"] is None


async def cash_paid(api: Api, **kw: Any) -> dict[str, Any]:
    """A booking whose prepayment (2500) an admin took in cash, by phone or at the desk."""
    booking = await api.booked(**kw)
    status, seen = await api.admin(
        "POST", f"/api/bookings/{booking['id']}/confirm", json={"note": "cash"}
    )
    assert status == 200 and seen["status"] == "confirmed", seen
    return booking


async def test_cash_a_client_is_owed_waits_for_an_admin_to_hand_it_over(
    running: Running,
) -> None:
    api = running.api
    booking = await cash_paid(api, day=3, hour=12, mode="full")  # 5000 in cash
    status, moved = await move(api, booking, 3, 12, hall_id=2)  # the loft: 3600
    assert status == 200, moved
    seen = await api.booking(booking)
    assert seen["refunded"] == rub("0.00"), seen  # nobody has given the 1400 back yet
    owed = [e for e in await events(api, booking) if e["type"] == "refund.cash_due"]
    assert len(owed) == 1 and owed[0]["payload"]["refund_amount"] == 140_000, owed
    refund_id = owed[0]["payload"]["refund_id"]
    running.clock.advance(minutes=30)
    await running.jobs.reconcile()  # the retries do not mark it made either
    assert (await api.booking(booking))["refunded"] == rub("0.00")
    status, settled = await api.admin(
        "POST", f"/api/refunds/{refund_id}/settle", json={"made": True, "note": "handed over"}
    )
    assert status == 200 and settled["status"] == "succeeded", settled
    assert (await api.booking(booking))["refunded"] == rub("1400.00")
    await audit_holds(running)

    other = await cash_paid(api, day=4, hour=12)  # the prepayment, 2500 in cash
    status, body = await api.call(
        "DELETE", f"/api/bookings/{other['id']}", token=other["access_token"]
    )
    assert status == 200 and body["refund"] == rub("2500.00"), body
    seen = await api.booking(other)
    assert seen["status"] == "cancelled" and seen["refunded"] == rub("0.00"), seen
    assert [e["type"] for e in await events(api, other)].count("refund.cash_due") == 1
    await audit_holds(running)


async def test_cash_still_owed_back_is_not_counted_as_paid(running: Running) -> None:
    api = running.api
    booking = await cash_paid(api, day=3, hour=12, mode="full")  # 5000 in cash
    assert (await move(api, booking, 3, 12, hall_id=2))[0] == 200  # 1400 owed back
    status, longer = await api.call(  # an hour more in the loft: 5400 in all
        "POST",
        f"/api/bookings/{booking['id']}/extend",
        json={"minutes": 60},
        token=booking["access_token"],
    )
    assert status == 200 and longer["due_now"] == rub("1800.00"), longer
    owed = [e for e in await events(api, booking) if e["type"] == "refund.cash_due"]
    assert len(owed) == 1, owed  # the 1400 is not owed twice
    await audit_holds(running)


async def test_cancelling_after_cash_owed_back_refunds_the_rest_once(running: Running) -> None:
    api = running.api
    booking = await cash_paid(api, day=3, hour=12, mode="full")  # 5000 in cash
    assert (await move(api, booking, 3, 12, hall_id=2))[0] == 200  # 1400 owed back
    seen = await api.booking(booking)
    assert seen["refund_if_cancelled_now"] == rub("3600.00"), seen
    status, body = await api.call(
        "DELETE", f"/api/bookings/{booking['id']}", token=booking["access_token"]
    )
    assert status == 200 and body["refund"] == rub("3600.00"), body
    owed = [e for e in await events(api, booking) if e["type"] == "refund.cash_due"]
    assert [e["payload"]["refund_amount"] for e in owed] == [140_000, 360_000]
    await audit_holds(running)
