"""The mock checkout page as a payer and a CRM see it: a declined payment stays declined,
the amount reads as money does elsewhere, and a decline's event names its booking."""

from __future__ import annotations

from typing import Any

from tests.support import Running, table_counts

NBSP = "\u00a0"


async def post_outcome(running: Running, payment: dict[str, Any], outcome: str) -> Any:
    url = payment["confirmation_url"]
    async with running.api.http.post(
        url, data={"outcome": outcome}, headers={"Accept": "application/json"}
    ) as response:
        return response.status, await response.json()


async def test_a_declined_payment_cannot_be_paid_on_its_page(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    await api.checkout(payment, "canceled")
    before = await table_counts(running.sessionmaker)
    status, answer = await post_outcome(running, payment, "succeeded")
    assert status == 409, answer
    assert answer["error"]["code"] == "payment_settled"
    assert await table_counts(running.sessionmaker) == before
    after = await api.booking(booking)
    assert after["status"] == "pending_payment"
    assert after["payments"][0]["status"] == "canceled"
    # Declining again is the gateway repeating its webhook: answered, nothing changes.
    assert (await post_outcome(running, payment, "canceled"))[0] == 200
    # A paid one cannot be declined either.
    second = await api.start_payment(booking)
    await api.checkout(second, "succeeded")
    status, answer = await post_outcome(running, second, "canceled")
    assert (status, answer["error"]["code"]) == (409, "payment_settled")
    assert (await api.booking(booking))["status"] == "confirmed"


async def test_the_page_shows_the_amount_as_money_reads_elsewhere(running: Running) -> None:
    api = running.api
    payment = await api.start_payment(await api.booked(mode="full", hours=3))
    value = int(float(payment["amount"]["value"]))
    assert value >= 1000  # thousands, so the grouping shows
    async with api.http.get(
        payment["confirmation_url"], headers={"Accept-Language": "ru"}
    ) as response:
        page = await response.text()
    grouped = f"{value // 1000}{NBSP}{value % 1000:03d}{NBSP}₽"
    assert grouped in page, page
    assert payment["amount"]["value"] not in page  # not "3060.00 ₽"


async def test_a_declines_event_names_its_booking_and_state(running: Running) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking)
    await api.checkout(payment, "canceled")
    status, body = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    assert status == 200
    [canceled] = [e for e in body["events"] if e["type"] == "payment.canceled"]
    assert canceled["payload"]["code"] == booking["code"]
    assert canceled["payload"]["status"] == "pending_payment"
    assert canceled["payload"]["gateway"] == "mock"
    assert canceled["payment_id"] == payment["id"]
