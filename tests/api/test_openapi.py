"""The OpenAPI document: served, valid OpenAPI 3.1, complete for the app's routes, and true to
the real answers, checked by openapi-core (requests and answers) and jsonschema."""

from __future__ import annotations

import re
from json import dumps, loads
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api import serializers
from api.inputs import IN_SUPPORTED_YEARS, RUBLES
from api.openapi import DOCUMENT
from api.serializers import parse_money
from booking.domain.calendar import SUPPORTED_YEARS
from booking.domain.states import BookingStatus
from tests.support import Running, moscow

METHODS = ("get", "post", "put", "patch", "delete")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
#: Pages for people, whose errors are pages too.
PAGES = {"/pay/return/{code}", "/book/{slug}", "/book/assets/{asset}"}
TELEGRAM_PREFIX = "/telegram/webhook"
PLAIN = loads(dumps(DOCUMENT))
SPEC = OpenAPI.from_dict(PLAIN)
REGISTRY: Registry[Any] = Registry().with_resource(
    "urn:api", Resource.from_contents(PLAIN, default_specification=DRAFT202012)
)


def schema_validator(name: str) -> Draft202012Validator:
    """jsonschema's validator for one component, its `$ref`s resolved in the document."""
    ref = {"$ref": f"urn:api#/components/schemas/{name}"}
    checker = Draft202012Validator.FORMAT_CHECKER
    return Draft202012Validator(ref, registry=REGISTRY, format_checker=checker)


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in PLAIN["paths"].items()
        for method in METHODS
        if method in item
    ]


# --------------------------------------------------------------------------- the document


def test_document_is_valid_openapi() -> None:
    validate(PLAIN)  # openapi-spec-validator: raises on anything OpenAPI 3.1 does not allow
    assert PLAIN["openapi"] == "3.1.0"


def test_booking_statuses_are_the_public_ones() -> None:
    """A change_hold row (time held for another booking's change) is never answered, so
    neither the answer's enum nor the list filter names it; every other status is there."""
    public = {str(s) for s in BookingStatus} - {"change_hold"}
    booking = PLAIN["components"]["schemas"]["Booking"]["properties"]["status"]
    assert set(booking["enum"]) == public
    assert "change_hold" not in dumps(PLAIN)
    [status] = [
        parameter
        for parameter in PLAIN["paths"]["/api/bookings"]["get"]["parameters"]
        if parameter["name"] == "status"
    ]
    assert set(re.findall(r"[a-z_]+", status["schema"]["pattern"])) == public


def test_the_validator_catches_what_it_must() -> None:
    """The checks below are worth something only if these fail."""
    request = MockRequest("http://studio.test", "get", "/api/bookings/availability")
    day: dict[str, Any] = {
        "date": "2026-12-01",
        "open": None,
        "close": None,
        "starts": [],
        "free": [],
        "full": False,
    }
    good = {"hall_id": 1, "timezone": "UTC", "step_minutes": 15, "min_minutes": 60}
    SPEC.validate_response(request, MockResponse(dumps({**good, "days": [day]}).encode()))
    wrong = [
        {**good, "days": [{**day, "open": "2026-12-01T10:00:00"}]},  # no offset
        {**good, "days": [{**day, "starts": ["25:00"]}]},
        {**good, "days": [{**day, "extra": 1}]},
        {**good, "step_minutes": 30, "days": []},
        good,
    ]
    for body in wrong:
        with pytest.raises(Exception):  # noqa: B017 - openapi-core's several error types
            SPEC.validate_response(request, MockResponse(dumps(body).encode()))
    with pytest.raises(Exception):  # noqa: B017
        SPEC.validate_response(request, MockResponse(b"{}", status_code=418))
    assert list(schema_validator("Error").iter_errors({"error": {"code": "x"}}))


def test_year_pattern_is_the_supported_years() -> None:
    for year in range(SUPPORTED_YEARS[0] - 5, SUPPORTED_YEARS[-1] + 5):
        fits = re.search(IN_SUPPORTED_YEARS, f"{year:04d}-01-01") is not None
        assert fits == (year in SUPPORTED_YEARS), year


