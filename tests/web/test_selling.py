"""A booking with an add-on and a promo code on the page, paid at the mock gateway: the
status page shows the breakdown line by line and turns confirmed."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from playwright.sync_api import Request as PwRequest

from tests.support import ADMIN_TOKEN
from tests.web.served import Served
from tests.web.steps import fill_contacts, open_hall, pay_on_mock_page, pick_slot


def call(served: Served, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        served.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_booking_with_an_addon_and_a_promo_code(
    served: Served, request: pytest.FixtureRequest
) -> None:
    halls = call(served, "GET", "/api/halls")["halls"]
    white = next(h for h in halls if h["slug"] == "white")
    assert white["addons"], "the example studio sells add-ons in the white hall"
    addon = white["addons"][0]
    call(served, "POST", "/api/promo-codes", {"code": "PAGE20", "percent": 20})
    page: Page = request.getfixturevalue("page")  # the browser only once there is a test

    open_hall(page, served)
    pick_slot(page, "2026-12-09", "12:00", 120)
    page.locator(f'#addons input[data-addon="{addon["id"]}"]').fill("1")
    expect(page.locator("#summary")).to_contain_text(addon["title"])
    page.locator("#promo").fill("NOSUCH")
    expect(page.locator("#promo-error")).to_have_text("Такого промокода нет.")
    page.locator("#promo").fill("PAGE20")
    expect(page.locator("#promo-error")).to_have_text("")
    # Before anything is held: the server's lines, the discount among them, and its total.
    summary = page.locator("#summary")
    expect(summary).to_contain_text("Промокод PAGE20")
    quoted = call(served, "POST", "/api/bookings/quote", {
        "hall_id": white["id"], "start": "2026-12-09T12:00:00+03:00",
        "end": "2026-12-09T14:00:00+03:00", "addons": [{"id": addon["id"]}],
        "promo_code": "PAGE20",
    })  # fmt: skip
    discount = quoted["price_lines"][-1]
    assert discount["kind"] == "discount"
    digits = re.compile(r"[\s\u00a0\u202f]")
    shown = digits.sub("", page.locator("#summary p", has_text="Промокод PAGE20").inner_text())
    assert shown.endswith(discount["amount"]["value"].removesuffix(".00") + "₽"), shown
    total = digits.sub("", summary.locator("p.sum").inner_text())
    assert total.endswith(quoted["total"]["value"].removesuffix(".00") + "₽"), total
    assert call(served, "GET", "/api/bookings")["bookings"] == []  # nothing held yet
    page.locator("#name").fill("Анна")
    page.locator("#phone").fill("+7 999 123-45-67")
    rules = call(served, "GET", "/api/halls").get("rules")
    if rules:  # the studio's rules must be accepted before anything is held
        expect(page.locator("#rules-text")).to_contain_text(rules["text"][:40])
        page.locator("#submit").click()
        expect(page.locator("#form-error")).to_have_text(
            "Чтобы забронировать, примите правила студии."
        )
    fill_contacts(page, email="")
    page.locator("#submit").click()
    pay_on_mock_page(page)
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    lines = page.locator("#status-lines")
    expect(lines).to_contain_text(addon["title"])
    expect(lines).to_contain_text(re.compile(r"[-−]\d"))  # the discount, a negative line


def test_a_code_paying_everything_confirms_with_no_payment_page(
    served: Served, request: pytest.FixtureRequest
) -> None:
    call(served, "POST", "/api/promo-codes", {"code": "GIFT100", "percent": 100})
    page: Page = request.getfixturevalue("page")
    open_hall(page, served)
    pick_slot(page, "2026-12-10", "12:00", 120)
    page.locator("#promo").fill("GIFT100")
    expect(page.locator("#summary")).to_contain_text("Промокод GIFT100")
    fill_contacts(page, email="")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(r"/pay/return/[^/]+$"))  # never a payment page
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#status-paid")).to_have_text("")  # nothing due, nothing paid: no "0 of 0"
    [booking] = [
        b
        for b in call(served, "GET", "/api/bookings")["bookings"]
        if b["start"].startswith("2026-12-10T12:00")
    ]
    assert booking["status"] == "confirmed"
    detail = call(served, "GET", f"/api/bookings/{booking['id']}")
    assert detail["payments"] == []


def test_a_certificate_paying_everything_says_it_paid(
    served: Served, request: pytest.FixtureRequest
) -> None:
    """As the bot and the e-mails say it: «Оплачено подарочным сертификатом: 5 000 ₽»."""
    certificate = call(served, "POST", "/api/certificates", {"amount": "5000.00"})
    booking = call(served, "POST", "/api/bookings", {
        "hall_id": 1, "start": "2026-12-11T12:00:00+03:00", "end": "2026-12-11T14:00:00+03:00",
        "payment_mode": "full", "certificate_code": certificate["code"], "accept_rules": True,
        "client": {"name": "Анна", "phone": "+7 999 123-45-67"},
    })  # fmt: skip
    assert booking["status"] == "confirmed", booking
    assert booking["certificate_paid"]["value"] == "5000.00", booking
    page: Page = request.getfixturevalue("page")
    page.goto(served.url + "/book")
    mine = json.dumps({"id": booking["id"], "token": booking["access_token"], "email": ""})
    page.evaluate("([key, mine]) => localStorage.setItem(key, mine)",
                  ["studio.booking." + booking["code"], mine])  # fmt: skip
    page.goto(f"{served.url}/pay/return/{booking['code']}")
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#status-paid")).to_have_text(
        re.compile(r"^Оплачено подарочным сертификатом: 5\s000\s₽\.$")
    )


def test_an_addon_being_typed_keeps_its_field_when_the_stock_arrives(
    served: Served, request: pytest.FixtureRequest
) -> None:
    """The add-ons' stock is asked for once a length is picked; a visitor quick enough to
    type a quantity before it comes back keeps the field's focus and the quantity."""
    white = next(h for h in call(served, "GET", "/api/halls")["halls"] if h["slug"] == "white")
    addon = white["addons"][0]
    page: Page = request.getfixturevalue("page")
    held: list[Route] = []
    # The stock is answered here, once the field is typed in.
    page.route("**/api/addons/availability*", lambda route: held.append(route))

    open_hall(page, served)
    pick_slot(page, "2026-12-14", "12:00", 120)
    field = page.locator(f'#addons input[data-addon="{addon["id"]}"]')
    field.fill("1")
    expect(page.locator("#summary")).to_contain_text(addon["title"])
    assert len(held) == 1, "the stock was asked for once"
    last = white["addons"][-1]
    assert last["id"] != addon["id"], "the example studio sells two add-ons in the white hall"
    stock = [{"id": a["id"], "available": 0 if a is last else 5} for a in white["addons"]]
    held[0].fulfill(json={"addons": stock})  # the last add-on is taken for this time
    expect(page.locator(f'#addons input[data-addon="{last["id"]}"]')).to_be_disabled()
    expect(field).to_be_focused()
    expect(field).to_have_value("1")
    expect(page.locator("#summary")).to_contain_text(addon["title"])


