"""Input an attacker or a careless client sends: refused with a 4xx and a code, nothing
changed, never a server error."""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any, get_args, get_origin

import pytest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.route_table import ROUTES
from tests.support import ADMIN_TOKEN, Running, moscow, table_counts

CLIENT = {"name": "Анна", "phone": "+7 999 123-45-67"}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T22:00:00-03:00", "9999-12-31T23:00:00-03:00"),
        ("9999-12-31T23:00:00-12:00", "9999-12-31T23:45:00-12:00"),
        ("2199-06-01T12:00:00+03:00", "2199-06-01T14:00:00+03:00"),
    ],
)
async def test_a_start_centuries_ahead_is_refused(running: Running, start: str, end: str) -> None:
    before = await table_counts(running.sessionmaker)
    body = {"hall_id": 1, "start": start, "end": end, "payment_mode": "full", "client": CLIENT}
    status, answer = await running.api.call("POST", "/api/bookings", json=body)
    assert status == 400, answer
    assert answer["error"]["code"] in {"beyond_horizon", "invalid_input"}
    assert await table_counts(running.sessionmaker) == before


# --------------------------------------------------------------------------- control characters

#: A client's details no log line may carry.
NAME, PHONE, EMAIL = "Ксения Тайная", "+7 912 345-67-89", "ksenia.tainaya@example.com"
PERSONAL = (NAME, PHONE, "79123456789", EMAIL)
CONTROLS = ("\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b")
SINGLE_LINE = (*CONTROLS, "\n", "\r", "\t")


def _cases(booking: int, payment: int) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """Per text field (`name@where` when a name repeats): method, path, who calls, and a
    body that is valid as it is."""
    one = f"/api/bookings/{booking}"
    new = {"hall_id": 1, "start": moscow(4, 12), "end": moscow(4, 14), "payment_mode": "full"}
    new["client"] = {"name": NAME, "phone": PHONE, "email": EMAIL}
    note = {"channel": "email", "recipient": EMAIL, "text": "Привет", "subject": "Тема"}
    buyer = {"name": NAME, "phone": PHONE, "email": EMAIL}
    gift: dict[str, Any] = {"amount": "5000.00", "gateway": "mock", "buyer": buyer}
    return {
        "client.name": ("POST", "/api/bookings", "anyone", new),
        "client.phone": ("POST", "/api/bookings", "anyone", new),
        "client.email": ("POST", "/api/bookings", "anyone", new),
        "promo_code": ("POST", "/api/bookings", "anyone", {**new, "promo_code": "WINTER"}),
        "certificate_code": ("POST", "/api/bookings", "anyone", {**new, "certificate_code": "G1"}),
        "addons.id": ("POST", "/api/bookings", "anyone", {**new, "addons": [{"id": "makeup"}]}),
        "code": ("POST", "/api/promo-codes", "admin", {"code": "WINTER", "percent": 10}),
        "gateway": ("POST", "/api/payments", "owner", {"booking_id": booking, "gateway": "mock"}),
        "reason@cancel": ("DELETE", one, "owner", {"reason": "болею"}),
        "note@confirm": ("POST", f"{one}/confirm", "admin", {"note": "наличными"}),
        "reason@refund": ("POST", f"/api/payments/{payment}/refund", "admin", {"reason": "x"}),
        "note@settle": ("POST", "/api/refunds/1/settle", "admin", {"made": True, "note": "x"}),
        "text": ("POST", "/api/notifications/send", "admin", note),
        "recipient": ("POST", "/api/notifications/send", "admin", note),
        "subject": ("POST", "/api/notifications/send", "admin", note),
        "phone@block": ("POST", "/api/clients/block", "admin", {"phone": PHONE}),
        "booking_code@block": ("POST", "/api/clients/block", "admin", {"booking_code": "K7M2QX"}),
        "reason@block": ("POST", "/api/clients/block", "admin", {"phone": PHONE, "reason": "x"}),
        "buyer.name": ("POST", "/api/certificates/purchase", "anyone", gift),
        "buyer.phone": ("POST", "/api/certificates/purchase", "anyone", gift),
        "buyer.email": ("POST", "/api/certificates/purchase", "anyone", gift),
        "gateway@gift": ("POST", "/api/certificates/purchase", "anyone", gift),
        **_studio_cases(),
    }


