"""The price before booking (POST /api/bookings/quote): the very lines, total and
prepayment the booking then gets; refused as the booking would refuse; nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.sales import BookingAddon
from tests.api.test_certificates import issued
from tests.api.test_promo_codes import code
from tests.api.test_selling import amounts, body, book
from tests.support import Api, Running, table_counts


async def quote(api: Api, **kw: Any) -> tuple[int, Any]:
    asked = body(**kw)
    del asked["client"]
    return await api.call("POST", "/api/bookings/quote", json=asked)


async def written(running: Running) -> dict[str, int]:
    """What a quote must leave as it was: bookings (and so promo code uses), add-ons held."""
    counts = await table_counts(running.sessionmaker)
    async with running.sessionmaker() as session:
        counts["booking_addons"] = int(
            await session.scalar(select(func.count()).select_from(BookingAddon)) or 0
        )
    return counts


async def test_the_quote_is_what_the_booking_then_gets(running: Running) -> None:
    api = running.api
    await code(api, code="BDAY20", percent=20)
    asked: dict[str, Any] = {
        "guests": 6, "addons": [{"id": "makeup", "quantity": 2}, {"id": "smoke"}],
        "promo_code": "bday20",
    }  # fmt: skip
    before = await written(running)
    status, priced = await quote(api, **asked)
    assert status == 200, priced
    assert await written(running) == before  # nothing held, no use of the code taken
    kinds = [kind for kind, _ in amounts(priced)]
    assert sorted(kinds) == ["addon", "addon", "discount", "guests", "hall"]
    assert priced["price_lines"][-1]["amount"]["value"].startswith("-")
    status, booking = await book(api, **asked)
    assert status == 201, booking
    assert priced["price_lines"] == booking["price_lines"]
    assert priced["total"] == booking["total"]
    assert priced["prepayment"] == booking["prepayment"]
    assert priced["due_now"] == booking["due_now"]


async def test_full_payment_is_due_in_full(running: Running) -> None:
    status, priced = await quote(running.api, payment_mode="full")
    assert status == 200, priced
    assert priced["prepayment"] == priced["total"] == priced["due_now"]
    assert priced["total"]["value"] == "5000.00"


async def test_the_studio_rules_are_accepted_when_booking_not_before(running: Running) -> None:
    # accept_rules is not a quote's field: a studio with rules still quotes (see the page).
    status, priced = await quote(running.api, accept_rules=False)
    assert status == 200, priced


@pytest.mark.parametrize(
    ("asked", "status", "error"),
    [
        ({"guests": 16}, 400, "over_capacity"),
        ({"addons": [{"id": "jacuzzi"}]}, 400, "addon_unavailable"),
        ({"addons": [{"id": "makeup", "quantity": 3}]}, 400, "addon_unavailable"),
        ({"promo_code": "NOSUCH"}, 400, "promo_invalid"),
        ({"hall_id": 99}, 404, "hall_not_found"),
        ({"hour": 3}, 400, "outside_hours"),
        ({"hours": 0.5}, 400, "too_short"),
        ({"hours": 0.1}, 400, "bad_length"),
    ],
)
async def test_refused_as_the_booking_would_be(
    running: Running, asked: dict[str, Any], status: int, error: str
) -> None:
    before = await written(running)
    got, answer = await quote(running.api, **asked)
    assert (got, answer["error"]["code"]) == (status, error), answer
    refused, booked = await book(running.api, **asked)
    assert (refused, booked["error"]["code"]) == (status, error), booked
    assert await written(running) == before


async def test_an_expired_giftis_refused(running: Running) -> None:
    await code(running.api, percent=10, valid_to="2026-11-30")
    status, answer = await quote(running.api, promo_code="BDAY")
    assert (status, answer["error"]["code"]) == (400, "promo_expired")


async def test_a_used_up_giftand_a_taken_slot_or_add_on_are_refused(running: Running) -> None:
    api = running.api
    await code(api, percent=10, max_uses=1)
    status, first = await book(api, promo_code="BDAY", addons=[{"id": "smoke"}])
    assert status == 201, first
    before = await written(running)
    status, answer = await quote(api, day=4, promo_code="BDAY")
    assert (status, answer["error"]["code"]) == (409, "promo_used_up")
    status, answer = await quote(api)
    assert (status, answer["error"]["code"]) == (409, "slot_taken")
    # the one smoke machine is out in the first booking's time, in another hall too
    status, answer = await quote(api, hall_id=2, addons=[{"id": "smoke"}])
    assert (status, answer["error"]["code"]) == (409, "addon_unavailable")
    assert await written(running) == before


async def test_a_bad_body_is_refused_with_its_code(running: Running) -> None:
    status, answer = await running.api.call(
        "POST", "/api/bookings/quote", json={"hall_id": 1, "start": "2026-12-03T12:00:00"}
    )
    assert status == 400 and answer["error"]["code"] in ("invalid_input", "naive_datetime")


async def test_a_certificate_in_the_code_field_is_quoted_and_spent_as_one(
    running: Running,
) -> None:
    """One code field (the booking page's) takes a gift certificate's code too: the quote
    shows what it pays and the booking spends it, as `certificate_code` would."""
    api = running.api
    gift = await issued(api, "2000.00")
    before = await written(running)
    status, priced = await quote(api, promo_code=gift.lower())
    assert status == 200, priced
    assert await written(running) == before
    assert priced["price_lines"][-1]["kind"] == "certificate"
    assert priced["price_lines"][-1]["amount"]["value"] == "-2000.00"
    assert priced["certificate_paid"]["value"] == "2000.00"
    assert priced["prepayment"]["value"] == "1500.00"  # half of the 3000 left
    status, booking = await book(api, promo_code=gift)
    assert status == 201, booking
    assert priced["price_lines"] == booking["price_lines"]
    assert booking["certificate_paid"] == priced["certificate_paid"]
    assert booking["due_now"] == priced["due_now"]
    status, left = await api.call("GET", f"/api/certificates/{gift}")
    assert left["balance"]["value"] == "0.00"