@pytest.mark.parametrize(
    "amount",
    ["0", "7", "1500.5", "1500.00", "99999999.99", "100000000", "100000000.00",
     "100000000.01", "100000001", "1.234", "-1", "1e3", "", " 5", "12.", ".5", "1_000",
     "١٠٠٠", "+5", "5 ", "0x10", "NaN", "Infinity", "1.230"],
)  # fmt: skip
def test_amount_pattern_is_what_parse_money_takes(amount: str) -> None:
    try:  # a negative amount is read, then refused by its use case as zero is
        taken = parse_money(amount) >= 0
    except ValueError:
        taken = False
    fits = re.search(RUBLES["pattern"], amount) is not None
    assert fits == taken, amount


async def test_document_is_served(running: Running) -> None:
    status, served = await running.api.call("GET", "/api/openapi.json")
    assert status == 200
    assert served == PLAIN


def app_operations(running: Running) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in running.app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method in SKIPPED_METHODS or path.startswith(TELEGRAM_PREFIX):
            continue
        methods = ["get", "post"] if route.method == "*" else [route.method.lower()]
        found.update((path, method) for method in methods)
    return found


async def test_every_route_of_the_app_is_documented(running: Running) -> None:
    in_app = app_operations(running)
    documented = {(path, method) for path, method, _ in operations()}
    assert in_app, "the app has no routes?"
    assert in_app - documented == set(), "routes missing from the document"
    assert documented - in_app == set(), "documented operations the app does not have"


def test_operations_are_complete() -> None:
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids)), "operationIds repeat"
    for path, method, op in operations():
        in_path = {p["name"] for p in op["parameters"] if p["in"] == "path"}
        assert in_path == set(re.findall(r"{(\w+)}", path)), (method, path)
        for parameter in op["parameters"]:
            if parameter["name"].endswith("_id") and parameter["schema"]["type"] == "integer":
                assert parameter["schema"]["maximum"] == 2**31 - 1, (path, parameter)
        for status, answer in op["responses"].items():
            assert answer["description"], (method, path, status)
            if status == "default" or int(status) >= 400:
                if "application/json" not in answer["content"]:  # the booking page's 404s
                    assert path in PAGES and status == "404", (method, path, status)
                    continue
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        if op["security"]:
            assert "401" in op["responses"], (method, path)
            # Only the admin's routes say "forbidden"; an owner's route answers a token that
            # does not open the booking as it answers a missing one (404).
            admin_only = op["security"] == [{"adminToken": []}]
            assert ("403" in op["responses"]) == admin_only, (method, path)


# --------------------------------------------------------------------------- real answers