def _studio_cases() -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """The admin's edits of the studio: halls, add-ons and the rules."""
    hall = {"slug": "loft", "name": "Лофт", "hourly_price": "2000.00"}
    fee = {"extra_guest_fee": {"per": "person_hour", "price": "300.00", "above": 4}}
    addon = {"id": "fan", "title": "Вентилятор", "price": "300.00", "per": "booking"}
    return {
        "slug": ("POST", "/api/halls", "admin", hall),
        "name@hall": ("POST", "/api/halls", "admin", hall),
        "hourly_price": ("POST", "/api/halls", "admin", hall),
        "name_en": ("PATCH", "/api/halls/1", "admin", {"name_en": "Loft"}),
        "description": ("PATCH", "/api/halls/1", "admin", {"description": "Светлый"}),
        "description_en": ("PATCH", "/api/halls/1", "admin", {"description_en": "Bright"}),
        "extra_guest_fee.price": ("PATCH", "/api/halls/1", "admin", fee),
        "id@addon": ("POST", "/api/addons", "admin", addon),
        "title": ("POST", "/api/addons", "admin", addon),
        "title_en": ("PATCH", "/api/addons/fan", "admin", {"title_en": "Fan"}),
        "price": ("POST", "/api/addons", "admin", addon),
        "text_en": ("PUT", "/api/studio/rules", "admin", {"text_en": "Rules"}),
        "url": ("PUT", "/api/studio/rules", "admin", {"url": "https://example.com/rules"}),
    }


TEXT_FIELDS = sorted(_cases(0, 0))


def _with(body: dict[str, Any], field: str, char: str) -> dict[str, Any]:
    """The body with `char` inside the field's value (a dotted name reaches into objects,
    and into the first object of a list)."""
    *outer, last = field.split("@")[0].split(".")
    copy = {**body}
    target = copy
    for part in outer:
        inner = target[part]
        if isinstance(inner, list):
            target[part] = [{**inner[0]}, *inner[1:]]
            target = target[part][0]
        else:
            target[part] = target = {**inner}
    target[last] = f"{target[last][:2]}{char}{target[last][2:]}"
    return copy


def _text_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    found = set()
    for name, field in model.model_fields.items():
        if get_origin(field.annotation) is dict:
            continue  # keyed by dates (a pattern), valued by clock times (a pattern)
        kinds = get_args(field.annotation) or (field.annotation,)
        for kind in kinds:
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                found |= _text_fields(kind, f"{prefix}{name}.")
            elif kind is str or get_origin(kind) is Annotated and get_args(kind)[0] is str:
                found.add(f"{prefix}{name}")
    return found


def test_every_text_field_of_every_request_is_covered() -> None:
    """The table above names every text field a request body has."""
    bodies = {route.body for route in ROUTES if route.body is not None and not route.form}
    fields = set().union(*(_text_fields(model) for model in bodies))
    assert fields == {name.split("@")[0] for name in TEXT_FIELDS}


