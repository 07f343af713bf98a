"""Bad input gets a clear JSON error and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Running, moscow, table_counts


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "hall_id": 1,
        "start": moscow(3, 12),
        "end": moscow(3, 14),
        "payment_mode": "prepay",
        "client": {"name": "Анна", "phone": "+79991234567"},
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"hall_id": 99}, 404, "hall_not_found"),
        ({"start": moscow(3, 12, 10)}, 400, "off_grid"),
        ({"start": moscow(3, 14), "end": moscow(3, 12)}, 400, "end_before_start"),
        ({"end": moscow(3, 12, 30)}, 400, "too_short"),
        ({"start": moscow(3, 7), "end": moscow(3, 9)}, 400, "outside_hours"),
        ({"start": moscow(3, 21), "end": moscow(3, 23)}, 400, "outside_hours"),
        ({"start": moscow(31, 19), "end": moscow(31, 21)}, 400, "closed"),
        ({"start": moscow(30, 12, month=11), "end": moscow(30, 14, month=11)}, 400, "in_past"),
        ({"start": moscow(1, 9, 30), "end": moscow(1, 11)}, 400, "too_soon"),
        (
            {"start": "2027-03-10T12:00:00+03:00", "end": "2027-03-10T14:00:00+03:00"},
            400,
            "beyond_horizon",
        ),
        ({"start": "2026-12-03T12:00:00"}, 400, "invalid_input"),
        # Spans no schedule need be read for: refused at once (not after reading years).
        ({"end": "9999-12-29T12:00:00+03:00"}, 400, "outside_hours"),
        ({"end": moscow(5, 12)}, 400, "outside_hours"),
        ({"start": "0001-01-01T12:00:00+03:00"}, 400, "in_past"),
        ({"hall_id": "1"}, 400, "invalid_input"),
        ({"hall_id": 2**31}, 400, "invalid_input"),
        ({"hall_id": 0}, 400, "invalid_input"),
        ({"payment_mode": "later"}, 400, "invalid_input"),
        ({"client": {"name": "Анна"}}, 400, "invalid_input"),
        ({"client": {"name": "Анна", "phone": "call me"}}, 400, "bad_phone"),
        # Too short to be a number: the same code the page shows its own words for.
        ({"client": {"name": "Анна", "phone": "123"}}, 400, "bad_phone"),
        ({"client": {"name": "Анна", "phone": "+79991234567", "email": "x@"}}, 400, "bad_email"),
    ],
)
async def test_booking_rules(
    running: Running, overrides: dict[str, Any], status: int, code: str
) -> None:
    before = await table_counts(running.sessionmaker)
    got, answer = await running.api.call("POST", "/api/bookings", json=body(**overrides))
    assert got == status, answer
    assert answer["error"]["code"] == code
    assert answer["error"]["message"]
    assert await table_counts(running.sessionmaker) == before


async def test_overlap_with_booking_and_its_buffer(running: Running) -> None:
    api = running.api
    await api.booked(day=3, hour=12, hours=2)  # blocks 12:00-14:15 with the buffer
    before = await table_counts(running.sessionmaker)
    for start, end in ((13, 15), (11, 12.25), (14, 15)):
        status, answer = await api.call(
            "POST",
            "/api/bookings",
            json=body(start=moscow(3, int(start)), end=moscow(3, int(end), int(end % 1 * 60))),
        )
        assert status == 409, (start, answer)
        assert answer["error"]["code"] == "slot_taken"
    assert await table_counts(running.sessionmaker) == before
    status, _ = await api.call(
        "POST", "/api/bookings", json=body(start=moscow(3, 14, 15), end=moscow(3, 15, 15))
    )
    assert status == 201  # right after the buffer is free


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b"", b'"text"'],
)
async def test_malformed_json(running: Running, raw: bytes) -> None:
    before = await table_counts(running.sessionmaker)
    status, answer = await running.api.call(
        "POST", "/api/bookings", data=raw, headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert answer["error"]["code"] == "malformed_json"
    assert await table_counts(running.sessionmaker) == before


async def test_oversized_body(running: Running) -> None:
    big = body(client={"name": "x" * 200_000, "phone": "+79991234567"})
    status, answer = await running.api.call("POST", "/api/bookings", json=big)
    assert status == 413
    assert answer["error"]["code"] == "body_too_large"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("hall_id=1&start_date=2026-12-01&end_date=2027-02-15", "range_too_long"),
        ("hall_id=1&start_date=2026-12-10&end_date=2026-12-01", "bad_range"),
        ("hall_id=1&start_date=2026-12-01", "invalid_input"),
        ("hall_id=x&start_date=2026-12-01&end_date=2026-12-02", "invalid_input"),
        ("hall_id=1&start_date=01.12.2026&end_date=2026-12-02", "invalid_input"),
        (f"hall_id={2**31}&start_date=2026-12-01&end_date=2026-12-02", "invalid_input"),
        ("hall_id=1&start_date=0001-01-01&end_date=0001-01-02", "invalid_input"),
        ("hall_id=1&start_date=9999-12-30&end_date=9999-12-31", "invalid_input"),
    ],
)
async def test_availability_bad_ranges(running: Running, query: str, code: str) -> None:
    status, answer = await running.api.call("GET", f"/api/bookings/availability?{query}")
    assert status == 400
    assert answer["error"]["code"] == code


async def test_availability_unknown_hall(running: Running) -> None:
    status, answer = await running.api.call(
        "GET", "/api/bookings/availability?hall_id=42&start_date=2026-12-02&end_date=2026-12-02"
    )
    assert status == 404
    assert answer["error"]["code"] == "hall_not_found"


async def test_unknown_gateway(running: Running) -> None:
    booking = await running.api.booked()
    before = await table_counts(running.sessionmaker)
    status, answer = await running.api.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": "paypal"},
        token=booking["access_token"],
    )
    assert status == 400
    assert answer["error"]["code"] == "unknown_gateway"
    assert await table_counts(running.sessionmaker) == before


async def test_payment_for_unpayable_bookings(running: Running) -> None:
    api = running.api
    paid = await api.booked(day=3, hour=10, mode="full")
    await api.checkout(await api.start_payment(paid), "succeeded")
    cancelled = await api.booked(day=4, hour=12)
    await api.call("DELETE", f"/api/bookings/{cancelled['id']}", token=cancelled["access_token"])
    expired = await api.booked(day=5, hour=12)
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    for booking, code in (
        (paid, "not_payable"),
        (cancelled, "not_payable"),
        (expired, "not_payable"),
    ):
        before = await table_counts(running.sessionmaker)
        status, answer = await api.call(
            "POST",
            "/api/payments",
            json={"booking_id": booking["id"], "gateway": "mock"},
            token=booking["access_token"],
        )
        assert status == 409, answer
        assert answer["error"]["code"] == code
        assert await table_counts(running.sessionmaker) == before


async def test_expired_hold_not_payable_even_before_the_sweep(running: Running) -> None:
    booking = await running.api.booked()
    running.clock.advance(minutes=16)
    status, answer = await running.api.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": "mock"},
        token=booking["access_token"],
    )
    assert status == 409
    assert answer["error"]["code"] == "hold_expired"
    assert (await running.api.booking(booking))["status"] == "expired"


async def test_tokens(running: Running) -> None:
    api = running.api
    mine = await api.booked(day=3)
    other = await api.booked(day=4)
    path = f"/api/bookings/{mine['id']}"
    assert (await api.call("GET", path))[0] == 401
    assert (await api.call("GET", path, token="wrong"))[0] == 404  # as if there were none
    assert (await api.call("GET", path, token=other["access_token"]))[0] == 404
    assert (await api.call("GET", path, token=mine["access_token"]))[0] == 200
    assert (await api.admin("GET", path))[0] == 200
    assert (await api.call("GET", "/api/bookings", token=mine["access_token"]))[0] == 403
    assert (await api.call("GET", "/api/bookings"))[0] == 401
    before = await table_counts(running.sessionmaker)
    assert (await api.call("DELETE", path, token=other["access_token"]))[0] == 404
    assert (await api.call("POST", f"{path}/confirm", token=mine["access_token"]))[0] == 403
    assert (await api.call("GET", "/api/integrations/events", token="nope"))[0] == 403
    assert (await api.call("GET", "/api/bookings/abc", token="x"))[0] == 404
    assert await table_counts(running.sessionmaker) == before


@pytest.mark.parametrize(
    "path",
    [
        f"/api/bookings/{2**31}",
        f"/api/payments/{10**30}",
        f"/api/payments/{2**31}/refund",
        f"/api/bookings/{2**31}/confirm",
    ],
)
async def test_ids_no_row_can_have_are_not_found(running: Running, path: str) -> None:
    """Numbers past the databases' ids (32-bit on PostgreSQL) are answered like any unknown
    id, not with a database error."""
    method = "GET" if path.count("/") == 3 else "POST"
    before = await table_counts(running.sessionmaker)
    status, answer = await running.api.admin(method, path)
    assert status == 404, answer
    assert answer["error"]["code"] == "not_found"
    assert await table_counts(running.sessionmaker) == before


async def test_payment_for_an_impossible_booking_id(running: Running) -> None:
    status, answer = await running.api.admin(
        "POST", "/api/payments", json={"booking_id": 2**31, "gateway": "mock"}
    )
    assert status == 400, answer
    assert answer["error"]["code"] == "invalid_input"


async def test_owner_cannot_cancel_a_session_in_progress(running: Running) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12, hours=2, mode="full")
    await api.checkout(await api.start_payment(booking), "succeeded")
    running.clock.advance(days=2, hours=3, minutes=30)  # 3 December, 12:30 in Moscow
    before = await table_counts(running.sessionmaker)
    path = f"/api/bookings/{booking['id']}"
    status, answer = await api.call("DELETE", path, token=booking["access_token"])
    assert status == 409 and answer["error"]["code"] == "too_late", answer
    assert await table_counts(running.sessionmaker) == before
    assert (await api.booking(booking))["status"] == "confirmed"
    status, answer = await api.admin("DELETE", path)
    assert status == 200 and answer["status"] == "cancelled"
