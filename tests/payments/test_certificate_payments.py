"""A booking paid partly from a gift certificate, the rest at each gateway's real-protocol
fake: the gateway is asked for the rest alone, with a receipt that sums to it; its verified
notification confirms the booking; a cancellation refunds the gateway's part at the gateway
and gives the certificate its part back."""

from __future__ import annotations

from tests.api.test_certificates import balance, issued
from tests.api.test_selling import book
from tests.payments.helpers import Gate
from tests.support import Running


async def test_the_rest_is_paid_at_the_gateway_and_refunds_go_where_they_came_from(
    running: Running, gate: Gate
) -> None:
    api = running.api
    code = await issued(api, "1000.00")
    status, booking = await book(api, certificate_code=code, payment_mode="full")
    assert status == 201, booking
    payment = await api.start_payment(booking, gate.name)
    assert payment["amount"]["value"] == "4000.00"
    if gate.name == "yookassa":  # the fake checks Σ items = amount and keeps the receipt
        receipt = gate.fakes.yk.receipts[await gate.gateway_id(payment)]
        assert [item["amount"]["value"] for item in receipt["items"]] == ["4000.00"]
    await gate.pay(payment)
    status, text = await gate.notify(payment)
    assert status == 200, text
    paid = await api.booking(booking)
    assert (paid["status"], paid["paid"]["value"]) == ("confirmed", "4000.00")
    status, text = await gate.notify(payment)  # a repeat changes nothing
    assert status == 200, text
    assert await balance(api, code) == "0.00"

    cancelled = await api.cancel(booking)
    assert cancelled["refund"]["value"] == "4000.00"
    assert gate.refunds_made() == 1
    assert await balance(api, code) == "1000.00"
