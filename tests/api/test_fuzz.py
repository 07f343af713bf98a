"""A schema-driven fuzz of the whole API over real HTTP: schemathesis reads /api/openapi.json
from the running app and sends every operation requests generated from it (the admin token
on each, so admin routes are reached too), within a bounded number of examples."""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.formats import unregister_string_format

from api.openapi import DOCUMENT
from tests.support import ADMIN_TOKEN, MSK, Running

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Examples per operation and way of generating: the suite's run takes seconds and is the
#: same every time; FUZZ_EXAMPLES=500 makes a longer run with fresh random draws.
LONG = int(os.environ.get("FUZZ_EXAMPLES", "0"))
EXAMPLES = {GenerationMode.POSITIVE: LONG or 12, GenerationMode.NEGATIVE: LONG // 2 or 6}
#: Codes that say "the request is malformed": a request the schema allows must not get them.
MALFORMED = {"invalid_input", "malformed_json"}
#: Dates and times as the schema allows them (years 2000-2199), most of them near the test's
#: clock so that bookings reach the calendar's rules: the generic generator draws any year
#: and throws away nearly all of its draws against the schema's year pattern.
NEAR = (date(2026, 11, 25), date(2027, 3, 31))
ANY = (date(2000, 1, 1), date(2199, 12, 31))
OFFSETS = st.sampled_from([timezone(timedelta(hours=h)) for h in (3, 0, -12, 14)] + [MSK])
DAYS = st.one_of(st.dates(*NEAR), st.dates(*NEAR), st.dates(*ANY)).map(date.isoformat)  # 2:1
MOMENTS = st.builds(
    lambda day, minutes, zone: (
        datetime.combine(day, time(), zone)
        .replace(hour=minutes // 60, minute=minutes % 60)
        .isoformat()
    ),
    st.one_of(st.dates(*NEAR), st.dates(*ANY)),
    st.one_of(st.integers(0, 95).map(lambda q: q * 15), st.integers(0, 24 * 60 - 1)),
    OFFSETS,
)


@pytest.fixture
def formats() -> Iterator[None]:
    """The dates and times above, for this test only."""
    schemathesis.openapi.format("date", DAYS)
    schemathesis.openapi.format("date-time", MOMENTS)
    yield
    unregister_string_format("date")
    unregister_string_format("date-time")


class Fuzz:
    """Sends the generated requests; keeps each kind of problem once, with a curl line."""

    def __init__(self, base_url: str, http: requests.Session) -> None:
        self.base_url, self.http = base_url, http
        self.problems: dict[str, str] = {}
        self.calls: Counter[str] = Counter()

    def run(self, operation: APIOperation, mode: GenerationMode, **fixed: Any) -> None:
        strategy = operation.as_strategy(
            generation_mode=mode, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, **fixed
        )

        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            database=None,
            derandomize=not LONG,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def send(case: Case) -> None:
            self.check(case, mode)

        try:
            send()
        except Unsatisfiable:  # nothing to get wrong: no parameters, no body
            if mode == GenerationMode.POSITIVE:
                raise

    def check(self, case: Case, mode: GenerationMode) -> None:
        response = case.call(base_url=self.base_url, session=self.http, timeout=30)
        label = case.operation.label
        self.calls[label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:
            self.note(f"{label} {response.status_code} {type(exc).__name__}", exc, case)
        code = _code(response) if response.status_code == 400 else None
        if mode == GenerationMode.POSITIVE and code in MALFORMED:
            self.note(f"{label} refused a valid request ({code})", response.text, case)

    def note(self, key: str, detail: Any, case: Case) -> None:
        self.problems.setdefault(key, f"{key}: {detail}\n{case.as_curl_command()}")


def fuzz(base_url: str, real_ids: dict[str, Any]) -> Fuzz:
    """Each operation, positive and negative; those that name a row also with real ids."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    with requests.Session() as http:
        run = Fuzz(base_url, http)
        for result in schema.get_all_operations():
            if isinstance(result, Err):  # an operation schemathesis cannot read: a bad schema
                raise result.err()
            operation = result.ok()
            names = {p.name for p in operation.path_parameters}
            for mode in EXAMPLES:
                run.run(operation, mode)
                if names and names <= set(real_ids):
                    run.run(operation, mode, path_parameters={n: real_ids[n] for n in names})
    return run


def _code(response: Response) -> str | None:
    try:
        return str(json.loads(response.content)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


@pytest.mark.slow
async def test_schema_driven_fuzz(running: Running, formats: None) -> None:
    """No server error, no answer off the document, no request it allows refused as malformed."""
    api = running.api
    booking = await api.booked(day=3)
    payment = await api.start_payment(booking)
    await api.checkout(payment, "succeeded")
    status, refund = await api.admin(
        "POST", f"/api/payments/{payment['id']}/refund", json={"amount": "100.00"}
    )
    assert status == 201, refund
    real_ids = {
        "booking_id": booking["id"],
        "payment_id": payment["id"],
        "refund_id": refund["id"],
        "gateway_payment_id": payment["confirmation_url"].rsplit("/", 1)[1],
        "code": booking["code"],
    }
    found = await asyncio.to_thread(fuzz, api.base_url, real_ids)
    documented = {
        f"{method.upper()} {path}" for path, item in DOCUMENT["paths"].items() for method in item
    }
    documented.remove("GET /api/openapi.json")  # what schemathesis reads the rest from
    assert not found.problems, "\n\n".join(found.problems.values())
    assert set(found.calls) == documented, documented - set(found.calls)
