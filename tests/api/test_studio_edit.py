"""The studio edited while it runs, through the admin API: what clients see changes at once,
bookings already made keep what they were made with, and a change that a live booking
stands in the way of is refused with its code and the bookings' codes, changing nothing."""

from __future__ import annotations

from typing import Any

from db.models import Booking
from settings import ROOT
from tests.support import Api, Running, moscow, msk, table_counts

HOURS = "/api/studio/hours"


async def day_of(api: Api, hall_id: int, day: str) -> dict[str, Any]:
    path = f"/api/bookings/availability?hall_id={hall_id}&start_date={day}&end_date={day}"
    status, body = await api.call("GET", path)
    assert status == 200, body
    return dict(body["days"][0])


async def studio_events(running: Running) -> list[dict[str, Any]]:
    status, body = await running.api.admin("GET", "/api/integrations/events?limit=1000")
    assert status == 200
    return [e for e in body["events"] if e["type"] == "studio.changed"]


async def hall(api: Api, hall_id: int) -> dict[str, Any] | None:
    status, body = await api.call("GET", "/api/halls")
    assert status == 200
    return next((h for h in body["halls"] if h["id"] == hall_id), None)


async def test_hours_of_a_weekday_and_of_dates_show_in_availability(running: Running) -> None:
    api = running.api
    status, hours = await api.admin("GET", HOURS)
    assert status == 200 and hours["hours"]["thu"] == ["09:00", "22:00"] and hours["days"] == {}
    changed = {
        "hours": {**hours["hours"], "thu": ["11:00", "20:00"]},
        "days": {"2026-12-04": ["10:00", "16:00"], "2026-12-05": None},
    }
    status, body = await api.admin("PUT", HOURS, json=changed)
    assert status == 200, body
    assert body["days"] == {"2026-12-04": ["10:00", "16:00"], "2026-12-05": None}
    thursday = await day_of(api, 1, "2026-12-03")
    assert thursday["open"].endswith("T11:00:00+03:00") and thursday["starts"][0] == "11:00"
    assert thursday["starts"][-1] == "19:00"
    short = await day_of(api, 1, "2026-12-04")
    assert short["close"] == "2026-12-04T16:00:00+03:00" and short["starts"][-1] == "15:00"
    closed = await day_of(api, 1, "2026-12-05")
    assert closed["open"] is None and closed["starts"] == []
    status, body = await api.book(day=5, hour=12)
    assert status == 400 and body["error"]["code"] == "outside_hours"
    [event] = await studio_events(running)
    assert event["payload"]["what"] == "hours" and event["payload"]["by"] == "api"


async def test_hours_that_would_strand_a_booking_are_refused(running: Running) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12)  # Thursday 12:00-14:00
    _, hours = await api.admin("GET", HOURS)
    before = await table_counts(running.sessionmaker)
    for change in (
        {"hours": {**hours["hours"], "thu": ["13:00", "22:00"]}},
        {"hours": {d: s for d, s in hours["hours"].items() if d != "thu"}},
        {"hours": hours["hours"], "days": {"2026-12-03": None}},
        {"hours": hours["hours"], "days": {"2026-12-03": ["09:00", "13:30"]}},
    ):
        status, body = await api.admin("PUT", HOURS, json=change)
        assert status == 409, (change, body)
        assert body["error"]["code"] == "bookings_outside_hours"
        assert body["error"]["bookings"] == [booking["code"]]
    assert (await api.admin("GET", HOURS))[1] == hours
    assert await table_counts(running.sessionmaker) == before
    # A cancelled booking no longer stands in the way.
    await api.cancel(booking)
    status, _ = await api.admin("PUT", HOURS, json={"hours": hours["hours"],
                                                    "days": {"2026-12-03": None}})  # fmt: skip
    assert status == 200


async def test_bad_hours_are_refused_with_a_reason(running: Running) -> None:
    api = running.api
    _, hours = await api.admin("GET", HOURS)
    for change, code in (
        ({"hours": {"mon": ["22:00", "10:00"]}}, "bad_hours"),
        ({"hours": {"mon": ["10:00"]}}, "invalid_input"),
        ({"hours": {"monday": ["10:00", "12:00"]}}, "invalid_input"),
        ({"hours": {"mon": ["10:00", "25:00"]}}, "invalid_input"),
        ({"hours": {}, "days": {"2026-02-30": None}}, "bad_hours"),
        ({"hours": {}, "extra": 1}, "invalid_input"),
    ):
        status, body = await api.admin("PUT", HOURS, json=change)
        assert status == 400 and body["error"]["code"] == code, (change, body)
    assert (await api.admin("GET", HOURS))[1] == hours


