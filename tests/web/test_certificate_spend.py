"""A gift certificate spent on the booking page, typed in the one code field the page has:
the checkout shows what it pays and what is left; one that covers the whole price confirms
the booking with no payment page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.served import Served
from tests.web.steps import fill_contacts, open_hall, pay_on_mock_page, pick_slot
from tests.web.test_selling import call

SPACES = re.compile(r"[\s\u00a0\u202f]")


def booked_on(served: Served, start: str) -> dict:
    [booking] = [
        b for b in call(served, "GET", "/api/bookings")["bookings"] if b["start"].startswith(start)
    ]
    return dict(call(served, "GET", f"/api/bookings/{booking['id']}"))


def checkout_with(
    served: Served, request: pytest.FixtureRequest, amount: int, day: str
) -> tuple[Page, str]:
    """A certificate issued for `amount`, and the page at the checkout of two hours on `day`."""
    code = call(served, "POST", "/api/certificates", {"amount": amount})["code"]
    return at_checkout(request, served, day), code


def at_checkout(request: pytest.FixtureRequest, served: Served, day: str) -> Page:
    """The page at the checkout of two hours on `day`."""
    page: Page = request.getfixturevalue("page")  # the browser only once there is a test
    open_hall(page, served)
    pick_slot(page, day, "12:00", 120)
    return page


def book_with_nothing_to_pay(page: Page) -> None:
    """No payment choices, and the booking confirmed with no payment page."""
    expect(page.locator("#pay-with")).to_be_hidden()
    expect(page.locator("#submit")).to_have_text("Забронировать")
    fill_contacts(page, email="")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(r"/pay/return/[^/]+$"))  # never a payment page
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")


def test_a_certificate_pays_part_and_the_rest_is_paid_at_the_gateway(
    served: Served, request: pytest.FixtureRequest
) -> None:
    page, code = checkout_with(served, request, 1000, "2026-12-11")
    page.locator("#promo").fill(code.lower().replace("-", " "))  # as a buyer may type it
    summary = page.locator("#summary")
    expect(summary).to_contain_text(f"Подарочный сертификат {code}")
    expect(page.locator("#promo-error")).to_have_text("")
    total = SPACES.sub("", summary.locator("p.sum").first.inner_text())
    price = int(re.sub(r"\D", "", total))
    left = SPACES.sub("", summary.locator("p.sum").last.inner_text())
    assert left == f"Осталоськоплате{price - 1000}₽", left
    fill_contacts(page, email="")
    page.locator("#submit").click()
    pay_on_mock_page(page)
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    booking = booked_on(served, "2026-12-11T12:00")
    assert booking["certificate_paid"]["value"] == "1000.00"
    assert call(served, "GET", f"/api/certificates/{code}")["balance"]["value"] == "0.00"


def test_a_certificate_covering_all_confirms_with_no_payment_page(
    served: Served, request: pytest.FixtureRequest
) -> None:
    page, code = checkout_with(served, request, 100000, "2026-12-12")
    page.locator("#promo").fill("NOSUCH")
    expect(page.locator("#promo-error")).to_have_text("Такого промокода нет.")
    page.locator("#promo").fill(code)
    expect(page.locator("#summary")).to_contain_text("Сертификат покрывает всю стоимость")
    book_with_nothing_to_pay(page)
    booking = booked_on(served, "2026-12-12T12:00")
    assert booking["payments"] == []
    assert float(booking["certificate_paid"]["value"]) > 0


def test_a_promo_code_taking_the_whole_price_asks_for_no_payment(
    served: Served, request: pytest.FixtureRequest
) -> None:
    """A 100 % promo code leaves 0 ₽: no payment choices, and the booking is confirmed."""
    call(served, "POST", "/api/promo-codes", {"code": "ALLFREE", "percent": 100})
    page = at_checkout(request, served, "2026-12-15")
    expect(page.locator("#submit")).to_have_text("Перейти к оплате")
    page.locator("#promo").fill("ALLFREE")
    expect(page.locator("#summary")).to_contain_text("Платить ничего не нужно")
    expect(page.locator("#pay-mode")).to_be_hidden()
    book_with_nothing_to_pay(page)