#: Counts the add-on stock answers the page has read: its own code handling one runs in the
#: same turn, so once the count is seen the answer has been dealt with, used or not.
COUNT_STOCK_ANSWERS = """
const read = Response.prototype.json;
Response.prototype.json = function () {
  const answer = read.call(this);
  if (this.url.includes("/api/addons/availability")) {
    answer.then(() => { window.stockAnswers = (window.stockAnswers || 0) + 1; }, () => {});
  }
  return answer;
};
"""


def test_another_halls_stock_answer_leaves_this_halls_addons(
    served: Served, request: pytest.FixtureRequest
) -> None:
    """The visitor picks a time in one hall, then the same day, start and length in another
    before the first hall's add-on stock comes back: that answer, coming last, was taken
    for the hall now chosen (the same time, so "not chosen again since")."""
    halls = call(served, "GET", "/api/halls")["halls"]
    white, loft = (next(h for h in halls if h["slug"] == slug) for slug in ("white", "loft"))
    kit = next(a for a in loft["addons"] if a["id"] == "light-kit")
    page: Page = request.getfixturevalue("page")
    page.add_init_script(COUNT_STOCK_ANSWERS)
    held: list[Route] = []
    page.route("**/api/addons/availability*", lambda route: held.append(route))

    open_hall(page, served)
    pick_slot(page, "2026-12-15", "12:00", 120)
    page.get_by_role("button", name="Лофт").click()
    pick_slot(page, "2026-12-15", "12:00", 120)
    expect(page.locator("#summary")).to_contain_text("Лофт")
    assert [
        (f"hall_id={white['id']}&" in r.request.url, f"hall_id={loft['id']}&" in r.request.url)
        for r in held
    ] == [(True, False), (False, True)], "each hall's stock asked for once"
    field = page.locator(f'#addons input[data-addon="{kit["id"]}"]')
    held[1].continue_()  # the loft's own answer: kits to spare
    page.wait_for_function("window.stockAnswers === 1")
    expect(field).to_be_enabled()
    taken = [{"id": a["id"], "available": 0} for a in white["addons"]]
    held[0].fulfill(json={"addons": taken})  # the white hall's, late: all taken there
    page.wait_for_function("window.stockAnswers === 2")
    expect(field).to_be_enabled()
    expect(field).to_have_attribute("max", str(kit["max_quantity"]))


def test_counts_are_kept_whole_and_within_their_bounds(
    served: Served, request: pytest.FixtureRequest
) -> None:
    """Guests "-2" or "2.5", an add-on's "1.5" or more than there is: the page asks the
    server only with whole counts within their bounds, so the summary shows a price, not
    the API's English validator text or a wrong "taken"."""
    white = next(h for h in call(served, "GET", "/api/halls")["halls"] if h["slug"] == "white")
    assert white["capacity"], "the example studio's white hall takes a number of people"
    addon = white["addons"][0]
    page: Page = request.getfixturevalue("page")
    asked: list[dict] = []

    def seen(sent: PwRequest) -> None:
        if sent.url.endswith("/bookings/quote"):
            asked.append(sent.post_data_json or {})

    page.on("request", seen)
    open_hall(page, served)
    pick_slot(page, "2026-12-16", "12:00", 120)
    guests = page.locator("#guests")
    field = page.locator(f'#addons input[data-addon="{addon["id"]}"]')
    most = int(field.get_attribute("max") or 0)
    for box, typed, kept in ((guests, "-2", "1"), (guests, "2.5", "2"), (field, "1.5", "1")):
        box.fill(typed)
        box.blur()
        expect(box).to_have_value(kept)
    with page.expect_response(lambda r: r.url.endswith("/bookings/quote")) as answered:
        field.fill(str(most + 5))
    assert answered.value.ok
    field.blur()
    expect(field).to_have_value(str(most))
    expect(page.locator("#summary p.sum")).to_be_visible()
    expect(page.locator("#summary p.error")).to_have_count(0)
    for body in asked:
        assert body["guests"] in range(1, white["capacity"] + 1), body
        assert all(a["quantity"] in range(1, most + 1) for a in body.get("addons", [])), body
