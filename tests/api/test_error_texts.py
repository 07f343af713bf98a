"""What a refused request says, in plain and correct English: "an integer", "must not be
empty", "1 … is free", the documented code for a short phone, a clear `duplicate_addon`, no
empty list of bookings on a conflict that has none."""

from __future__ import annotations

from tests.api.test_selling import book
from tests.support import Running, table_counts


async def test_wrong_types_and_empty_names_read_as_plain_english(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    status, answer = await api.call(
        "POST",
        f"/api/bookings/{booking['id']}/extend",
        json={"minutes": "half an hour"},
        token=booking["access_token"],
    )
    assert status == 400, answer
    assert answer["error"]["message"].startswith("minutes: must be an integer"), answer
    status, answer = await book(api, client={"name": "  ", "phone": "+79991234567"})
    assert status == 400, answer
    assert answer["error"]["message"] == "client.name: must not be empty", answer


async def test_the_last_add_on_left_is_said_in_the_singular(running: Running) -> None:
    api = running.api
    status, first = await book(api, addons=[{"id": "light-kit"}])  # 1 of 2 taken
    assert status == 201, first
    status, answer = await book(api, hall_id=2, addons=[{"id": "light-kit", "quantity": 2}])
    assert (status, answer["error"]["code"]) == (409, "addon_unavailable"), answer
    assert "Only 1 of the add-on 'light-kit' is free" in answer["error"]["message"]


async def test_an_add_on_listed_twice_is_named_as_such(running: Running) -> None:
    before = await table_counts(running.sessionmaker)
    status, answer = await book(running.api, addons=[{"id": "props"}, {"id": "props"}])
    assert (status, answer["error"]["code"]) == (400, "duplicate_addon"), answer
    assert "listed twice" in answer["error"]["message"]
    assert await table_counts(running.sessionmaker) == before


async def test_a_certificate_buyers_short_phone_is_bad_phone(running: Running) -> None:
    buyer = {"name": "Анна", "phone": "12", "email": "a@example.com"}
    status, answer = await running.api.call(
        "POST",
        "/api/certificates/purchase",
        json={"amount": "5000.00", "gateway": "mock", "buyer": buyer},
    )
    assert (status, answer["error"]["code"]) == (400, "bad_phone"), answer


async def test_a_studio_conflict_without_bookings_lists_none(running: Running) -> None:
    api = running.api
    status, answer = await api.admin(
        "POST", "/api/halls", json={"slug": "white", "name": "Ещё", "hourly_price": "1.00"}
    )
    assert (status, answer["error"]["code"]) == (409, "hall_exists"), answer
    assert "bookings" not in answer["error"]
