"""The OpenAPI document: served, complete for the app's routes, self-consistent, and true to
the real answers (checked with a small JSON Schema subset: type, enum, const, required,
properties, items, allOf/anyOf/oneOf, $ref, pattern, lengths, bounds, date formats)."""

from __future__ import annotations

import json
import re
import typing
from datetime import date, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from api.inputs import (
    BookingIn,
    CancelIn,
    ClientIn,
    ConfirmIn,
    NotificationIn,
    PaymentIn,
    RefundIn,
)
from api.openapi import DOCUMENT
from tests.support import Running

METHODS = ("get", "post", "put", "patch", "delete")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
TELEGRAM_PREFIX = "/telegram/webhook"

# --------------------------------------------------------------------------- schema checker


def resolve(pointer: str, doc: dict[str, Any] = DOCUMENT) -> Any:
    assert pointer.startswith("#/"), pointer
    node: Any = doc
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, JSON_TYPES[name])


def _format_errors(fmt: str, value: str, where: str) -> list[str]:
    try:
        if fmt == "date-time":
            if datetime.fromisoformat(value).tzinfo is None:
                return [f"{where}: {value!r} has no UTC offset"]
        elif fmt == "date":
            date.fromisoformat(value)
    except ValueError:
        return [f"{where}: {value!r} is not a {fmt}"]
    return []


def errors(schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """Everything wrong with `value` under `schema`; an empty list when it fits."""
    found: list[str] = []
    if "$ref" in schema:
        found += errors(resolve(schema["$ref"]), value, where)
    for part in schema.get("allOf", []):
        found += errors(part, value, where)
    if "anyOf" in schema and all(errors(p, value, where) for p in schema["anyOf"]):
        found.append(f"{where}: fits none of anyOf")
    if "oneOf" in schema and sum(not errors(p, value, where) for p in schema["oneOf"]) != 1:
        found.append(f"{where}: fits not exactly one of oneOf")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, name) for name in names):
            return [*found, f"{where}: {value!r} is not {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r} is not {schema['const']!r}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{where}: longer than {schema['maxLength']}")
        if "format" in schema:
            found += _format_errors(schema["format"], value, where)
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: above {schema['maximum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{where}: missing {name!r}")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                found += errors(sub, value[name], f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += errors(schema["items"], item, f"{where}[{index}]")
    return found


def test_the_checker_itself() -> None:
    money = {"$ref": "#/components/schemas/Money"}
    assert errors(money, {"value": "1500.00", "currency": "RUB"}) == []
    assert errors(money, {"value": "1500", "currency": "RUB"})
    assert errors(money, {"value": "1500.00"})
    assert errors({"type": "integer"}, True)
    assert errors({"type": ["string", "null"]}, None) == []
    assert errors({"type": "string", "format": "date-time"}, "2026-12-01T10:00:00")
    assert errors({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "x")


# --------------------------------------------------------------------------- the document


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in DOCUMENT["paths"].items()
        for method in METHODS
        if method in item
    ]


def response_of(operation: dict[str, Any], status: int) -> dict[str, Any]:
    responses = operation["responses"]
    assert str(status) in responses, f"{operation['operationId']}: {status} is not documented"
    answer = responses[str(status)]
    return resolve(answer["$ref"]) if "$ref" in answer else answer


async def test_document_is_served(running: Running) -> None:
    status, served = await running.api.call("GET", "/api/openapi.json")
    assert status == 200
    assert served == json.loads(json.dumps(DOCUMENT))
    assert served["openapi"] == "3.1.0"


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


def test_every_ref_resolves() -> None:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOCUMENT)
    assert len(refs) > 50
    for pointer in refs:
        assert isinstance(resolve(pointer), dict), pointer


def test_operations_are_complete() -> None:
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids)), "operationIds repeat"
    schemes = DOCUMENT["components"]["securitySchemes"]
    for path, method, op in operations():
        item = DOCUMENT["paths"][path]
        params = [
            resolve(p["$ref"]) if "$ref" in p else p
            for p in item.get("parameters", []) + op.get("parameters", [])
        ]
        in_path = {p["name"] for p in params if p["in"] == "path"}
        assert in_path == set(re.findall(r"{(\w+)}", path)), (method, path)
        assert op["responses"], (method, path)
        for status, answer in op["responses"].items():
            answer = resolve(answer["$ref"]) if "$ref" in answer else answer
            assert answer["description"], (method, path, status)
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        for requirement in op["security"]:
            assert set(requirement) <= set(schemes)
        if op["security"]:
            assert {"401", "403"} <= set(op["responses"]), (method, path)


