"""A hall the studio adds without an English name, with a length of an hour and a half: the
English page names it in Latin letters, and every length on the page reads as the language
writes numbers ("1,5 ч", "1.5 h")."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.served import Served
from tests.web.test_selling import call


def test_a_new_halls_names_and_lengths_read_in_each_language(
    served: Served, request: pytest.FixtureRequest
) -> None:
    attic = {"slug": "attic", "name": "Мансарда", "hourly_price": "1500.00", "min_minutes": 90}
    call(served, "POST", "/api/halls", attic)
    page: Page = request.getfixturevalue("page")
    page.goto(served.url + "/book")
    card = page.locator("article.card", has=page.locator('[data-hall="attic"]'))
    expect(card.locator("p.specs")).to_contain_text("от 1,5 ч")
    card.locator('[data-hall="attic"]').click()
    page.locator('#calendar button[data-date="2026-12-14"]').click()
    page.locator("#starts button[data-start]").first.click()
    expect(page.locator('#lengths button[data-minutes="90"]')).to_have_text("1,5 ч")
    page.locator('[data-lang="en"]').click()
    expect(card.locator('[data-hall="attic"]')).to_have_text("Choose Mansarda")
    expect(card.locator("p.specs")).to_contain_text("at least 1.5 h")
    expect(page.locator('#lengths button[data-minutes="90"]')).to_have_text("1.5 h")