@pytest.mark.parametrize("field", TEXT_FIELDS)
async def test_control_characters_are_refused_in_every_text_field(
    running: Running, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused before anything is looked at: a request each field, each control character."""
    caplog.set_level(logging.DEBUG)
    booking = await running.api.booked()
    payment = await running.api.start_payment(booking)
    method, path, who, body = _cases(booking["id"], payment["id"])[field]
    token = {"anyone": None, "owner": booking["access_token"], "admin": ADMIN_TOKEN}[who]
    multiline = field.split("@")[0] in (
        "reason",
        "note",
        "text",
        "text_en",
        "description",
        "description_en",
    )
    before = await table_counts(running.sessionmaker)
    for char in CONTROLS if multiline else SINGLE_LINE:
        status, answer = await running.api.call(
            method, path, json=_with(body, field, char), token=token
        )
        assert status == 400, (field, char, answer)
        assert answer["error"]["code"] == "invalid_input", answer
        named = re.sub(r"\.[0-9]+\.", ".", answer["error"]["message"])  # addons.0.id
        assert named.startswith(field.split("@")[0]), answer
    assert await table_counts(running.sessionmaker) == before
    for value in PERSONAL:
        assert value not in caplog.text


async def test_line_breaks_stay_in_texts_that_may_have_them(running: Running) -> None:
    booking = await running.api.booked()
    text = "Добрый день!\nЗал готов.\r\n\tЖдём вас."
    status, sent = await running.api.admin(
        "POST", "/api/notifications/send", json={"booking_id": booking["id"], "text": text}
    )
    assert status == 202 and sent["notifications"][0]["text"] == text, sent
    status, cancelled = await running.api.admin(
        "DELETE", f"/api/bookings/{booking['id']}", json={"reason": "Клиент\nпопросил"}
    )
    assert status == 200 and cancelled["cancel_reason"] == "Клиент\nпопросил", cancelled


async def test_a_nul_in_a_name_is_refused_and_the_client_not_logged(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """On PostgreSQL a NUL used to fail the insert: a 500, and the name and phone in the
    logged traceback."""
    caplog.set_level(logging.DEBUG)
    before = await table_counts(running.sessionmaker)
    client = {"name": f"{NAME}\x00", "phone": PHONE, "email": EMAIL}
    body = {"hall_id": 1, "start": moscow(3, 12), "end": moscow(3, 14), "client": client}
    status, answer = await running.api.call("POST", "/api/bookings", json=body)
    assert status == 400 and answer["error"]["code"] == "invalid_input", answer
    assert await table_counts(running.sessionmaker) == before
    assert all(value not in caplog.text for value in PERSONAL), caplog.text


async def test_a_server_error_logs_no_personal_data(
    running: Running, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a database refusing a value raises carries the statement's parameters; the
    500 is logged with its frames and types, not with what the client sent."""

    async def refusing(session: AsyncSession, *args: Any, **kw: Any) -> None:
        params = {"name": NAME, "phone": "79123456789", "email": EMAIL}
        raise DataError("INSERT INTO clients (name, phone, email)", params, ValueError(NAME))

    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(AsyncSession, "flush", refusing)
    client = {"name": NAME, "phone": PHONE, "email": EMAIL}
    body = {"hall_id": 1, "start": moscow(3, 12), "end": moscow(3, 14), "client": client}
    status, answer = await running.api.call("POST", "/api/bookings", json=body)
    assert status == 500 and answer["error"]["code"] == "internal_error", answer
    assert "sqlalchemy.exc.DataError" in caplog.text and "refusing" in caplog.text
    assert all(value not in caplog.text for value in PERSONAL), caplog.text


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_control_characters_in_a_path_are_not_found(running: Running, method: str) -> None:
    """A checkout page's id goes to the database as text: PostgreSQL refused a NUL (a 500)."""
    booking = await running.api.booked()
    payment = await running.api.start_payment(booking)
    page = payment["confirmation_url"].removeprefix(running.api.base_url)
    for path in ("/mock/checkout/%00", f"{page}%00", f"{page[:-2]}%1b{page[-1]}"):
        status, answer = await running.api.call(method, path, data={"outcome": "succeeded"})
        assert status == 404 and answer["error"]["code"] == "payment_not_found", (path, answer)
    assert (await running.api.booking(booking))["status"] == "pending_payment"


async def test_database_errors_do_not_carry_the_parameters(engine: AsyncEngine) -> None:
    with pytest.raises(DBAPIError) as failed:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT no_such_column WHERE :name = ''"), {"name": NAME})
    assert NAME not in str(failed.value)


# --------------------------------------------------------------------------- mail headers


@pytest.mark.parametrize(
    "overrides",
    [
        {"recipient": "a@b.c\r\nBcc: z@z.z"},
        {"recipient": "client@example.com\nBcc: z@z.z"},
        {"subject": "Привет\r\nBcc: z@z.z"},
        {"subject": "Привет\nBcc: z@z.z"},
    ],
)
async def test_line_breaks_in_mail_headers_are_refused(
    running: Running, overrides: dict[str, str]
) -> None:
    before = await table_counts(running.sessionmaker)
    body = {"channel": "email", "recipient": "client@example.com", "text": "Привет", **overrides}
    status, answer = await running.api.admin("POST", "/api/notifications/send", json=body)
    assert status == 400 and answer["error"]["code"] == "invalid_input", answer
    assert await table_counts(running.sessionmaker) == before


# --------------------------------------------------------------------------- loose parsing


def _booking(**overrides: Any) -> dict[str, Any]:
    return {
        "hall_id": 1,
        "start": moscow(3, 12),
        "end": moscow(3, 14),
        "client": CLIENT,
        **overrides,
    }


@pytest.mark.parametrize(
    "start",
    [
        1796288400,  # 2026-12-03T12:00+03:00 as a Unix timestamp
        1796288400.0,
        "1796288400",
        "1796288400.5",
        "٢٠٢٦-١٢-٠٣T12:00:00+03:00",
        "2026-12-03T１２:00:00+03:00",
        "2026-12-03T12:00:00+03:00 ",
    ],
)
async def test_times_are_iso_8601_only(running: Running, start: Any) -> None:
    before = await table_counts(running.sessionmaker)
    status, answer = await running.api.call("POST", "/api/bookings", json=_booking(start=start))
    assert status == 400 and answer["error"]["code"] == "invalid_input", answer
    assert answer["error"]["message"].startswith("start"), answer
    assert await table_counts(running.sessionmaker) == before
    status, answer = await running.api.call("POST", "/api/bookings", json=_booking())
    assert status == 201, answer


@pytest.mark.parametrize(
    "amount", ["1_000", "١٠٠٠", "１０００", "1e3", " 5", "5 ", "12.", ".5", "+5"]
)
async def test_rubles_are_ascii_digits(running: Running, amount: str) -> None:
    booking = await running.api.booked()
    path = f"/api/bookings/{booking['id']}/confirm"
    before = await table_counts(running.sessionmaker)
    for sent in (amount, {"value": amount}):
        status, answer = await running.api.admin("POST", path, json={"amount": sent})
        assert status == 400 and answer["error"]["code"] == "invalid_input", (sent, answer)
    assert await table_counts(running.sessionmaker) == before
    status, answer = await running.api.admin("POST", path, json={"amount": "1000"})
    assert status == 200 and answer["paid"]["value"] == "1000.00", answer


async def test_an_inverted_date_range_is_refused(running: Running) -> None:
    await running.api.booked(day=3)
    status, answer = await running.api.admin(
        "GET", "/api/bookings?date_from=2026-12-10&date_to=2026-12-01"
    )
    assert status == 400 and answer["error"]["code"] == "bad_range", answer
    status, answer = await running.api.admin(
        "GET", "/api/bookings?date_from=2026-12-03&date_to=2026-12-03"
    )
    assert status == 200 and len(answer["bookings"]) == 1, answer


@pytest.mark.parametrize(
    "query",
    [
        "hall_id=1_0&start_date=2026-12-01&end_date=2026-12-02",
        "hall_id=١&start_date=2026-12-01&end_date=2026-12-02",
        "hall_id=+1&start_date=2026-12-01&end_date=2026-12-02",
        "hall_id= 1&start_date=2026-12-01&end_date=2026-12-02",
        "hall_id=1&start_date=2026-W49-2&end_date=2026-12-02",
        "hall_id=1&start_date=20261201&end_date=2026-12-02",
        "hall_id=1&start_date=2026-12-01&end_date=٢٠٢٦-١٢-٠٢",
    ],
)
async def test_numbers_and_dates_in_queries_are_as_the_contract_writes_them(
    running: Running, query: str
) -> None:
    status, answer = await running.api.call("GET", f"/api/bookings/availability?{query}")
    assert status == 400 and answer["error"]["code"] == "invalid_input", answer


async def test_ids_in_paths_are_ascii_digits(running: Running) -> None:
    booking = await running.api.booked()
    assert booking["id"] < 10
    for written in (f"0_{booking['id']}", chr(0x0660 + booking["id"])):
        status, answer = await running.api.admin("GET", f"/api/bookings/{written}")
        assert status == 404 and answer["error"]["code"] == "not_found", (written, answer)


BOOKING_JSON = (
    f'"start": "{moscow(3, 12)}", "end": "{moscow(3, 14)}", "payment_mode": "full", '
    '"client": {"name": "Анна", "phone": "+79991234567"'
)


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ('{"hall_id": 1, "hall_id": 2, ' + BOOKING_JSON + "}}", "utf-8"),
        ('{"hall_id": 1, ' + BOOKING_JSON + ', "name": "Борис"}}', "utf-8"),
        ('{"hall_id": NaN, ' + BOOKING_JSON + "}}", "utf-8"),
        ('{"hall_id": Infinity, ' + BOOKING_JSON + "}}", "utf-8"),
        ('{"hall_id": 1, ' + BOOKING_JSON + "}}", "utf-16"),
        ('{"a":' * 10_000 + "1" + "}" * 10_000, "utf-8"),
    ],
)
async def test_json_that_parsers_read_differently_is_refused(
    running: Running, raw: str, encoding: str
) -> None:
    """A repeated key (which value wins depends on the parser), NaN and Infinity (not JSON),
    another encoding than UTF-8, nesting past any use."""
    data = raw.encode(encoding)
    before = await table_counts(running.sessionmaker)
    status, answer = await running.api.call(
        "POST", "/api/bookings", data=data, headers={"Content-Type": "application/json"}
    )
    assert status == 400 and answer["error"]["code"] == "malformed_json", answer
    assert await table_counts(running.sessionmaker) == before
    fine = '{"hall_id": 1, ' + BOOKING_JSON + "}}"
    status, answer = await running.api.call(
        "POST", "/api/bookings", data=fine.encode(), headers={"Content-Type": "application/json"}
    )
    assert status == 201, answer


