"""The page as a Telegram Mini App: opened with Telegram's signed initData (in the URL
fragment, as Telegram opens it; Telegram's own script is not loaded, the page detects it),
it books for the Telegram user and the confirmation arrives in the chat; forged initData is
refused and the page says so."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking
from tests.support import msk, pay_online
from tests.web.conftest import new_context
from tests.web.served import Served
from tests.web.steps import fill_contacts, pay_on_mock_page, pick_slot, status_of

ANN: dict[str, Any] = {
    "id": 111111111,
    "first_name": "Ann",
    "username": "ann_test",
    "language_code": "ru",
}
BOB: dict[str, Any] = {**ANN, "id": 222222222, "first_name": "Bob", "username": "bob_test"}
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


async def bot_booking(served: Served, telegram_id: int) -> Booking:
    """Two hours on 8 December booked with the bot's buttons and paid in full."""
    request = HoldRequest(
        hall_id=1,
        start=msk(8, 12),
        end=msk(8, 14),
        payment_mode=PaymentMode.FULL,
        client=ClientInfo(name="Ann", phone="+79991234567", telegram_id=telegram_id),
        source=Source.TELEGRAM,
        accept_rules=True,
    )
    async with served.sessionmaker() as session:
        booking, _token = await hold_booking(session, served.deps, request)
        await pay_online(session, served.deps, booking.id)
        return booking


def test_a_booking_made_with_the_bot_is_paid_on_its_page_in_the_mini_app(
    page: Page, served: Served, browser: Browser
) -> None:
    """No token in this browser: the Telegram user's initData opens the status page of the
    booking the bot made, and its pending change (more time) is paid there; another
    Telegram user is told only that the page does not know the booking."""
    made = served.run(bot_booking(served, ANN["id"]))
    ann = served.init_data(ANN)
    more = page.request.post(
        f"{served.url}/api/bookings/{made.id}/extend",
        data={"minutes": 30},
        headers={"Authorization": f"tma {ann}"},
    )
    assert more.ok, more.text()
    page.goto(mini_app_url(served, ann, f"/pay/return/{made.code}"))
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#status-where")).to_contain_text("в чат с ботом")
    expect(page.locator("#change-what")).to_have_text("Продление: до 14:30")
    page.locator("#change-pay").click()
    pay_on_mock_page(page)
    expect(page).to_have_url(re.compile(rf"/pay/return/{made.code}$"))
    expect(page.locator("#status-done")).to_have_text("Оплачено: теперь бронь до 14:30.")
    expect(page.locator("#status-when")).to_contain_text("12:00–14:30")

    context = new_context(browser, served)
    bob = context.new_page()
    bob.goto(mini_app_url(served, served.init_data(BOB), f"/pay/return/{made.code}"))
    expect(bob.locator("#status-state")).to_have_text(
        "Эта страница не знает брони: её сделали в другом браузере."
    )
    expect(bob.locator("#status-when")).to_have_text("")
    expect(bob.locator("#status-where")).to_have_text("")  # no chat promised
    expect(bob.locator("#status-paid")).to_have_text("")
    assert status_of(bob) == ""
    context.close()
