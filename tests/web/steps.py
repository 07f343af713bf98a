"""What a client does on the booking page, step by step, as the tests and the screenshots
need it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from booking.cash import confirm_by_hand
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from tests.support import msk
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


def fill_day(served: Served, day: int, hall_id: int = 1, start: int = 9, end: int = 22) -> int:
    """Another client's booking, paid in cash, from `start` to `end` o'clock of December
    `day`: with the defaults no start of a weekday is left. Returns its id."""

    async def book() -> int:
        request = HoldRequest(
            hall_id=hall_id,
            start=msk(day, start),
            end=msk(day, end),
            payment_mode=PaymentMode.FULL,
            client=ClientInfo(name="Борис", phone="+79990001122"),
            source=Source.WEB,
            accept_rules=True,
        )
        async with served.sessionmaker() as session:
            booking, _token = await hold_booking(session, served.deps, request)
            await confirm_by_hand(session, served.deps, booking.id, None, "cash")
            return booking.id

    return served.run(book())
