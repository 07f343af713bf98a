"""Selling beside hall time through the JSON API: halls with capacity, photos, specs and
add-ons; bookings with guests and add-ons priced line by line; stock held over a booking's
span; the studio's rules accepted and kept with the booking."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import update

from db.sales import Addon
from tests.support import EXAMPLE_STUDIO, Api, Running, moscow, table_counts


def body(
    day: int = 3, hour: int = 12, hours: float = 2, hall_id: int = 1, **extra: Any
) -> dict[str, Any]:
    start = datetime.fromisoformat(moscow(day, hour))
    return {
        "hall_id": hall_id,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=hours)).isoformat(),
        "client": {"name": "Анна", "phone": "+7 999 123-45-67"},
        **extra,
    }


async def book(api: Api, **kw: Any) -> tuple[int, Any]:
    return await api.call("POST", "/api/bookings", json=body(**kw))


def amounts(booking: dict[str, Any]) -> list[tuple[str, str]]:
    return [(line["kind"], line["amount"]["value"]) for line in booking["price_lines"]]


async def test_halls_show_capacity_photos_specs_and_their_add_ons(running: Running) -> None:
    status, answer = await running.api.call("GET", "/api/halls")
    assert status == 200
    white, loft, _ = answer["halls"]
    assert (white["capacity"], white["included_guests"]) == (15, 4)
    assert white["extra_guest_fee"] == {
        "per": "person_hour", "above": 4, "price": {"value": "500.00", "currency": "RUB"},
        "percent": None,
    }  # fmt: skip
    assert white["specs"]["area_m2"] == 80
    assert [a["id"] for a in white["addons"]] == [
        "makeup", "light-kit", "smoke", "props", "cyclorama-cleaning",
    ]  # fmt: skip
    assert "cyclorama-cleaning" not in [a["id"] for a in loft["addons"]]
    kit = white["addons"][1]
    assert (kit["per"], kit["stock"], kit["price"]["value"]) == ("booking", 2, "800.00")
    assert answer["rules"] is None  # the tests' studio states none (see test_rules_*)
    photo = white["photos"][0]
    assert photo.startswith(running.api.base_url + "/studio/photos/")
    async with running.api.http.get(photo) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")


async def test_a_booking_with_guests_and_add_ons_is_priced_line_by_line(
    running: Running,
) -> None:
    api = running.api
    extras = [{"id": "makeup", "quantity": 2}, {"id": "cyclorama-cleaning"}]
    status, booking = await book(api, guests=6, addons=extras)
    assert status == 201, booking
    # Thursday 12:00-14:00 in the white hall: 2 × 2,500 ₽; two makeup places for two hours;
    # the cleaning once; two people over the four included at 500 ₽ an hour.
    assert amounts(booking) == [
        ("hall", "5000.00"),
        ("addon", "1200.00"),
        ("addon", "1200.00"),
        ("guests", "2000.00"),
    ]
    assert booking["total"]["value"] == "9400.00"
    assert booking["prepayment"]["value"] == "4700.00"
    assert booking["due_now"]["value"] == "4700.00"
    assert booking["guests"] == 6
    assert booking["addons"] == [
        {"id": "makeup", "quantity": 2}, {"id": "cyclorama-cleaning", "quantity": 1},
    ]  # fmt: skip
    titles = [(line["title"], line["title_en"]) for line in booking["price_lines"]]
    assert titles[0] == ("Белый зал", "White hall")
    assert titles[3] == ("Гости сверх 4: 2", "Guests over 4: 2")

    # The studio raises the price afterwards: the booking made keeps its own.
    async with running.sessionmaker() as session:
        await session.execute(update(Addon).where(Addon.slug == "makeup").values(price=99_900))
        await session.commit()
    again = await api.booking(booking)
    assert amounts(again) == amounts(booking)
    assert again["total"] == booking["total"]


async def test_without_extras_a_booking_is_the_hall_time_alone(running: Running) -> None:
    booking = await running.api.booked()
    assert amounts(booking) == [("hall", "5000.00")]
    assert booking["total"]["value"] == "5000.00"
    assert booking["guests"] == 4  # what the price covers
    assert booking["addons"] == [] and booking["rules_version"] is None


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"guests": 16}, "over_capacity"),
        ({"addons": [{"id": "jacuzzi"}]}, "addon_unavailable"),
        ({"addons": [{"id": "makeup", "quantity": 3}]}, "addon_unavailable"),
        ({"addons": [{"id": "makeup"}, {"id": "makeup"}]}, "duplicate_addon"),
        ({"hall_id": 2, "addons": [{"id": "cyclorama-cleaning"}]}, "addon_unavailable"),
    ],
)
async def test_what_the_hall_cannot_have_is_refused_and_changes_nothing(
    running: Running, extra: dict[str, Any], code: str
) -> None:
    before = await table_counts(running.sessionmaker)
    status, answer = await book(running.api, **extra)
    assert (status, answer["error"]["code"]) == (400, code), answer
    assert await table_counts(running.sessionmaker) == before


async def availability(api: Api, hall_id: int, day: int, start: int, end: int) -> dict[str, int]:
    span = f"start={quote(moscow(day, start))}&end={quote(moscow(day, end))}"
    status, answer = await api.call("GET", f"/api/addons/availability?hall_id={hall_id}&{span}")
    assert status == 200, answer
    return {item["id"]: item["available"] for item in answer["addons"]}


async def test_stock_is_shared_by_the_halls_over_each_span_buffers_included(
    running: Running,
) -> None:
    api = running.api
    assert (await availability(api, 2, 3, 13, 15))["smoke"] == 1
    # The white hall takes the one smoke machine 12:00-14:00 (its buffer to 14:15).
    status, first = await book(api, addons=[{"id": "smoke"}])
    assert status == 201, first
    assert (await availability(api, 2, 3, 13, 15))["smoke"] == 0
    assert (await availability(api, 2, 3, 14, 16))["smoke"] == 0  # inside the buffer
    assert (await availability(api, 2, 3, 15, 17))["smoke"] == 1
    assert (await availability(api, 2, 3, 13, 15))["props"] == 5  # not counted: max_quantity

    before = await table_counts(running.sessionmaker)
    status, refused = await book(api, hall_id=2, hour=13, addons=[{"id": "smoke"}])
    assert (status, refused["error"]["code"]) == (409, "addon_unavailable"), refused
    assert await table_counts(running.sessionmaker) == before
    status, later = await book(api, hall_id=2, hour=15, addons=[{"id": "smoke"}])
    assert status == 201, later

    # The first hold lapses unpaid: its machine is free again at once.
    running.clock.advance(minutes=16)
    assert (await availability(api, 2, 3, 13, 15))["smoke"] == 1
    status, taken = await book(api, hall_id=3, hour=12, addons=[{"id": "smoke"}])
    assert status == 201, taken


async def test_a_paid_booking_keeps_its_stock_and_a_cancelled_one_frees_it(
    running: Running,
) -> None:
    api = running.api
    status, first = await book(api, addons=[{"id": "light-kit", "quantity": 2}])
    assert status == 201, first
    await api.checkout(await api.start_payment(first), "succeeded")
    running.clock.advance(minutes=30)  # long past any hold: paid bookings keep theirs
    assert (await availability(api, 2, 3, 12, 14))["light-kit"] == 0
    await api.cancel(first)
    assert (await availability(api, 2, 3, 12, 14))["light-kit"] == 2


class TestRules:
    """The example studio as shipped, with its rules."""

    @pytest.fixture
    def settings_env(self) -> dict[str, Any]:
        return {"studio_file": EXAMPLE_STUDIO}

    async def test_rules_must_be_accepted_and_their_version_is_kept(
        self, running: Running
    ) -> None:
        api = running.api
        status, halls = await api.call("GET", "/api/halls")
        assert halls["rules"]["version"] == "2026-12-01"
        assert halls["rules"]["text"].startswith("Бронь — согласие с правилами")
        before = await table_counts(running.sessionmaker)
        for refused in (body(), body(accept_rules=False)):
            status, answer = await api.call("POST", "/api/bookings", json=refused)
            assert (status, answer["error"]["code"]) == (400, "rules_not_accepted")
        assert await table_counts(running.sessionmaker) == before
        status, booking = await book(api, accept_rules=True)
        assert status == 201, booking
        assert booking["rules_version"] == "2026-12-01"
        assert (await api.booking(booking))["rules_version"] == "2026-12-01"


async def test_a_late_payment_whose_add_on_was_taken_meanwhile_is_refunded(
    running: Running,
) -> None:
    """The hall is still free, but the one smoke machine went to another hall's booking
    while the hold had lapsed: the payment goes back as for a lost slot."""
    api = running.api
    status, first = await book(api, addons=[{"id": "smoke"}])
    assert status == 201, first
    payment = await api.start_payment(first)
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    status, second = await book(api, hall_id=2, hour=13, addons=[{"id": "smoke"}])
    assert status == 201, second
    await api.checkout(payment, "succeeded")
    after = await api.booking(first)
    assert after["status"] == "expired"
    assert after["payments"][0]["status"] == "refunded"
    assert (await availability(api, 3, 3, 13, 14))["smoke"] == 0  # still the second's


async def test_a_late_payment_confirms_when_its_add_on_is_still_free(running: Running) -> None:
    api = running.api
    status, first = await book(api, addons=[{"id": "smoke"}])
    payment = await api.start_payment(first)
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    await api.checkout(payment, "succeeded")
    assert (await api.booking(first))["status"] == "confirmed"
    assert (await availability(api, 2, 3, 13, 14))["smoke"] == 0
