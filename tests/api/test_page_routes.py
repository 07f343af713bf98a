"""What the booking page relies on besides its script: CORS for named websites only, the
Mini App's initData (signed by Telegram for this bot, not too old) on the booking routes, the
pages around it (`/`, `/book/<hall>`, the return page, the mock checkout in words)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from booking.holds import PaymentMode
from db.models import Booking, Client
from tests.support import Api, Running, make_booking, moscow, msk, signed_init_data, table_counts

TOKEN = "123456789:TEST-page-fake-token_for-tests"
SITE = "https://studio.example"
ANN: dict[str, Any] = {
    "id": 111111111,
    "first_name": "Ann",
    "username": "ann_test",
    "language_code": "en",
}


@pytest.fixture
def settings_env() -> dict[str, Any]:
    return {"bot_token": TOKEN, "cors_origins": f"{SITE},https://www.studio.example/"}


def booking_body(day: int = 3, hour: int = 12) -> dict[str, Any]:
    return {
        "hall_id": 1,
        "start": moscow(day, hour),
        "end": moscow(day, hour + 1),
        "client": {"name": "Ann", "phone": "+79991234567"},
        "language": "en",
    }


# ----------------------------------------------------------------------------------- CORS


async def test_a_named_website_may_call_the_api(api: Api) -> None:
    preflight = {"Origin": SITE, "Access-Control-Request-Method": "POST"}
    async with api.http.options(api.url("/api/bookings"), headers=preflight) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    async with api.http.get(api.url("/api/halls"), headers={"Origin": SITE}) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        assert "Origin" in response.headers.getall("Vary")
    # A refusal carries the headers too, so the site's script can read the error.
    async with api.http.post(
        api.url("/api/bookings"), json={}, headers={"Origin": "https://www.studio.example"}
    ) as response:
        assert response.status == 400
        assert response.headers["Access-Control-Allow-Origin"] == "https://www.studio.example"


async def test_other_websites_get_no_cors_headers(running: Running) -> None:
    api = running.api
    before = await table_counts(running.sessionmaker)
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    async with api.http.options(api.url("/api/bookings"), headers=preflight) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "origin_not_allowed"
        assert "Access-Control-Allow-Origin" not in response.headers
    async with api.http.post(
        api.url("/api/bookings"), json=booking_body(), headers={"Origin": "https://evil.example"}
    ) as response:
        assert "Access-Control-Allow-Origin" not in response.headers
    async with api.http.get(api.url("/api/halls")) as response:
        assert "Access-Control-Allow-Origin" not in response.headers
    assert (await table_counts(running.sessionmaker))["bookings"] == before["bookings"] + 1


# ------------------------------------------------------------------------------- Mini App


async def tma(api: Api, method: str, path: str, init_data: str, json: Any = None) -> Any:
    return await api.call(method, path, json=json, headers={"Authorization": f"tma {init_data}"})


async def test_a_mini_app_booking_belongs_to_the_telegram_user(running: Running) -> None:
    api = running.api
    init_data = signed_init_data(TOKEN, ANN, running.clock.now - timedelta(hours=23))
    status, booking = await tma(api, "POST", "/api/bookings", init_data, booking_body())
    assert status == 201, booking
    assert booking["source"] == "telegram"
    async with running.sessionmaker() as session:
        client = await session.scalar(select(Client).join(Booking, Booking.client_id == Client.id))
        assert client is not None
        assert (client.telegram_id, client.username, client.language) == (
            ANN["id"],
            "ann_test",
            "en",
        )
    # The routes after it take the same initData instead of the booking's token...
    status, seen = await tma(api, "GET", f"/api/bookings/{booking['id']}", init_data)
    assert status == 200 and seen["code"] == booking["code"]
    status, payment = await tma(
        api, "POST", "/api/payments", init_data, {"booking_id": booking["id"], "gateway": "mock"}
    )
    assert status == 201 and payment["confirmation_url"]
    # ... but another Telegram user's initData learns nothing of it.
    bob = signed_init_data(TOKEN, {**ANN, "id": 222}, running.clock.now)
    status, body = await tma(api, "GET", f"/api/bookings/{booking['id']}", bob)
    assert status == 404 and body["error"]["code"] == "booking_not_found"


async def test_a_booking_made_with_the_bot_opens_in_the_mini_app_for_its_owner_only(
    running: Running,
) -> None:
    """The status page in the Mini App reads a booking the bot made (no token in that
    browser) and pays its pending change with the initData alone; another Telegram user, or
    a caller with neither, learns nothing of it."""
    api = running.api
    made = await make_booking(
        running.sessionmaker, running.deps, start=msk(3, 12), telegram_id=ANN["id"],
        paid="mock", mode=PaymentMode.FULL,
    )  # fmt: skip
    path = f"/api/bookings/{made.id}"
    ann = signed_init_data(TOKEN, ANN, running.clock.now)
    status, more = await tma(api, "POST", f"{path}/extend", ann, {"minutes": 30})
    assert status == 200 and more["due_kind"] == "change", more
    status, seen = await tma(api, "GET", path, ann)
    assert status == 200 and seen["code"] == made.code and seen["source"] == "telegram"
    assert seen["change"]["kind"] == "extend"
    pay = {"booking_id": made.id, "gateway": "mock"}
    status, payment = await tma(api, "POST", "/api/payments", ann, pay)
    assert status == 201 and payment["kind"] == "change", payment

    bob = signed_init_data(TOKEN, {**ANN, "id": 222, "username": "bob"}, running.clock.now)
    for method, where, body in (("GET", path, None), ("POST", "/api/payments", pay)):
        status, refused = await tma(api, method, where, bob, body)
        assert (status, refused["error"]["code"]) == (404, "booking_not_found")
        status, refused = await api.call(method, where, json=body)
        assert (status, refused["error"]["code"]) == (401, "unauthorized")
    # The same refusal as for a booking that does not exist.
    status, refused = await tma(api, "GET", "/api/bookings/999999", ann)
    assert (status, refused["error"]["code"]) == (404, "booking_not_found")


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda d: d.replace("ann_test", "ann_evil"), "init_data_invalid"),
        (lambda d: re.sub(r"hash=[0-9a-f]+", "hash=" + "0" * 64, d), "init_data_invalid"),
        (lambda d: d.split("&hash=")[0], "init_data_invalid"),
        (lambda d: "nonsense", "init_data_invalid"),
    ],
)
async def test_forged_init_data_is_refused(running: Running, tamper: Any, code: str) -> None:
    before = await table_counts(running.sessionmaker)
    forged = tamper(signed_init_data(TOKEN, ANN, running.clock.now))
    status, body = await tma(running.api, "POST", "/api/bookings", forged, booking_body())
    assert (status, body["error"]["code"]) == (401, code)
    assert await table_counts(running.sessionmaker) == before


async def test_init_data_signed_for_another_bot_is_refused(running: Running) -> None:
    other = signed_init_data("987654321:TEST-another-bot-token_xyz", ANN, running.clock.now)
    status, body = await tma(running.api, "POST", "/api/bookings", other, booking_body())
    assert (status, body["error"]["code"]) == (401, "init_data_invalid")


async def test_stale_init_data_is_refused(running: Running) -> None:
    before = await table_counts(running.sessionmaker)
    stale = signed_init_data(TOKEN, ANN, running.clock.now - timedelta(days=1, seconds=1))
    status, body = await tma(running.api, "POST", "/api/bookings", stale, booking_body())
    assert (status, body["error"]["code"]) == (401, "init_data_expired")
    ahead = signed_init_data(TOKEN, ANN, running.clock.now + timedelta(hours=1))
    status, body = await tma(running.api, "POST", "/api/bookings", ahead, booking_body())
    assert (status, body["error"]["code"]) == (401, "init_data_invalid")
    assert await table_counts(running.sessionmaker) == before


# ---------------------------------------------------------------------------------- pages


async def test_pages_around_the_booking_page(api: Api) -> None:
    status, home = await api.call("GET", "/")
    assert status == 200 and "Фотостудия «Свет»" in home and 'href="/book"' in home
    status, page = await api.call("GET", "/book/white")
    assert status == 200 and '"hall":"white"' in page
    # Before its script runs (a link preview), the page speaks the browser's language.
    assert "<title>Забронировать съёмку</title>" in page
    status, page = await api.call("GET", "/book", headers={"Accept-Language": "en"})
    assert "<title>Book a session</title>" in page and '<html lang="en">' in page
    status, missing = await api.call("GET", "/book/no-such-hall")
    assert status == 404 and "В студии нет такого зала." in missing
    status, unknown = await api.call("GET", "/pay/return/NOSUCHCODE")
    assert status == 404 and "Брони с таким кодом нет." in unknown
    status, english = await api.call(
        "GET", "/pay/return/NOSUCHCODE", headers={"Accept-Language": "en-GB,en;q=0.8"}
    )
    assert status == 404 and "There is no booking with this code." in english
    status, widget = await api.call("GET", "/widget.js")
    assert status == 200 and "/book" in widget


async def test_a_code_typed_in_small_letters_opens_its_booking(api: Api) -> None:
    booking = await api.booked()
    status, page = await api.call("GET", f"/pay/return/{booking['code'].lower()}")
    assert status == 200 and f'"code":"{booking["code"]}"' in page


async def test_page_weighs_under_100_kb(api: Api) -> None:
    """The page with every script and style it links (its parts are files of their own),
    each one served, as its type."""
    async with api.http.get(api.url("/book")) as response:
        page = await response.text()
    total = len(page.encode())
    assets = re.findall(r'(?:src|href)="(/book/assets/[^"]+)"', page)
    assert "/book/assets/book.js" in assets and "/book/assets/book.css" in assets, assets
    for path in (*assets, "/api/halls"):
        async with api.http.get(api.url(path)) as response:
            assert response.status == 200, path
            if path.endswith(".js"):
                assert response.content_type == "text/javascript", path
            total += len(await response.read())
    assert total < 100_000, total


async def test_mock_checkout_speaks_in_words_and_settles(api: Api) -> None:
    booking = await api.booked()
    payment = await api.start_payment(booking)
    url = payment["confirmation_url"]
    async with api.http.get(url) as response:
        page = await response.text()
    assert "Ждёт оплаты" in page and "pending" not in page
    assert 'value="succeeded"' in page
    async with api.http.post(url, data={"outcome": "succeeded"}, allow_redirects=False) as r:
        assert r.status == 303
        assert r.headers["Location"].endswith(f"/pay/return/{booking['code']}")
    async with api.http.get(url, headers={"Accept-Language": "en"}) as response:
        page = await response.text()
    assert "Paid" in page and "succeeded" not in page.replace('value="succeeded"', "")
    assert "<form" not in page and "Back to the booking" in page