async def test_only_the_admin_token_edits_the_studio(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    for method, path, body in (
        ("GET", HOURS, None),
        ("PUT", HOURS, {"hours": {}}),
        ("POST", "/api/halls", {"slug": "x", "name": "X", "hourly_price": "1.00"}),
        ("PATCH", "/api/halls/1", {"hourly_price": "1.00"}),
        ("POST", "/api/addons", {"id": "x", "title": "X", "price": "1.00", "per": "unit"}),
        ("PATCH", "/api/addons/makeup", {"price": "1.00"}),
        ("PUT", "/api/studio/rules", {"text": "x"}),
    ):
        status, _ = await api.call(method, path, json=body)
        assert status == 401, path
        status, _ = await api.call(method, path, json=body, token=booking["access_token"])
        assert status == 403, path
    assert await studio_events(running) == []


async def test_a_hall_changed_shows_at_once_and_bookings_keep_their_price(
    running: Running,
) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12, hall_id=3)  # dark hall, 1500 ₽/h
    status, body = await api.admin(
        "PATCH",
        "/api/halls/3",
        json={"hourly_price": "2000.00", "name": "Чёрный зал", "name_en": "Black hall",
              "min_minutes": 60, "buffer_minutes": 15, "capacity": 8,
              "specs": {"area_m2": 46}, "photos": ["https://example.com/black.jpg"],
              "price_rules": [{"weekdays": ["sat"], "start": "10:00", "end": "20:00",
                               "hourly_price": "2500.00"}]},
    )  # fmt: skip
    assert status == 200, body
    shown = await hall(api, 3)
    assert shown is not None
    assert shown["hourly_price"]["value"] == "2000.00" and shown["name_en"] == "Black hall"
    assert shown["min_minutes"] == 60 and shown["capacity"] == 8
    assert shown["photos"] == ["https://example.com/black.jpg"]
    assert shown["price_rules"][0]["weekdays"] == [5]
    assert (await day_of(api, 3, "2026-12-04"))["starts"][0] == "09:00"
    assert (
        (await api.booking(booking))["total"]
        == booking["total"]
        == {"value": "3000.00", "currency": "RUB"}
    )
    status, new = await api.book(day=4, hour=12, hours=1, hall_id=3)
    assert status == 201 and new["total"]["value"] == "2000.00"
    [event] = await studio_events(running)
    assert event["payload"]["by"] == "api" and event["payload"]["hall_id"] == 3
    assert event["payload"]["changes"]["hourly_price"] == [150000, 200000]


async def test_hiding_a_hall_with_bookings_must_say_so(running: Running) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12, hall_id=2)
    status, body = await api.admin("PATCH", "/api/halls/2", json={"active": False})
    assert status == 409 and body["error"]["code"] == "hall_has_bookings"
    assert body["error"]["bookings"] == [booking["code"]]
    assert await hall(api, 2) is not None
    status, body = await api.admin(
        "PATCH", "/api/halls/2", json={"active": False, "keep_bookings": True}
    )
    assert status == 200 and body["active"] is False
    assert await hall(api, 2) is None
    status, _ = await api.book(day=4, hall_id=2)
    assert status == 404
    assert (await api.booking(booking))["status"] == "pending_payment"
    status, body = await api.admin("PATCH", "/api/halls/2", json={"active": True})
    assert status == 200 and await hall(api, 2) is not None


async def test_capacity_below_a_booking_is_refused(running: Running) -> None:
    api = running.api
    status, booking = await api.call("POST", "/api/bookings", json={
        "hall_id": 1, "start": moscow(3, 12), "end": moscow(3, 14), "payment_mode": "prepay",
        "guests": 10, "client": {"name": "Анна", "phone": "+7 999 123-45-67"}})  # fmt: skip
    assert status == 201, booking
    status, body = await api.admin("PATCH", "/api/halls/1", json={"capacity": 8})
    assert status == 409 and body["error"]["code"] == "bookings_over_capacity"
    assert body["error"]["bookings"] == [booking["code"]]
    status, body = await api.admin("PATCH", "/api/halls/1", json={"capacity": 10})
    assert status == 200 and body["capacity"] == 10


