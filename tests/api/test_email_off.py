"""A studio without SMTP sends no e-mail at all: what could only reach someone by e-mail is
refused up front, not taken and then never told — an online certificate whose code would
only be mailed, a wait for a full day with only an e-mail to tell."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_waitlist import DAY, fill_the_day, wait, waits
from tests.support import Running, table_counts


@pytest.fixture
def settings_env() -> dict[str, Any]:
    return {"smtp_host": None}


async def test_a_certificate_mailed_only_is_refused_with_smtp_off(running: Running) -> None:
    buyer = {"name": "Анна", "phone": "+79991234567", "email": "anna@example.com"}
    before = await table_counts(running.sessionmaker)
    status, answer = await running.api.call(
        "POST",
        "/api/certificates/purchase",
        json={"amount": "5000.00", "gateway": "mock", "buyer": buyer},
    )
    assert (status, answer["error"]["code"]) == (400, "no_recipient"), answer
    assert "e-mail" in answer["error"]["message"]
    assert await table_counts(running.sessionmaker) == before


async def test_a_wait_told_only_by_e_mail_is_refused_with_smtp_off(running: Running) -> None:
    await fill_the_day(running)
    status, answer = await wait(running, "anna@example.com", DAY)
    assert (status, answer["error"]["code"]) == (400, "email_off"), answer
    assert await waits(running) == 0


async def test_an_admins_e_mail_is_not_queued_to_wait_unsent_with_smtp_off(
    running: Running,
) -> None:
    """An admin's message by e-mail would wait unsent for good: refused when asked for by
    name; to a booking's client told by e-mail alone, there is no one to reach."""
    before = await table_counts(running.sessionmaker)
    status, answer = await running.api.admin(
        "POST",
        "/api/notifications/send",
        json={"channel": "email", "recipient": "owner@example.com", "text": "Проверка"},
    )
    assert (status, answer["error"]["code"]) == (400, "email_off"), answer
    booking = await running.api.booked(email="anna@example.com")
    status, answer = await running.api.admin(
        "POST", "/api/notifications/send", json={"booking_id": booking["id"], "text": "Привет"}
    )
    assert (status, answer["error"]["code"]) == (400, "no_recipient"), answer
    assert (await table_counts(running.sessionmaker))["notifications"] == before["notifications"]
