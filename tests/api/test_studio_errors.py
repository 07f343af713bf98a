"""The admin API's studio routes refuse bad bodies as the rest of the API does, with
`{"error": {"code", "message"}}`: the message names the field and says what is wrong in
plain words, never a validator's pattern, a library's wording or a path on the server."""

from __future__ import annotations

import re
from typing import Any

from tests.support import Running

HALL = {"slug": "loft", "name": "Лофт", "hourly_price": "2000.00"}
ADDON = {"id": "fan", "title": "Вентилятор", "price": "300.00", "per": "booking"}
#: Every (method, path, body) with the code and the start of the message it must get.
CASES: list[tuple[str, str, Any, str, str]] = [
    ("PUT", "/api/studio/hours", {"hours": {"mon": ["10:00", "25:00"]}}, "invalid_input",
     "hours.mon.1: must be a time HH:MM"),
    ("PUT", "/api/studio/hours", {"hours": {"monday": ["10:00", "12:00"]}}, "invalid_input",
     "hours.monday: the key must be one of mon, tue"),
    ("PUT", "/api/studio/hours", {"hours": {}, "days": {"31.12.2026": None}}, "invalid_input",
     "days.31.12.2026: the key must be a date YYYY-MM-DD"),
    ("PUT", "/api/studio/hours", {"hours": {}, "extra": 1}, "invalid_input",
     "extra: is not a field this request takes"),
    ("PUT", "/api/studio/hours", {"days": {}}, "invalid_input", "hours: is required"),
    ("PUT", "/api/studio/hours", {"hours": {"mon": ["22:00", "10:00"]}}, "bad_hours",
     "hours of mon: the opening is not before the closing"),
    ("POST", "/api/halls", {**HALL, "slug": "Loft Big"}, "invalid_input",
     "slug: must be lower-case letters, digits, - or _"),
    ("POST", "/api/halls", {**HALL, "hourly_price": "2 000"}, "invalid_input",
     'hourly_price: must be rubles like "2500.00"'),
    ("POST", "/api/halls", {**HALL, "photos": ["photos/nothere.jpg"]}, "bad_hall",
     "hall loft: no photo 'photos/nothere.jpg' in the studio's photos/"),
    ("POST", "/api/halls", {**HALL, "included_guests": 2,
                            "extra_guest_fee": {"per": "person_hour"}}, "bad_hall",
     "hall loft: a guest fee per person_hour needs its price"),
    ("POST", "/api/halls", {**HALL, "specs": []}, "invalid_input", "specs: must be an object"),
    ("PATCH", "/api/halls/1", {"min_minutes": "много"}, "invalid_input",
     "min_minutes: must be a whole number"),
    ("PATCH", "/api/halls/1", {"extra_guest_fee": {"per": "each"}}, "invalid_input",
     "extra_guest_fee.per: must be one of person_hour, person_booking or percent"),
    ("POST", "/api/addons", {**ADDON, "per": "day"}, "invalid_input",
     "per: must be one of booking, hour or unit"),
    ("PATCH", "/api/addons/makeup", {"hall_id": "первый"}, "invalid_input",
     "hall_id: must be a whole number"),
    ("PUT", "/api/studio/rules", {"url": "ftp://example.com/rules"}, "invalid_input",
     "url: must be an http(s) URL"),
]  # fmt: skip
LEAKS = re.compile(
    r"pattern|should match|\^|\$|\\|Value error|Input should|literal|int\(\)|NoneType"
    r"|Traceback|pydantic|/tmp|/work|/home|/srv|/opt|studio\.json|\.py\b"
)


async def test_studio_refusals_name_the_field_and_leak_nothing(running: Running) -> None:
    for method, path, body, code, start in CASES:
        status, answer = await running.api.admin(method, path, json=body)
        assert status == 400, (path, body, answer)
        assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message"}
        error = answer["error"]
        assert error["code"] == code, (body, error)
        assert error["message"].startswith(start), (body, error)
        assert not LEAKS.search(error["message"]), (body, error)