async def test_capacity_below_the_people_a_client_chose_is_refused(running: Running) -> None:
    """The people the client chose count, not the number the booking is priced for: a
    booking for 8 whose stored count is the hall's covered 4 still stands in the way of a
    capacity of 6. A booking with no number chosen is checked by the number it counts."""
    api = running.api
    status, chosen = await api.call("POST", "/api/bookings", json={
        "hall_id": 1, "start": moscow(3, 12), "end": moscow(3, 14), "payment_mode": "prepay",
        "guests": 8, "client": {"name": "Анна", "phone": "+7 999 123-45-67"}})  # fmt: skip
    assert status == 201, chosen
    unchosen = await api.booked(day=4, hour=12)  # counted for the hall's covered 4
    async with running.sessionmaker() as session:
        stored = await session.get(Booking, chosen["id"])
        assert stored is not None and stored.guests_chosen == 8
        stored.guests = 4
        await session.commit()
    status, body = await api.admin("PATCH", "/api/halls/1", json={"capacity": 6})
    assert status == 409 and body["error"]["code"] == "bookings_over_capacity", body
    assert body["error"]["bookings"] == [chosen["code"]]
    assert (await hall(api, 1) or {})["capacity"] == 15
    status, body = await api.admin(
        "PATCH", "/api/halls/1", json={"capacity": 3, "included_guests": 3}
    )
    assert status == 409 and body["error"]["bookings"] == [chosen["code"], unchosen["code"]]
    status, body = await api.admin("PATCH", "/api/halls/1", json={"capacity": 8})
    assert status == 200 and body["capacity"] == 8


async def test_bad_hall_changes_are_refused(running: Running) -> None:
    api = running.api
    before = await hall(api, 1)
    for patch, code in (
        ({"min_minutes": 50}, "bad_hall"),
        ({"buffer_minutes": 735}, "bad_hall"),
        ({"included_guests": 40}, "bad_hall"),
        ({"hourly_price": "12.345"}, "invalid_input"),
        ({"hourly_price": "100000000.00"}, "invalid_input"),  # would not fit the database
        ({"photos": ["photos/none.png"]}, "bad_hall"),
        ({"slug": "renamed"}, "invalid_input"),
        ({"price_rules": [{"weekdays": ["mon"], "start": "20:00", "end": "10:00",
                           "hourly_price": "1.00"}]}, "bad_hall"),
    ):  # fmt: skip
        status, body = await api.admin("PATCH", "/api/halls/1", json=patch)
        assert status == 400 and body["error"]["code"] == code, (patch, body)
    status, body = await api.admin("PATCH", "/api/halls/99", json={"capacity": 3})
    assert status == 404 and body["error"]["code"] == "hall_not_found"
    assert await hall(api, 1) == before


async def test_a_new_hall_is_bookable_at_once(running: Running) -> None:
    api = running.api
    status, body = await api.admin("POST", "/api/halls", json={
        "slug": "green", "name": "Зелёный зал", "name_en": "Green hall",
        "hourly_price": "1900.00", "min_minutes": 120, "buffer_minutes": 30,
        "photos": ["photos/loft-1.png"]})  # fmt: skip
    assert status == 201, body
    assert body["id"] == 4 and body["active"] is True and body["photos"][0].endswith("loft-1.png")
    assert [a["id"] for a in body["addons"]] == ["makeup", "light-kit", "smoke", "props"]
    shown = await hall(api, 4)
    assert shown is not None and shown["name"] == "Зелёный зал"
    booked = await api.booked(day=3, hour=12, hall_id=4)
    assert booked["total"]["value"] == "3800.00"
    status, body = await api.admin("POST", "/api/halls", json={
        "slug": "green", "name": "Ещё один", "hourly_price": "1.00"})  # fmt: skip
    assert status == 409 and body["error"]["code"] == "hall_exists"


