"""`make screenshots`: the booking page at each step, at 390×844 (a phone) and 1280×800, saved
under docs/screenshots/ for the README. The service runs here with the example studio and a
fixed clock (Tuesday 1 December 2026, 09:00 in Moscow), so the pictures do not change between
runs unless the page does.

    python -m tests.web.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, sync_playwright

from db.migrate import upgrade
from db.session import create_engine
from settings import ROOT
from tests.support import FakeClock
from tests.web.conftest import NOW
from tests.web.served import CHROMIUM, Served, serve
from tests.web.steps import fill_contacts, fill_day, open_hall, pay_on_mock_page, pick_slot

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
TELEGRAM_DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#a8b3bf",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}


async def _template(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()


def _shoot(page: Page, out: Path, name: str, size: str, anchor: str | None = None) -> None:
    if anchor:
        page.locator(anchor).scroll_into_view_if_needed()
    page.screenshot(path=str(out / f"{name}-{size}.png"))


def walk(page: Page, served: Served, out: Path, size: str, day: str) -> None:
    """One client's way through the page, a picture at each step."""

    def shoot(name: str, anchor: str | None = None) -> None:
        _shoot(page, out, name, size, anchor)

    page.goto(served.url + "/book")
    page.locator("#halls .card").first.wait_for()
    shoot("01-halls")
    open_hall(page, served)
    page.locator("#calendar:not([aria-busy]) button[data-date]").first.wait_for()
    shoot("02-calendar", "#step-day")
    page.locator(f'#calendar button[data-date="{day}"]').click()
    shoot("03-starts", "#step-time")
    page.locator('#starts button[data-start="12:00"]').click()
    shoot("04-duration", "#step-length")
    page.locator('#lengths button[data-minutes="120"]').click()
    fill_contacts(page)
    page.locator("#summary p.sum").wait_for()  # the server's price, line by line
    page.locator("#submit").scroll_into_view_if_needed()
    shoot("05-contacts-and-payment")
    page.locator("#submit").click()
    page.wait_for_url("**/mock/checkout/**")
    shoot("06-mock-checkout")
    pay_on_mock_page(page, "canceled")
    page.locator('#status-state[data-status="pending_payment"]').wait_for()
    shoot("07-status-held")
    page.locator("#status-pay").click()
    pay_on_mock_page(page)
    page.locator('#status-state[data-status="confirmed"]').wait_for()
    shoot("08-status-confirmed")


def mini_app(page: Page, served: Served, out: Path, size: str, day: str) -> None:
    """The page as Telegram opens it, in Telegram's dark theme."""
    user = {"id": 1, "first_name": "Анна", "language_code": "ru"}
    fragment = f"tgWebAppData={quote(served.init_data(user))}"
    fragment += f"&tgWebAppThemeParams={quote(json.dumps(TELEGRAM_DARK))}"
    page.goto(f"{served.url}/book/loft#{fragment}")
    page.locator("#calendar:not([aria-busy]) button[data-date]").first.wait_for()
    _shoot(page, out, "10-telegram-mini-app", size, "#step-day")


def english(page: Page, served: Served, out: Path, size: str, day: str) -> None:
    page.goto(served.url + "/book/white")
    page.get_by_role("button", name="EN").click()
    page.locator("#calendar:not([aria-busy]) button[data-date]").first.wait_for()
    _shoot(page, out, "09-english", size, "#step-day")


def full_day(page: Page, served: Served, out: Path, size: str, day: str) -> None:
    """A fully booked day: its offer to tell the visitor when time frees up, then done."""
    date = f"2026-12-{int(day[-2:]) + 6:02d}"  # a Wednesday or a Thursday
    fill_day(served, int(date[-2:]), hall_id=2)
    open_hall(page, served, hall="Лофт")
    page.locator(f'#calendar button[data-date="{date}"]').click()
    page.locator("#wait-open").click()
    page.locator("#wait-name").fill("Анна")
    page.locator("#wait-email").fill("anna@example.com")
    _shoot(page, out, "11-full-day-waitlist", size, "#step-time")
    page.locator("#wait-submit").click()
    page.locator("#wait-done").wait_for()
    _shoot(page, out, "12-waitlist-joined", size, "#step-time")


def change_due(page: Page, served: Served, out: Path, size: str, day: str) -> None:
    """A booking given more time: the status page asks for the difference."""
    open_hall(page, served, hall="Тёмный зал")
    pick_slot(page, day, "12:00", 120)
    fill_contacts(page)
    page.locator("#submit").click()
    pay_on_mock_page(page)
    page.locator('#status-state[data-status="confirmed"]').wait_for()
    code = page.url.rsplit("/", 1)[1]
    mine = json.loads(page.evaluate(f"localStorage.getItem('studio.booking.{code}')"))
    page.request.post(
        f"{served.url}/api/bookings/{mine['id']}/extend",
        data={"minutes": 60},
        headers={"Authorization": f"Bearer {mine['token']}"},
    )
    page.reload()
    page.locator("#change-pay").wait_for()
    _shoot(page, out, "13-change-awaits-payment", size, "#status-change")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        template = Path(scratch) / "template.db"
        asyncio.run(_template(template))
        with (
            serve(str(template), Path(scratch), FakeClock(NOW)) as served,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            for index, (size, (width, height)) in enumerate(SIZES.items()):
                for scene in (walk, english, mini_app, full_day, change_due):
                    context = browser.new_context(
                        locale="ru-RU", viewport={"width": width, "height": height}
                    )
                    context.clock.install(time=served.clock.now)
                    scene(context.new_page(), served, out, size, f"2026-12-0{3 + index}")
                    context.close()
            browser.close()
    print(f"screenshots saved in {out}")  # noqa: T201


if __name__ == "__main__":
    main()