class Checker:
    """Calls the API over HTTP; openapi-core checks each answer against the document (and
    each request that succeeded, so the examples here are valid requests too)."""

    def __init__(self, running: Running) -> None:
        self.api = running.api
        self.seen: set[tuple[str, str]] = set()

    async def call(
        self,
        method: str,
        template: str,
        status: int,
        *,
        path: str | None = None,
        token: str | None = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        url = self.api.url(path or template)
        async with self.api.http.request(
            method, url, json=json, data=data, headers=sent
        ) as response:
            raw = await response.read()
            kind = response.content_type
            assert response.status == status, (method, url, response.status, raw[:300])
        parts = urlsplit(url)
        body, media = (dumps(json).encode(), "application/json") if json is not None else (b"", "")
        if isinstance(data, dict):
            body, media = urlencode(data).encode(), "application/x-www-form-urlencoded"
        request = MockRequest(
            self.api.base_url,
            method,
            parts.path,
            args=dict(parse_qsl(parts.query)),
            headers=sent,
            data=body,
            content_type=media,
        )
        operation = PLAIN["paths"][template][method]
        assert str(status) in operation["responses"], (method, template, status)
        SPEC.validate_response(request, MockResponse(raw, status, content_type=kind))
        if status < 300:
            SPEC.validate_request(request)
        self.seen.add((template, method))
        if kind == "application/json":
            return loads(raw)
        return raw if kind.startswith("image/") else raw.decode()

    async def admin(self, method: str, template: str, status: int, **kw: Any) -> Any:
        return await self.call(method, template, status, token=self.api.admin_token, **kw)


SETTLED = {"made": True, "note": "seen in the cabinet"}
BOOKING = {
    "hall_id": 1,
    "payment_mode": "prepay",
    "client": {"name": "Анна", "phone": "+79991234567", "email": "anna@example.com"},
}


def at(day: int, hour: int, minute: int = 0) -> dict[str, Any]:
    start = f"2026-12-{day:02d}T{hour:02d}:{minute:02d}:00+03:00"
    return {**BOOKING, "start": start, "end": start.replace(f"T{hour:02d}", f"T{hour + 2:02d}")}


async def test_real_answers_fit_the_schemas(running: Running) -> None:
    c = Checker(running)
    api = running.api
    await c.call("get", "/health", 200)
    await c.call("get", "/ready", 200)
    await c.call("get", "/metrics", 404)  # closed: no METRICS_TOKEN (tests/ops/test_metrics.py)
    await c.call("get", "/calendar/{token}.ics", 404, path=f"/calendar/{'x' * 32}.ics")
    await c.admin("get", "/api/integrations/webhooks", 200)
    await c.admin(
        "get", "/api/integrations/webhooks", 400, path="/api/integrations/webhooks?status=x"
    )
    await c.call("get", "/api/openapi.json", 200)
    await c.call("get", "/api/docs", 200)
    await c.call("get", "/api/docs/{asset}", 200, path="/api/docs/swagger-ui.css")
    halls = await c.call("get", "/api/halls", 200)
    assert halls["halls"] and halls["halls"][0]["price_rules"]
    avail = "/api/bookings/availability"
    days = await c.call(
        "get", avail, 200, path=f"{avail}?hall_id=1&start_date=2026-12-01&end_date=2026-12-07"
    )
    assert any(day["starts"] for day in days["days"])
    await c.call("get", avail, 400, path=f"{avail}?hall_id=1&start_date=2026-12-01")
    await c.call(
        "get", avail, 404, path=f"{avail}?hall_id=9&start_date=2026-12-01&end_date=2026-12-01"
    )
    photo = halls["halls"][0]["photos"][0].rsplit("/", 1)[1]
    await c.call("get", "/studio/photos/{name}", 200, path=f"/studio/photos/{photo}")
    await c.call("get", "/studio/photos/{name}", 404, path="/studio/photos/..%2Fexample.json")
    addons = "/api/addons/availability"
    span = f"start={quote(moscow(3, 12))}&end={quote(moscow(3, 14))}"
    free = await c.call("get", addons, 200, path=f"{addons}?hall_id=1&{span}")
    assert {"id": "light-kit", "available": 2} in free["addons"]
    await c.call("get", addons, 400, path=f"{addons}?hall_id=1&start=soon&end=later")
    await c.call("get", addons, 404, path=f"{addons}?hall_id=9&{span}")
    codes, code = "/api/promo-codes", "/api/promo-codes/{code}"
    await c.admin("post", codes, 201, json={"code": "WINTER10", "percent": 10})
    await c.admin("post", codes, 400, json={"code": "BOTH", "percent": 10, "amount": "100"})
    await c.admin("post", codes, 409, json={"code": "winter10", "amount": "300.00"})
    await c.admin("post", codes, 404, json={"code": "NOHALL", "percent": 5, "hall_ids": [99]})
    await c.call("post", codes, 403, token="not-an-admin", json={"code": "X", "percent": 1})
    await c.admin("get", codes, 200)
    priced, slot = "/api/bookings/quote", {"hall_id": 1, "start": moscow(3, 12)}
    quoted = await c.call("post", priced, 200, json={**slot, "end": moscow(3, 14),
                                                     "promo_code": "WINTER10"})  # fmt: skip
    assert [line["kind"] for line in quoted["price_lines"]] == ["hall", "discount"]
    await c.call("post", priced, 400, json={**slot, "end": moscow(3, 14), "guests": 99})
    await c.call("post", priced, 404, json={"hall_id": 9, "start": moscow(3, 12),
                                            "end": moscow(3, 14)})  # fmt: skip
    await c.admin("delete", code, 200, path=f"{codes}/WINTER10")
    await c.admin("delete", code, 404, path=f"{codes}/NOSUCH")
    gifts, gift = "/api/certificates", "/api/certificates/{code}"
    made = await c.admin("post", gifts, 201, json={"amount": "5000.00"})
    await c.admin("post", gifts, 400, json={"amount": "0"})
    await c.call("post", gifts, 403, token="not-an-admin", json={"amount": "1"})
    await c.call("get", gift, 200, path=f"{gifts}/{made['code']}")
    await c.call("get", gift, 404, path=f"{gifts}/AAAA-BBBB-CCCC")
    bought = f"{gifts}/purchase"
    buyer = {"name": "Анна", "phone": "+79991234567", "email": "a@example.com", "telegram_id": 42}
    await c.call("post", bought, 201, json={"amount": "5000.00", "gateway": "mock",
                                            "buyer": buyer, "language": "en"})  # fmt: skip
    await c.call("post", bought, 400, json={"amount": "10.00", "gateway": "mock",
                                            "buyer": buyer})  # fmt: skip

    # The studio edited while it runs.
    hours = await c.admin("get", "/api/studio/hours", 200)
    await c.admin(
        "put",
        "/api/studio/hours",
        200,
        json={
            "hours": hours["hours"],
            "days": {"2026-12-30": ["10:00", "16:00"], "2027-01-03": None},
        },
    )
    await c.admin("put", "/api/studio/hours", 400, json={"hours": {"mon": ["22:00", "10:00"]}})
    hall, addon = "/api/halls/{hall_id}", "/api/addons/{addon_id}"
    await c.admin(
        "post",
        "/api/halls",
        201,
        json={"slug": "green", "name": "Зелёный зал", "hourly_price": "1900.00"},
    )
    await c.admin(
        "post", "/api/halls", 409, json={"slug": "green", "name": "Ещё", "hourly_price": "1.00"}
    )
    await c.admin("patch", hall, 200, path="/api/halls/4", json={"min_minutes": 90})
    await c.admin("patch", hall, 400, path="/api/halls/4", json={"min_minutes": 50})
    await c.admin("patch", hall, 404, path="/api/halls/99", json={"min_minutes": 90})
    await c.admin(
        "post",
        "/api/addons",
        201,
        json={"id": "fan", "title": "Вентилятор", "price": "200.00", "per": "booking"},
    )
    await c.admin(
        "post",
        "/api/addons",
        404,
        json={"id": "fan2", "title": "В", "price": "1.00", "per": "booking", "hall_id": 99},
    )
    await c.admin("patch", addon, 200, path="/api/addons/fan", json={"stock": 3})
    await c.admin("patch", addon, 404, path="/api/addons/nothing", json={"stock": 3})

    # A booking: create, conflicts, bad input, reading with and without tokens.
    bookings = "/api/bookings"
    booking = await c.call("post", bookings, 201, json=at(3, 12))
    await c.call("post", bookings, 409, json=at(3, 12))
    await c.call("post", bookings, 400, json=at(3, 12, 10))
    await c.call("post", bookings, 404, json={**at(3, 12), "hall_id": 99})
    await c.call("post", bookings, 413, json={"hall_id": 1, "client": {"name": "x" * 100_000}})
    one = "/api/bookings/{booking_id}"
    here = f"/api/bookings/{booking['id']}"
    token = booking["access_token"]
    await c.call("get", one, 200, path=here, token=token)
    await c.call("get", one, 401, path=here)
    await c.call("get", one, 404, path=here, token="not-this-one")
    await c.call("get", one, 404, path="/api/bookings/999999", token=token)

    # Pay it at the mock checkout; read the payment; refund a part.
    payments = "/api/payments"
    await c.call(
        "post", payments, 400, token=token, json={"booking_id": booking["id"], "gateway": "x"}
    )
    payment = await c.call(
        "post", payments, 201, token=token, json={"booking_id": booking["id"], "gateway": "mock"}
    )
    checkout = "/mock/checkout/{gateway_payment_id}"
    checkout_path = "/mock/checkout/" + payment["confirmation_url"].rsplit("/", 1)[1]
    await c.call("get", checkout, 200, path=checkout_path)
    await c.call("get", checkout, 404, path="/mock/checkout/nothing")
    await c.call("post", checkout, 400, path=checkout_path, data={"outcome": "maybe"})
    result = await c.call(
        "post",
        checkout,
        200,
        path=checkout_path,
        data={"outcome": "succeeded"},
        headers={"Accept": "application/json"},
    )
    assert result["webhook_statuses"] == [200]
    detail = await c.call("get", one, 200, path=here, token=token)
    assert detail["status"] == "confirmed" and detail["payments"]
    move, extend = f"{one}/reschedule", f"{one}/extend"
    later = {key: at(3, 15)[key] for key in ("start", "end")}
    await c.call("post", move, 400, path=f"{here}/reschedule", token=token, json={})
    await c.call("post", move, 200, path=f"{here}/reschedule", token=token, json=later)
    await c.call("post", move, 409, path=f"{here}/reschedule", token=token, json=at(3, 18))
    await c.call("post", extend, 400, path=f"{here}/extend", token=token, json={"minutes": 7})
    await c.call("post", extend, 200, path=f"{here}/extend", token=token, json={"minutes": 30})
    over, over_path = f"{one}/overtime", f"{here}/overtime"
    await c.call("post", over, 403, path=over_path, token=token, json={"minutes": 40})
    await c.admin("post", over, 409, path=over_path, json={"minutes": 40})  # not begun
    await c.admin("post", over, 400, path=over_path, json={"minutes": 0})
    pay_one = "/api/payments/{payment_id}"
    await c.call("get", pay_one, 200, path=f"/api/payments/{payment['id']}", token=token)
    await c.call("get", pay_one, 404, path="/api/payments/999999", token=token)
    refund = "/api/payments/{payment_id}/refund"
    refund_path = f"/api/payments/{payment['id']}/refund"
    await c.call("post", refund, 403, path=refund_path, token=token)
    await c.admin("post", refund, 400, path=refund_path, json={"amount": "99999.00"})
    made = await c.admin("post", refund, 201, path=refund_path, json={"amount": "100.00"})
    settle = "/api/refunds/{refund_id}/settle"
    settle_path = f"/api/refunds/{made['id']}/settle"
    await c.call("post", settle, 403, path=settle_path, token=token, json={"made": True})
    await c.admin("post", settle, 400, path=settle_path, json={"made": "perhaps"})
    await c.admin("post", settle, 404, path="/api/refunds/999999/settle", json=SETTLED)
    await c.admin("post", settle, 409, path=settle_path, json=SETTLED)  # succeeded already
    await c.call(
        "post", payments, 201, token=token, json={"booking_id": booking["id"], "gateway": "mock"}
    )

    # Webhooks: forged and unknown.
    hook = "/api/payments/webhook/{gateway}"
    await c.call("post", hook, 403, path="/api/payments/webhook/mock", data=b"{}")
    await c.call("post", hook, 404, path="/api/payments/webhook/paypal", data=b"{}")
    await c.call("get", hook, 403, path="/api/payments/webhook/mock?orderNumber=1")

    # Admin: list, confirm by hand, cancel; logs.
    listed = await c.admin("get", bookings, 200, path="/api/bookings?status=confirmed")
    assert [b["id"] for b in listed["bookings"]] == [booking["id"]]
    await c.call("get", bookings, 401)
    await c.admin("get", bookings, 400, path="/api/bookings?date_from=tomorrow")
    cash = await c.call("post", bookings, 201, json=at(4, 12))
    confirm = "/api/bookings/{booking_id}/confirm"
    cash_path = f"/api/bookings/{cash['id']}/confirm"
    await c.call("post", confirm, 403, path=cash_path, token=cash["access_token"])
    await c.admin("post", confirm, 400, path=cash_path, json={"amount": "1.234"})
    await c.admin("post", confirm, 200, path=cash_path)  # the prepayment in cash
    await c.admin("post", confirm, 200, path=cash_path, json={"amount": {"value": "1.00"}})
    unpaid = await api.booked(day=5, hour=12)
    await c.admin(
        "post", refund, 409, path=f"/api/payments/{(await api.start_payment(unpaid))['id']}/refund"
    )
    cancelled = await c.call(
        "delete", one, 200, path=f"/api/bookings/{unpaid['id']}", token=unpaid["access_token"]
    )
    assert cancelled["status"] == "cancelled" and cancelled["refund"]["value"] == "0.00"
    await c.call(
        "delete", one, 409, path=f"/api/bookings/{unpaid['id']}", token=unpaid["access_token"]
    )
    await c.admin("post", confirm, 409, path=f"/api/bookings/{unpaid['id']}/confirm")
    await c.call(
        "post",
        payments,
        409,
        token=unpaid["access_token"],
        json={"booking_id": unpaid["id"], "gateway": "mock"},
    )
    await c.admin("delete", one, 200, path=here, json={"reason": "проверка"})

    # A booking taken by phone (its payment link to forward), and the waitlist of a day it
    # fills: the whole opening of Sunday the 13th, 10:00-20:00.
    whole_day = {**at(13, 10), "end": "2026-12-13T20:00:00+03:00"}
    taken = await c.admin(
        "post", bookings, 201, json={**whole_day, "source": "admin", "settle": "link"}
    )
    assert taken["source"] == "admin" and taken["payment"]["confirmation_url"]
    await c.call("post", bookings, 401, json={**at(14, 12), "source": "admin"})
    await c.call("post", bookings, 403, json={**at(14, 12), "settle": "cash"}, token=token)
    wait = {"hall_id": 1, "client": {"name": "Анна", "email": "anna@example.com"}}
    first = await c.call("post", "/api/waitlist", 201, json={**wait, "date": "2026-12-13"})
    again = await c.call("post", "/api/waitlist", 201, json={**wait, "date": "2026-12-13"})
    assert again["id"] == first["id"]
    await c.call("post", "/api/waitlist", 409, json={**wait, "date": "2026-12-14"})
    await c.call("post", "/api/waitlist", 400, json={**wait, "date": "2026-11-30"})
    await c.call("post", "/api/waitlist", 404, json={**wait, "hall_id": 99, "date": "2026-12-13"})
    waits = await c.admin("get", "/api/waitlist", 200, path="/api/waitlist?date=2026-12-13")
    assert [w["id"] for w in waits["waits"]] == [first["id"]]
    await c.admin("get", "/api/waitlist", 400, path="/api/waitlist?hall_id=x")
    await c.call("get", "/api/waitlist", 403, token=token)

    send = "/api/notifications/send"
    await c.admin("post", send, 202, json={"booking_id": booking["id"], "text": "Привет"})
    await c.admin("post", send, 400, json={"text": "Никому"})
    await c.admin("post", send, 404, json={"booking_id": 999999, "text": "x"})
    await c.admin("get", "/api/notifications", 200, path="/api/notifications?status=pending")
    await c.call("get", "/api/notifications", 403, token=token)
    events = await c.admin("get", "/api/integrations/events", 200)
    assert events["events"] and events["next_after_id"] == events["events"][-1]["id"]
    await c.admin("get", "/api/integrations/events", 400, path="/api/integrations/events?limit=x")
    await c.call("get", "/pay/return/{code}", 200, path=f"/pay/return/{booking['code']}")
    for page in ("/", "/book", "/widget.js"):
        await c.call("get", page, 200)
    await c.call("get", "/book/{slug}", 200, path="/book/white")
    await c.call("get", "/book/assets/{asset}", 200, path="/book/assets/book.js")

    await c.admin("put", "/api/studio/rules", 200, json={"text": "Правила", "text_en": "Rules"})
    await c.admin("put", "/api/studio/rules", 400, json={"text": ""})
    # No-shows (the cash booking has not started) and blocks.
    no_show = "/api/bookings/{booking_id}/no-show"
    no_show_path = f"/api/bookings/{cash['id']}/no-show"
    await c.call("post", no_show, 403, path=no_show_path, token=cash["access_token"])
    await c.admin("post", no_show, 409, path=no_show_path)
    await c.admin("post", no_show, 404, path="/api/bookings/999999/no-show")
    block, unblock = "/api/clients/block", "/api/clients/unblock"
    await c.admin("post", block, 400, json={})
    await c.call("post", block, 403, token=token, json={"telegram_id": 42})
    await c.admin("post", block, 200, json={"telegram_id": 42, "reason": "долг"})
    await c.admin("post", unblock, 200, json={"telegram_id": 42})
    await c.admin("post", unblock, 404, json={"telegram_id": 42})

    documented = {(path, method) for path, method, _ in operations()}
    assert documented - c.seen == set(), "operations this test never called"


# --------------------------------------------------------------------------- declared bounds


def _required(query: list[dict[str, Any]], name: str) -> bool:
    return any(p["name"] == name and p["required"] for p in query)


def _bounds(schema: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Values at the declared edges that must be taken, and just past them, refused."""
    if schema.get("type") == "integer":
        low, high = schema["minimum"], schema["maximum"]
        return [str(low), str(high)], [str(low - 1), str(high + 1)]
    if schema.get("format") == "date":
        first, last = SUPPORTED_YEARS[0], SUPPORTED_YEARS[-1]
        return [f"{first}-01-01", f"{last}-12-31"], [f"{first - 1}-12-31", f"{last + 1}-01-01"]
    return [], []


async def test_declared_bounds_are_what_the_handlers_enforce(running: Running) -> None:
    """What a schema-driven fuzzer does at the edges: a value the document allows is never
    refused as bad input, and one just past a declared bound is refused."""
    checked = 0
    for path, _, op in operations():
        query = [p for p in op["parameters"] if p["in"] == "query"]
        dates = [p["name"] for p in query if p["schema"].get("format") == "date"]
        moments = [p["name"] for p in query if p["schema"].get("format") == "date-time"]
        base = {p["name"]: "2026-12-01" if p["name"] in dates else "1" for p in query}
        # The times of a span in order: 12:00, then 14:00.
        base |= {name: moscow(3, 12 + 2 * n) for n, name in enumerate(moments)}
        base = {name: value for name, value in base.items() if _required(query, name)}
        for parameter in query:
            taken, refused = _bounds(parameter["schema"])
            # The dates of a range move together: an inverted range is refused too.
            names = dates if parameter["name"] in dates else [parameter["name"]]
            for value in taken + refused:
                params = {**base, **dict.fromkeys(names, value)}
                url = path + "?" + urlencode(params)
                status, body = await running.api.admin("GET", url)
                assert (status != 400) == (value in taken) and status < 500, (url, status, body)
                checked += 1
    assert checked >= 40


async def test_path_ids_at_their_bounds_are_not_bad_input(running: Running) -> None:
    """Any id in the declared range is looked up (none of these exists); past it, the same."""
    checked = 0
    for path, method, op in operations():
        ids = [
            p for p in op["parameters"] if p["in"] == "path" and p["schema"]["type"] == "integer"
        ]
        if method != "get" or not ids:
            continue
        for value in (ids[0]["schema"]["minimum"], ids[0]["schema"]["maximum"], 2**31):
            url = re.sub(r"{\w+_id}", str(value), path)
            status, _ = await running.api.admin("GET", url)
            assert status == 404, (url, status)
            checked += 1
    assert checked == 6


# --------------------------------------------------------------------------- 405 and the page


async def test_wrong_method_answers_405_with_allow(running: Running) -> None:
    """On every path: a method it does not take is 405 in the JSON error shape, and `Allow`
    names the methods that it takes (of every route the path matches), each of which is not
    405."""
    error = schema_validator("Error")
    resources = {r.canonical: r for r in running.app.router.resources()}
    assert len(resources) >= 15
    for path, resource in resources.items():
        allowed = {route.method for route in resource}
        wrong = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in allowed)
        url = running.api.url(re.sub(r"{(\w+)[^}]*}", "1", path))
        async with running.api.http.request(wrong, url) as response:
            assert response.status == 405, (wrong, url)
            named = {m.strip() for m in response.headers["Allow"].split(",")}
            body = await response.json()
        assert ({"GET", "POST"} if "*" in allowed else allowed) <= named, (path, named)
        assert not list(error.iter_errors(body)), body
        assert body["error"]["code"] == "method_not_allowed"
        for method in named:
            async with running.api.http.request(method, url) as response:
                assert response.status != 405, (method, url)


async def test_docs_page_works_offline(running: Running) -> None:
    async with running.api.http.get(running.api.url("/api/docs")) as response:
        assert response.status == 200 and response.content_type == "text/html"
        page = await response.text()
    assert "swagger-ui" in page
    assert not re.search(r"https?:|//", re.sub(r"<!doctype html>", "", page, flags=re.I))
    links = re.findall(r'(?:src=|href=|url:\s*)"([^"]+)"', page)
    wanted = {
        "docs/swagger-ui-bundle.js": "text/javascript",
        "docs/swagger-ui.css": "text/css",
        "docs/favicon-32x32.png": "image/png",
        "openapi.json": "application/json",
    }
    assert set(links) == set(wanted)
    for link, kind in wanted.items():
        async with running.api.http.get(running.api.url(f"/api/{link}")) as response:
            assert response.status == 200, link
            assert response.content_type == kind, link
            assert len(await response.read()) > 500, link
    status, body = await running.api.call("GET", "/api/docs/index.html")
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_an_answer_off_its_schema_is_our_error(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers are validated by their models on the way out; a drift is a 500 that is logged,
    never a 400 that blames the caller, and nothing off the schema reaches the client."""
    monkeypatch.setattr(serializers, "money", lambda kopecks: {"value": str(kopecks)})
    status, body = await running.api.call("GET", "/api/halls")
    assert status == 500 and body["error"]["code"] == "internal_error"