async def test_an_english_name_not_given_is_the_russian_one_in_latin_letters(
    running: Running,
) -> None:
    """The English page never reads "Choose Мансарда": a hall or an add-on made without an
    English name gets the Russian one in Latin letters until the studio gives one."""
    api = running.api
    status, made = await api.admin("POST", "/api/halls", json={
        "slug": "attic", "name": "Мансарда", "hourly_price": "1500.00"})  # fmt: skip
    assert status == 201, made
    assert made["name_en"] == "Mansarda"
    status, addon = await api.admin("POST", "/api/addons", json={
        "id": "steam", "title": "Отпариватель", "price": "300.00", "per": "booking"})  # fmt: skip
    assert status == 201, addon
    assert addon["title_en"] == "Otparivatel"
    status, named = await api.admin("PATCH", f"/api/halls/{made['id']}", json={"name_en": "Attic"})
    assert status == 200 and named["name_en"] == "Attic"


async def test_addons_price_stock_and_halls(running: Running) -> None:
    api = running.api
    status, booking = await api.call("POST", "/api/bookings", json={
        "hall_id": 1, "start": moscow(3, 12), "end": moscow(3, 14), "payment_mode": "prepay",
        "addons": [{"id": "light-kit", "quantity": 2}],
        "client": {"name": "Анна", "phone": "+7 999 123-45-67"}})  # fmt: skip
    assert status == 201, booking
    lines = booking["price_lines"]
    status, body = await api.admin("PATCH", "/api/addons/light-kit", json={"stock": 1})
    assert status == 409 and body["error"]["code"] == "stock_below_booked"
    assert body["error"]["bookings"] == [booking["code"]]
    status, body = await api.admin(
        "PATCH", "/api/addons/light-kit", json={"stock": 3, "price": "900.00"}
    )
    assert status == 200 and body["stock"] == 3 and body["price"]["value"] == "900.00"
    assert (await api.booking(booking))["price_lines"] == lines
    shown = await hall(api, 1)
    assert shown is not None
    kit = next(a for a in shown["addons"] if a["id"] == "light-kit")
    assert kit["stock"] == 3 and kit["price"]["value"] == "900.00"
    # Hidden, it is offered no more; for one hall only, only there.
    status, body = await api.admin("PATCH", "/api/addons/smoke", json={"active": False})
    assert status == 200 and body["active"] is False
    status, body = await api.admin("POST", "/api/addons", json={
        "id": "fan", "title": "Вентилятор", "title_en": "Fan", "price": "200.00",
        "per": "booking", "stock": 1, "hall_id": 2})  # fmt: skip
    assert status == 201 and body["hall_id"] == 2, body
    white, loft = await hall(api, 1), await hall(api, 2)
    assert white is not None and loft is not None
    assert "smoke" not in [a["id"] for a in white["addons"]]
    assert "fan" not in [a["id"] for a in white["addons"]]
    assert "fan" in [a["id"] for a in loft["addons"]]
    for method, path, data, code in (
        ("POST", "/api/addons", {"id": "fan", "title": "x", "price": "1.00", "per": "unit"},
         409),
        ("POST", "/api/addons", {"id": "Fan!", "title": "x", "price": "1.00", "per": "unit"},
         400),
        ("PATCH", "/api/addons/fan", {"per": "minute"}, 400),
        ("PATCH", "/api/addons/fan", {"max_quantity": 0}, 400),
        ("PATCH", "/api/addons/fan", {"price": "55674775.80"}, 400),
        ("PATCH", "/api/addons/fan", {"hall_id": 99}, 404),
        ("PATCH", "/api/addons/nothing", {"price": "1.00"}, 404),
    ):  # fmt: skip
        status, body = await api.admin(method, path, json=data)
        assert status == code, (path, data, body)
    kinds = [e["payload"]["what"] for e in await studio_events(running)]
    assert kinds == ["addon", "addon", "addon"]


