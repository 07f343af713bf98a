"""The page for everyone: a booking made with the keyboard alone, texts in AA contrast, and
the English switch that changes every text on the page (the browser's language chooses the
first one)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import new_context
from tests.web.served import Served
from tests.web.steps import open_hall, pick_slot

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focus is on `selector`, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_alone_completes_a_booking(page: Page, served: Served) -> None:
    page.goto(served.url + "/book")
    tab_to(page, '#halls button[data-hall="loft"]')
    page.keyboard.press("Enter")
    tab_to(page, '#calendar button[data-date="2026-12-07"]')
    page.keyboard.press("Enter")
    tab_to(page, '#starts button[data-start="11:00"]')
    page.keyboard.press("Space")
    tab_to(page, '#lengths button[data-minutes="90"]')
    page.keyboard.press("Enter")
    tab_to(page, "#name")
    page.keyboard.type("Вера")
    page.keyboard.press("Tab")
    page.keyboard.type("+79990001122")
    if page.locator("#step-rules").is_visible():  # the studio has rules to accept
        tab_to(page, "#accept-rules")
        page.keyboard.press("Space")
    tab_to(page, 'input[name="mode"][value="prepay"]')  # a radio group: arrows choose
    page.keyboard.press("ArrowDown")
    expect(page.locator('input[name="mode"][value="full"]')).to_be_checked()
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mock/checkout/"))
    tab_to(page, 'button[value="succeeded"]')
    page.keyboard.press("Enter")
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#status-paid")).to_have_text(
        re.compile(r"^Оплачено 2\s700\s₽ из 2\s700\s₽\.$")
    )


def visible_texts(page: Page) -> str:
    labels = page.eval_on_selector_all(
        "[aria-label]", "(els) => els.map((e) => e.getAttribute('aria-label')).join(' ')"
    )
    return f"{page.locator('body').inner_text()} {labels} {page.title()}"


def test_english_switch_changes_every_text(page: Page, served: Served) -> None:
    open_hall(page, served)
    pick_slot(page, "2026-12-08", "16:00", 120)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert CYRILLIC.search(visible_texts(page))
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#h-contacts")).to_have_text("Your contacts")
    english = visible_texts(page)
    left = [w for w in english.split() if CYRILLIC.search(w)]
    assert not left, left
    assert "December 2026" in english and "White hall" in english
    # The choice is kept: the page opens in English next time.
    page.reload()
    expect(page.locator("#h-hall")).to_have_text("Choose a hall")


def test_browser_language_chooses_the_first_one(browser: Browser, served: Served) -> None:
    context = new_context(browser, served, locale="en-GB")
    page = context.new_page()
    page.goto(served.url + "/book")
    expect(page.locator("#h-hall")).to_have_text("Choose a hall")
    expect(page.get_by_role("button", name="EN")).to_have_attribute("aria-pressed", "true")
    context.close()


#: WCAG 2 contrast of an element's text against the first opaque background behind it.
CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  let bg = el;
  while (bg && rgb(getComputedStyle(bg).backgroundColor)[3] === 0) bg = bg.parentElement;
  const back = rgb(getComputedStyle(bg || document.body).backgroundColor);
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(back)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_texts_have_aa_contrast(page: Page, served: Served) -> None:
    open_hall(page, served)
    page.locator("#next-month").click()
    expect(page.locator('#calendar button[data-date="2027-01-01"]')).to_be_disabled()
    page.locator("#prev-month").click()
    pick_slot(page, "2026-12-08", "16:00", 120)
    page.locator("#submit").click()  # no name yet: the error shows
    expect(page.locator("#form-error")).not_to_be_empty()
    page.locator("#next-month").click()
    checked = {
        "text": "#h-contacts",
        "hint": ".hint",
        "studio": "#studio",
        "button": "#prev-month",
        "chosen": '#halls button[aria-pressed="true"]',
        "primary": "#submit",
        "disabled day": '#calendar button[data-date="2027-01-01"]',
        "label": 'label[for="name"]',
        "error": "#form-error",
        "group": "legend",
    }
    for name, selector in checked.items():
        ratio = page.locator(selector).first.evaluate(CONTRAST)
        assert ratio >= 4.5, (name, round(ratio, 2))
