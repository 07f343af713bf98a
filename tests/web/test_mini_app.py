"""The page as a Telegram Mini App: opened with Telegram's signed initData (in the URL
fragment, as Telegram opens it; Telegram's own script is not loaded, the page detects it),
it books for the Telegram user and the confirmation arrives in the chat; forged initData is
refused and the page says so."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.web.served import Served
from tests.web.steps import fill_contacts, pay_on_mock_page, pick_slot, status_of

ANN: dict[str, Any] = {
    "id": 111111111,
    "first_name": "Ann",
    "username": "ann_test",
    "language_code": "ru",
}
THEME = {"bg_color": "#17212b", "text_color": "#f5f5f5", "button_color": "#5288c1"}


def mini_app_url(served: Served, init_data: str, path: str = "/book/white") -> str:
    fragment = f"tgWebAppData={quote(init_data)}&tgWebAppVersion=8.0"
    fragment += f"&tgWebAppThemeParams={quote(json.dumps(THEME))}"
    return f"{served.url}{path}#{fragment}"


def test_mini_app_books_and_the_confirmation_arrives_in_the_chat(
    page: Page, served: Served
) -> None:
    ann = served.tg.user(ANN["id"], first_name="Ann", username="ann_test")
    page.goto(mini_app_url(served, served.init_data(ANN)))
    # Telegram's theme colours, and the hall of the link chosen already.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    pick_slot(page, "2026-12-03", "10:00", 60)
    expect(page.locator("#name")).to_have_value("Ann")  # from Telegram
    fill_contacts(page, name="Ann", email="")
    page.locator("#submit").click()
    pay_on_mock_page(page)
    expect(page).to_have_url(re.compile(r"/pay/return/"))
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#status-where")).to_contain_text("в чат с ботом")
    code = page.url.rsplit("/", 1)[1]

    assert served.deliver() >= 1
    texts = [m.get("text") or m.get("caption", "") for m in ann.messages()]
    assert any(code in text for text in texts), texts
    assert any(
        call.params.get("chat_id") in (ANN["id"], str(ANN["id"]))
        for call in served.tg.calls("sendDocument")
    ), "the calendar file goes to the chat too"


def test_forged_init_data_is_refused(page: Page, served: Served) -> None:
    forged = served.init_data(ANN).replace("ann_test", "someone_else")
    page.goto(mini_app_url(served, forged))
    expect(page.locator("#notice")).to_contain_text("Telegram не подтвердил, кто вы")
    expect(page.locator("#halls button")).to_have_count(0)
    assert status_of(page) == ""