async def test_new_rules_get_a_new_version(running: Running) -> None:
    api = running.api
    status, body = await api.admin(
        "PUT", "/api/studio/rules", json={"text": "Без обуви.", "text_en": "No shoes."}
    )
    assert status == 200 and body["version"] == "2026-12-01", body
    status, body = await api.admin("PUT", "/api/studio/rules", json={
        "url": "https://studio.example/rules"})  # fmt: skip
    assert status == 200 and body["version"] == "2026-12-01.2"
    _, halls = await api.call("GET", "/api/halls")
    assert halls["rules"]["version"] == "2026-12-01.2"
    assert halls["rules"]["url"] == "https://studio.example/rules"
    status, body = await api.admin("PUT", "/api/studio/rules", json={"text": " "})
    assert status == 400 and body["error"]["code"] == "bad_rules"
    status, body = await api.admin("PUT", "/api/studio/rules", json={"url": "ftp://x"})
    assert status == 400 and body["error"]["code"] == "invalid_input"


async def test_hours_that_would_strand_a_pending_extend_are_refused(running: Running) -> None:
    """Time held for a change that is not paid yet counts as its booking's: paid later, it
    would put the booking outside the hours. A lapsed hold stands in no one's way."""
    api = running.api
    booking = await api.booked(day=3, hour=12, mode="full")  # Thursday 12:00-14:00
    await api.checkout(await api.start_payment(booking), "succeeded")
    status, asked = await api.call(
        "POST", f"/api/bookings/{booking['id']}/extend", json={"minutes": 60},
        token=booking["access_token"],
    )  # fmt: skip
    assert status == 200 and asked["due_kind"] == "change", asked
    _, hours = await api.admin("GET", HOURS)
    short = {"hours": hours["hours"], "days": {"2026-12-03": ["09:00", "14:30"]}}
    status, body = await api.admin("PUT", HOURS, json=short)
    assert status == 409 and body["error"]["code"] == "bookings_outside_hours", body
    assert body["error"]["bookings"] == [booking["code"]]
    to_the_end = {"hours": hours["hours"], "days": {"2026-12-03": ["09:00", "15:00"]}}
    assert (await api.admin("PUT", HOURS, json=to_the_end))[0] == 200
    running.clock.advance(minutes=16)  # the hold lapses, not yet swept
    assert (await api.admin("PUT", HOURS, json=short))[0] == 200


async def test_hours_off_the_grid_or_on_past_dates_are_refused(running: Running) -> None:
    """Starts are offered every 15 minutes, and a date gone by cannot be opened or closed;
    a past date already stored comes back as it is (an edit sends the whole table)."""
    api = running.api
    _, hours = await api.admin("GET", HOURS)
    for change, code, where in (
        ({"hours": {**hours["hours"], "mon": ["10:10", "22:00"]}}, "hours_off_grid", "mon"),
        ({"hours": {**hours["hours"], "fri": ["09:00", "21:50"]}}, "hours_off_grid", "fri"),
        ({"hours": hours["hours"], "days": {"2026-12-04": ["10:00", "16:05"]}},
         "hours_off_grid", "2026-12-04"),
        ({"hours": hours["hours"], "days": {"2026-11-30": None}}, "date_in_past", "2026-11-30"),
        ({"hours": hours["hours"], "days": {"2026-11-30": ["10:00", "16:00"]}},
         "date_in_past", "2026-11-30"),
    ):  # fmt: skip
        status, body = await api.admin("PUT", HOURS, json=change)
        assert (status, body["error"]["code"]) == (400, code), (change, body)
        assert where in body["error"]["message"]
    assert (await api.admin("GET", HOURS))[1] == hours
    today = {"hours": hours["hours"], "days": {"2026-12-01": ["10:00", "16:30"]}}
    status, body = await api.admin("PUT", HOURS, json=today)
    assert status == 200, body
    running.clock.now = msk(3, 12)  # the 1st has passed; sent back as stored, it stays
    status, body = await api.admin("PUT", HOURS, json=today)
    assert status == 200 and body["days"] == today["days"], body
    moved = {"hours": hours["hours"], "days": {"2026-12-01": ["11:00", "16:30"]}}
    status, body = await api.admin("PUT", HOURS, json=moved)
    assert (status, body["error"]["code"]) == (400, "date_in_past"), body
    status, body = await api.admin("PUT", HOURS, json={"hours": hours["hours"]})
    assert status == 200 and body["days"] == {}


def test_the_hours_codes_are_in_the_api_guide() -> None:
    guide = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    for code in ("hours_off_grid", "date_in_past"):
        assert f"| 400 | `{code}` |" in guide, code
