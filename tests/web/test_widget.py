"""The one-line snippet on a studio's own site: its button opens the booking page in an
overlay at the hall it names, the page works inside it, and Escape closes it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.served import Served

SITE = """<!doctype html><html lang="ru"><body><h1>Студия «Свет»</h1>
<script src="{url}/widget.js" data-hall="loft" async></script></body></html>"""


def test_snippet_opens_the_page_in_an_overlay(page: Page, served: Served) -> None:
    """The page works in the iframe although the browser denies it storage there (a third
    party's), as browsers that block third-party storage do."""
    # The studio's site: another origin (localhost, where the service is 127.0.0.1).
    with served.other_site(SITE.format(url=served.url)) as site:
        page.goto(site)
        page.get_by_role("button", name="Забронировать").click()
        dialog = page.get_by_role("dialog", name="Бронирование")
        expect(dialog).to_be_visible()
        booking = page.frame_locator("iframe[title='Бронирование']")
        expect(booking.locator('#halls button[data-hall="loft"]')).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(booking.locator("#calendar button[data-date='2026-12-03']")).to_be_enabled()
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        expect(page.get_by_role("button", name="Забронировать")).to_be_focused()


def test_escape_closes_the_overlay_after_other_keys(page: Page, served: Served) -> None:
    """Escape was listened for once only: any key before it (Tab, an arrow) used the
    listener up, and Escape then left the overlay open."""
    with served.other_site(SITE.format(url=served.url)) as site:
        page.goto(site)
        opener = page.get_by_role("button", name="Забронировать")
        dialog = page.get_by_role("dialog", name="Бронирование")
        for key in ("Tab", "ArrowDown"):
            opener.click()
            expect(dialog).to_be_visible()
            page.keyboard.press(key)
            page.keyboard.press("Escape")
            expect(dialog).to_have_count(0)
        # Closed by its button, the overlay opens again and Escape still closes it.
        opener.click()
        page.get_by_role("button", name="Закрыть").click()
        expect(dialog).to_have_count(0)
        opener.click()
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        expect(opener).to_be_focused()
