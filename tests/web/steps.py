"""What a client does on the booking page, step by step, as the tests and the screenshots
need it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.served import Served


def open_hall(page: Page, served: Served, hall: str = "Белый зал", path: str = "/book") -> None:
    page.goto(served.url + path)
    page.get_by_role("button", name=hall).click()


def pick_slot(page: Page, date: str, start: str, minutes: int) -> None:
    page.locator(f'#calendar button[data-date="{date}"]').click()
    page.locator(f'#starts button[data-start="{start}"]').click()
    page.locator(f'#lengths button[data-minutes="{minutes}"]').click()


def fill_contacts(page: Page, name: str = "Анна", email: str = "anna@example.com") -> None:
    """Name, phone, e-mail, and the studio's rules accepted when it has them."""
    page.locator("#name").fill(name)
    page.locator("#phone").fill("+7 999 123-45-67")
    if email:
        page.locator("#email").fill(email)
    if page.locator("#step-rules").is_visible():
        page.locator("#accept-rules").check()


def pay_on_mock_page(page: Page, outcome: str = "succeeded") -> None:
    expect(page).to_have_url(re.compile(r"/mock/checkout/[^/]+$"))
    page.locator(f'button[name="outcome"][value="{outcome}"]').click()


def status_of(page: Page) -> str:
    return str(page.locator("#status-state").get_attribute("data-status") or "")
