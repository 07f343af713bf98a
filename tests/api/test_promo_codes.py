"""Promo codes through the JSON API: made, listed and disabled by admins; a discount line on
the booking; when, where and how often a code applies; a use counts while a booking holds
it and comes back when a hold lapses or is cancelled before payment."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from booking.deps import ReceiptRules
from booking.pricing import booking_receipt
from db.models import Booking, Client, Hall
from payments.receipts import receipt_items
from tests.api.test_selling import amounts, body, book
from tests.support import Api, Running, table_counts


async def code(api: Api, **fields: Any) -> dict[str, Any]:
    status, made = await api.admin("POST", "/api/promo-codes", json={"code": "BDAY", **fields})
    assert status == 201, made
    return dict(made)


async def test_a_percent_code_takes_its_share_off_everything_before_it(running: Running) -> None:
    api = running.api
    await code(api, code="BDAY20", percent=20)
    status, booking = await book(api, promo_code="bday20", addons=[{"id": "smoke"}])
    assert status == 201, booking
    assert amounts(booking) == [("hall", "5000.00"), ("addon", "500.00"), ("discount", "-1100.00")]
    assert booking["total"]["value"] == "4400.00"
    assert booking["prepayment"]["value"] == "2200.00"
    discount = booking["price_lines"][-1]
    assert (discount["title"], discount["title_en"]) == ("Промокод BDAY20", "Promo code BDAY20")
    assert discount["code"] == "BDAY20"


async def test_a_fixed_code_never_takes_the_total_below_zero(running: Running) -> None:
    api = running.api
    await code(api, code="GIFT", amount="9000.00")
    status, booking = await book(api, promo_code="GIFT")
    assert status == 201, booking
    assert amounts(booking) == [("hall", "5000.00"), ("discount", "-5000.00")]
    assert booking["total"]["value"] == "0.00" and booking["due_now"]["value"] == "0.00"
    # Nothing to pay: confirmed at once, not a hold that would lapse.
    assert booking["status"] == "confirmed" and booking["hold_expires_at"] is None
    status, refused = await api.call(
        "POST", "/api/payments", json={"booking_id": booking["id"], "gateway": "mock"},
        token=booking["access_token"],
    )  # fmt: skip
    assert (status, refused["error"]["code"]) == (409, "not_payable")
    status, events = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    assert [e["type"] for e in events["events"]] == ["booking.created", "booking.confirmed"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"hall_ids": [2]}, "promo_invalid"),
        ({"weekdays": [5, 6]}, "promo_invalid"),  # the booking is on a Thursday
        ({"min_minutes": 180}, "promo_invalid"),  # it lasts two hours
        ({"valid_to": "2026-11-30"}, "promo_expired"),  # today is 1 December
        ({"valid_from": "2026-12-02"}, "promo_expired"),
    ],
)
async def test_a_code_applies_only_where_and_when_it_says(
    running: Running, fields: dict[str, Any], error: str
) -> None:
    await code(running.api, percent=10, **fields)
    before = await table_counts(running.sessionmaker)
    status, answer = await book(running.api, promo_code="BDAY")
    assert (status, answer["error"]["code"]) == (400, error), answer
    assert await table_counts(running.sessionmaker) == before


async def test_an_unknown_or_disabled_code_is_refused(running: Running) -> None:
    api = running.api
    status, answer = await book(api, promo_code="NOSUCH")
    assert (status, answer["error"]["code"]) == (400, "promo_invalid")
    await code(api, percent=10, valid_from="2026-12-01", valid_to="2026-12-01")
    assert (await book(api, promo_code="BDAY", day=4))[0] == 201  # for today's bookings
    status, disabled = await api.admin("DELETE", "/api/promo-codes/bday")
    assert status == 200 and disabled["active"] is False and disabled["uses"] == 1
    status, answer = await book(api, promo_code="BDAY", day=5)
    assert (status, answer["error"]["code"]) == (400, "promo_invalid")


async def listed_uses(api: Api) -> int:
    status, listed = await api.admin("GET", "/api/promo-codes")
    assert status == 200
    [only] = listed["promo_codes"]
    return int(only["uses"])


async def test_a_use_counts_once_a_paid_booking_and_returns_when_a_hold_is_not_paid(
    running: Running,
) -> None:
    api = running.api
    await code(api, percent=10, max_uses=1)
    status, first = await book(api, promo_code="BDAY", day=3)
    assert status == 201
    status, answer = await book(api, promo_code="BDAY", day=4)
    assert (status, answer["error"]["code"]) == (409, "promo_used_up")

    running.clock.advance(minutes=16)  # the first hold lapses unpaid: its use comes back
    assert await listed_uses(api) == 0
    status, second = await book(api, promo_code="BDAY", day=4)
    assert status == 201, second
    await api.cancel(second)  # cancelled before payment: back again
    status, third = await book(api, promo_code="BDAY", day=5)
    assert status == 201, third
    await api.checkout(await api.start_payment(third), "succeeded")
    await api.cancel(third)  # paid, then cancelled: the use was had
    assert await listed_uses(api) == 1
    status, answer = await book(api, promo_code="BDAY", day=6)
    assert (status, answer["error"]["code"]) == (409, "promo_used_up")
    assert (await book(api, day=6))[0] == 201  # without the code, as always


async def test_a_code_once_per_client_by_their_phone(running: Running) -> None:
    api = running.api
    await code(api, percent=10, max_uses_per_client=1)
    assert (await book(api, promo_code="BDAY", day=3))[0] == 201
    status, answer = await book(api, promo_code="BDAY", day=4)  # the same phone
    assert (status, answer["error"]["code"]) == (409, "promo_used_up")
    other = body(day=4, promo_code="BDAY")
    other["client"] = {"name": "Борис", "phone": "+7 900 000-00-01"}
    status, booking = await api.call("POST", "/api/bookings", json=other)
    assert status == 201, booking


async def test_the_receipt_of_a_discounted_booking_lists_its_lines(running: Running) -> None:
    """What the gateways get when the studio sends receipts: the hall and the add-on, the
    discount spread over them, summing to the prepayment."""
    api = running.api
    await code(api, percent=20)
    status, made = await book(api, promo_code="BDAY", addons=[{"id": "smoke"}])
    assert status == 201, made
    items, _ = await gateway_receipt(running, made["id"])
    assert items == [("Аренда фотостудии: Белый зал", 200_000), ("Генератор дыма × 1", 20_000)]


async def gateway_receipt(running: Running, booking_id: int) -> tuple[list[tuple[str, int]], int]:
    """The items of the booking's prepayment receipt, as the gateways get them when the
    studio sends receipts, and that prepayment."""
    deps = replace(running.deps, receipts=ReceiptRules(tax_system=2, vat_code=1))
    async with running.sessionmaker() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        hall = await session.get(Hall, booking.hall_id)
        client = await session.get(Client, booking.client_id)
        assert hall is not None and client is not None
        info = booking_receipt(deps, booking, hall, client, "partial_prepayment")
    assert info is not None
    return receipt_items(info, booking.prepay_amount), booking.prepay_amount


async def test_a_fixed_amount_below_zero_is_refused_as_zero_is(running: Running) -> None:
    for amount in ("0", "-5"):
        status, answer = await running.api.admin(
            "POST", "/api/promo-codes", json={"code": "BDAY", "amount": amount}
        )
        assert (status, answer["error"]["code"]) == (400, "bad_discount"), answer
