"""The money audit over gift certificates: a ledger the service wrote passes; a balance
overspent, a second issue, a spend that disagrees with the booking's line, or more given
back than spent, done by hand in SQL, is reported, and `main.py audit` fails."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_certificates import balance, issued
from tests.api.test_selling import book
from tests.integration.test_audit import _execute, checks_failing, cli_audit
from tests.support import Running


async def certificate_ledger(running: Running) -> dict[str, Any]:
    """A certificate spent in full by a booking confirmed at once and cancelled (given
    back), then by one that paid the rest at the gateway."""
    api = running.api
    code = await issued(api, "9000.00")
    status, whole = await book(api, day=4, hours=1, certificate_code=code)
    assert status == 201, whole
    assert whole["status"] == "confirmed"
    await api.cancel(whole)  # well ahead: all 2,500 ₽ back
    assert await balance(api, code) == "9000.00"
    status, partly = await book(api, day=3, hour=10, hours=4, certificate_code=code)
    assert status == 201, partly
    assert partly["certificate_paid"]["value"] == "9000.00"
    await api.checkout(await api.start_payment(partly), "succeeded")
    assert await balance(api, code) == "0.00"
    return {"code": code, "partly": partly["id"], "whole": whole["id"]}


@pytest.fixture
async def ledger(running: Running) -> dict[str, Any]:
    return await certificate_ledger(running)


async def test_a_certificate_ledger_the_service_wrote_passes(
    running: Running, ledger: dict[str, Any], database_url: str
) -> None:
    assert await checks_failing(running) == set()
    code, out = await cli_audit(database_url)
    assert code == 0, out


CORRUPTIONS = {
    "certificate_overspent": "UPDATE certificate_movements SET amount = amount - 100 "
    "WHERE booking_id = :whole AND kind = 'refund'",
    "certificate_issue": "INSERT INTO certificate_movements "
    "(certificate_id, kind, amount, created_at) SELECT certificate_id, 'issue', 100, created_at "
    "FROM certificate_movements WHERE kind = 'issue'",
    "certificate_spend": "UPDATE certificate_movements SET amount = amount + 100 "
    "WHERE booking_id = :whole AND kind = 'spend'",
    "certificate_refund": "UPDATE certificate_movements SET amount = 999900 "
    "WHERE booking_id = :whole AND kind = 'refund'",
}


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
async def test_each_kind_of_certificate_damage_is_reported(
    running: Running, ledger: dict[str, Any], database_url: str, damage: str
) -> None:
    values = {"partly": ledger["partly"], "whole": ledger["whole"]}
    await _execute(running, CORRUPTIONS[damage], **values)
    assert damage in await checks_failing(running)
    code, out = await cli_audit(database_url)
    assert code == 1, out
    assert "problem(s)" in out.splitlines()[0]