BODIES: list[tuple[str, type[BaseModel]]] = [
    ("BookingCreate", BookingIn),
    ("ClientIn", ClientIn),
    ("PaymentCreate", PaymentIn),
    ("CancelRequest", CancelIn),
    ("ConfirmRequest", ConfirmIn),
    ("RefundRequest", RefundIn),
    ("NotificationSend", NotificationIn),
]


@pytest.mark.parametrize(("name", "model"), BODIES)
def test_request_bodies_match_the_models(name: str, model: type[BaseModel]) -> None:
    schema = DOCUMENT["components"]["schemas"][name]
    fields = model.model_fields
    assert set(schema["properties"]) == set(fields)
    assert set(schema["required"]) == {n for n, f in fields.items() if f.is_required()}
    for field_name, field in fields.items():
        literals = [
            arg
            for arg in typing.get_args(field.annotation) or (field.annotation,)
            if typing.get_origin(arg) is typing.Literal
        ]
        if literals:
            wanted = set(typing.get_args(literals[0]))
            documented = set(schema["properties"][field_name]["enum"]) - {None}
            assert documented == wanted, field_name
        for constraint in field.metadata:
            for key, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
                if getattr(constraint, attr, None) is not None:
                    got = schema["properties"][field_name].get(key)
                    assert got == getattr(constraint, attr), (field_name, key)


def test_request_bodies_are_attached() -> None:
    wanted = {
        ("/api/bookings", "post"): "BookingCreate",
        ("/api/bookings/{booking_id}", "delete"): "CancelRequest",
        ("/api/bookings/{booking_id}/confirm", "post"): "ConfirmRequest",
        ("/api/payments", "post"): "PaymentCreate",
        ("/api/payments/{payment_id}/refund", "post"): "RefundRequest",
        ("/api/refunds/{refund_id}/settle", "post"): "RefundSettle",
        ("/api/notifications/send", "post"): "NotificationSend",
    }
    for (path, method), name in wanted.items():
        body = DOCUMENT["paths"][path][method]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{name}"}
        assert body["required"] == bool(DOCUMENT["components"]["schemas"][name]["required"])


# --------------------------------------------------------------------------- real answers


async def test_created_booking_has_every_required_property(running: Running) -> None:
    booking = await running.api.booked()
    required = resolve("#/components/schemas/Booking")["required"]
    assert set(required) - set(booking) == set()
    assert "access_token" in booking
    assert errors({"$ref": "#/components/schemas/BookingCreated"}, booking) == []


class Checker:
    """Calls the API and checks each answer against the document's schema for its status."""

    def __init__(self, running: Running) -> None:
        self.api = running.api
        self.seen: set[tuple[str, str]] = set()

    def check(self, path: str, method: str, status: int, body: Any) -> Any:
        operation = DOCUMENT["paths"][path][method]
        answer = response_of(operation, status)
        self.seen.add((path, method))
        content = answer.get("content", {})
        if isinstance(body, str):
            assert "text/html" in content or "text/plain" in content, (path, method, status)
            return body
        schema = content["application/json"]["schema"]
        problems = errors(schema, body)
        assert problems == [], (method, path, status, problems)
        return body

    async def call(
        self,
        method: str,
        template: str,
        status: int,
        *,
        path: str | None = None,
        token: str | None = None,
        **kw: Any,
    ) -> Any:
        got, body = await self.api.call(method.upper(), path or template, token=token, **kw)
        assert got == status, (method, path or template, got, body)
        return self.check(template, method, got, body)

    async def admin(self, method: str, template: str, status: int, **kw: Any) -> Any:
        return await self.call(method, template, status, token=self.api.admin_token, **kw)