# --------------------------------------------------------------------------- existence oracle


async def test_another_booking_is_answered_as_a_missing_one(running: Running) -> None:
    """A token learns nothing of the bookings and payments it does not open: the answer to
    another's id is the answer to an id that does not exist."""
    api = running.api
    mine, theirs = await api.booked(day=3), await api.booked(day=4)
    their_payment = await api.start_payment(theirs)
    token = mine["access_token"]
    before = await table_counts(running.sessionmaker)
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/bookings/{}", None),
        ("DELETE", "/api/bookings/{}", None),
        ("DELETE", "/api/bookings/{}", {"reason": "x"}),
        ("POST", "/api/payments", {"gateway": "mock"}),
        ("GET", "/api/payments/{}", None),
    ]
    for method, path, body in requests:
        answers = []
        for booking_id, payment_id in ((theirs["id"], their_payment["id"]), (999_999, 999_999)):
            the_id = payment_id if "payments/" in path else booking_id
            sent = {**body, "booking_id": the_id} if body and path == "/api/payments" else body
            answers.append(await api.call(method, path.format(the_id), json=sent, token=token))
        assert answers[0] == answers[1], (method, path, answers)
        status, answer = answers[0]
        code = "payment_not_found" if "payments/" in path else "booking_not_found"
        assert status == 404 and answer["error"]["code"] == code, answer
    assert await table_counts(running.sessionmaker) == before
    # Admin routes still say that the token is not the admin's, whatever the id.
    for path in (f"/api/bookings/{mine['id']}/confirm", f"/api/bookings/{theirs['id']}/confirm"):
        status, answer = await api.call("POST", path, token=token)
        assert status == 403 and answer["error"]["code"] == "forbidden"
    status, answer = await api.call("GET", f"/api/bookings/{theirs['id']}")
    assert status == 401 and answer["error"]["code"] == "unauthorized"