SETTLED = {"made": True, "note": "seen in the cabinet"}


async def test_real_answers_fit_the_schemas(running: Running) -> None:
    c = Checker(running)
    api = running.api
    await c.call("get", "/health", 200)
    await c.call("get", "/ready", 200)
    await c.call("get", "/api/openapi.json", 200)
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

    # A booking: create, conflicts, bad input, reading with and without tokens.
    booking = c.check("/api/bookings", "post", 201, await api.booked(day=3, hour=12))
    cases: tuple[tuple[dict[str, Any], tuple[int, str]], ...] = (
        ({"day": 3, "hour": 12}, (409, "slot_taken")),
        ({"day": 3, "hour": 12, "minute": 10}, (400, "off_grid")),
        ({"hall_id": 99}, (404, "hall_not_found")),
    )
    for kw, wanted in cases:
        status, body = await api.book(**kw)
        assert (status, body["error"]["code"]) == wanted
        c.check("/api/bookings", "post", status, body)
    big = {"hall_id": 1, "client": {"name": "x" * 100_000}}
    await c.call("post", "/api/bookings", 413, json=big)
    one = "/api/bookings/{booking_id}"
    here = f"/api/bookings/{booking['id']}"
    token = booking["access_token"]
    await c.call("get", one, 200, path=here, token=token)
    await c.call("get", one, 401, path=here)
    await c.call("get", one, 403, path=here, token="not-this-one")
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
    listed = await c.admin("get", "/api/bookings", 200, path="/api/bookings?status=confirmed")
    assert [b["id"] for b in listed["bookings"]] == [booking["id"]]
    await c.call("get", "/api/bookings", 401)
    await c.admin("get", "/api/bookings", 400, path="/api/bookings?date_from=tomorrow")
    cash = await api.booked(day=4, hour=12)
    confirm = "/api/bookings/{booking_id}/confirm"
    cash_path = f"/api/bookings/{cash['id']}/confirm"
    await c.call("post", confirm, 403, path=cash_path, token=cash["access_token"])
    await c.admin("post", confirm, 400, path=cash_path, json={"amount": "1.234"})
    await c.admin("post", confirm, 200, path=cash_path)  # the prepayment in cash
    await c.admin("post", confirm, 200, path=cash_path)  # then the balance
    await c.admin("post", confirm, 409, path=cash_path)  # nothing left to pay
    unpaid = await api.booked(day=5, hour=12)
    await c.call(
        "post",
        refund,
        409,
        path=f"/api/payments/{(await api.start_payment(unpaid))['id']}/refund",
        token=api.admin_token,
    )
    cancelled = await c.call(
        "delete", one, 200, path=f"/api/bookings/{unpaid['id']}", token=unpaid["access_token"]
    )
    assert cancelled["status"] == "cancelled" and cancelled["refund"]["value"] == "0.00"
    await c.call(
        "delete", one, 409, path=f"/api/bookings/{unpaid['id']}", token=unpaid["access_token"]
    )
    await c.call(
        "post",
        payments,
        409,
        token=unpaid["access_token"],
        json={"booking_id": unpaid["id"], "gateway": "mock"},
    )
    await c.admin("delete", one, 200, path=here, json={"reason": "проверка"})

    send = "/api/notifications/send"
    await c.admin("post", send, 202, json={"booking_id": booking["id"], "text": "Привет"})
    await c.admin("post", send, 400, json={"text": "Никому"})
    await c.admin("post", send, 404, json={"booking_id": 999999, "text": "x"})
    await c.admin("get", "/api/notifications", 200)
    await c.call("get", "/api/notifications", 403, token=token)
    events = await c.admin("get", "/api/integrations/events", 200)
    assert events["events"] and events["next_after_id"] == events["events"][-1]["id"]
    await c.admin("get", "/api/integrations/events", 400, path="/api/integrations/events?limit=x")
    await c.call("get", "/pay/return/{code}", 200, path=f"/pay/return/{booking['code']}")

    documented = {(path, method) for path, method, _ in operations()}
    assert documented - c.seen == set(), "operations this test never called"
