"""A booking with a change waiting for its payment (more time, a dearer move, overtime): the
booking's page shows what the change is and what it costs, and pays it through the gateway
as a new booking is paid; back from the gateway the page says the change is made."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from booking.lapsing import complete_finished
from tests.support import ADMIN_TOKEN, msk
from tests.web.served import Served
from tests.web.steps import fill_contacts, open_hall, pay_on_mock_page, pick_slot


def book_and_pay(page: Page, served: Served, hall: str, date: str, start: str) -> dict[str, Any]:
    """Booked on the page for two hours, paid in full on the mock gateway's page: the
    booking as the page keeps it (its id and access token)."""
    open_hall(page, served, hall=hall)
    pick_slot(page, date, start, 120)
    fill_contacts(page)
    page.locator('input[name="mode"][value="full"]').check()
    page.locator("#submit").click()
    pay_on_mock_page(page)
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    code = page.url.rsplit("/", 1)[1]
    kept = page.evaluate(f"localStorage.getItem('studio.booking.{code}')")
    return dict(json.loads(kept)) | {"code": code}


def call(page: Page, served: Served, path: str, body: dict[str, Any], token: str) -> Any:
    response = page.request.post(
        served.url + path, data=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.ok, response.text()
    return response.json()


def booking(page: Page, served: Served, mine: dict[str, Any]) -> Any:
    response = page.request.get(
        f"{served.url}/api/bookings/{mine['id']}",
        headers={"Authorization": f"Bearer {mine['token']}"},
    )
    return response.json()


def test_more_time_shows_its_price_and_paying_it_makes_it(page: Page, served: Served) -> None:
    mine = book_and_pay(page, served, "Белый зал", "2026-12-03", "12:00")
    expect(page.locator("#status-change")).to_be_hidden()
    path = f"/api/bookings/{mine['id']}/extend"
    asked = call(page, served, path, {"minutes": 30}, mine["token"])
    assert asked["due_kind"] == "change"
    page.reload()
    change = page.locator("#status-change")
    expect(change).to_be_visible()
    expect(change.locator("h3")).to_have_text("Изменение ждёт оплаты")
    expect(page.locator("#change-what")).to_have_text("Продление: до 14:30")
    expect(page.locator("#change-due")).to_have_text(re.compile(r"^Доплата: 1\s250 ₽$"))
    expect(page.locator("#change-total")).to_have_text(
        re.compile(r"^Новая сумма брони: 6\s250 ₽$")
    )
    expect(page.locator("#change-until")).to_have_text(
        "Время держим за вами до 09:15; без оплаты бронь останется прежней."
    )
    expect(page.locator("#status-when")).to_contain_text("12:00–14:00")  # not yet
    pay = page.locator("#change-pay")
    expect(pay).to_have_text(re.compile(r"^Оплатить 1\s250 ₽$"))

    # Declined at the gateway: back on the page the change still waits, offered again.
    pay.click()
    expect(page.locator("body")).to_contain_text(re.compile(r"Сумма: 1\s250\s₽"))
    pay_on_mock_page(page, "canceled")
    expect(page).to_have_url(re.compile(r"/pay/return/"))
    expect(change).to_be_visible()
    expect(page.locator("#status-done")).to_be_hidden()

    pay.click()
    pay_on_mock_page(page)
    expect(page).to_have_url(re.compile(r"/pay/return/"))
    expect(page.locator("#status-done")).to_have_text("Оплачено: теперь бронь до 14:30.")
    expect(change).to_be_hidden()
    expect(page.locator("#status-when")).to_contain_text("12:00–14:30")
    paid = re.compile(r"^Оплачено 6\s250\s₽ из 6\s250\s₽\.$")
    expect(page.locator("#status-paid")).to_have_text(paid)
    seen = booking(page, served, mine)
    assert seen["end"] == "2026-12-03T14:30:00+03:00" and seen["change"] is None
    assert seen["due_now"]["value"] == "0.00"


def test_a_dearer_move_names_the_new_hall_and_time(page: Page, served: Served) -> None:
    mine = book_and_pay(page, served, "Лофт", "2026-12-04", "12:00")
    move = {"start": "2026-12-05T16:00:00+03:00", "end": "2026-12-05T18:00:00+03:00", "hall_id": 1}
    call(page, served, f"/api/bookings/{mine['id']}/reschedule", move, mine["token"])
    page.reload()
    expect(page.locator("#change-what")).to_have_text(
        "Новое время: Белый зал, сб, 5 декабря, 16:00–18:00"
    )
    page.get_by_role("button", name="EN").click()
    expect(page.locator("#change-what")).to_have_text(
        "New time: White hall, Sat 5 December, 16:00–18:00"
    )
    expect(page.locator("#change-title")).to_have_text("A change awaits payment")
    page.locator("#change-pay").click()
    pay_on_mock_page(page)
    expect(page.locator("#status-done")).to_have_text("Paid: the booking has been moved.")
    expect(page.locator("#status-when")).to_contain_text("16:00–18:00")
    assert booking(page, served, mine)["hall_id"] == 1


def test_overtime_billed_after_the_session_is_paid_on_the_page(page: Page, served: Served) -> None:
    mine = book_and_pay(page, served, "Тёмный зал", "2026-12-02", "12:00")
    before = served.clock.now
    served.clock.now = msk(2, 15)  # an hour after the session ended

    async def complete() -> None:
        async with served.sessionmaker() as session:
            await complete_finished(session, served.deps)

    try:
        served.run(complete())
        call(page, served, f"/api/bookings/{mine['id']}/overtime", {"minutes": 40}, ADMIN_TOKEN)
        page.reload()
        expect(page.locator("#status-state")).to_have_attribute("data-status", "completed")
        expect(page.locator("#change-what")).to_have_text("Переработка: 40 мин")
        expect(page.locator("#change-until")).to_have_text("")  # it waits until paid
        page.locator("#change-pay").click()
        pay_on_mock_page(page)
        expect(page.locator("#status-done")).to_have_text(
            "Оплачено: переработка закрыта. Спасибо!"
        )
        expect(page.locator("#status-change")).to_be_hidden()
    finally:
        served.clock.now = before
    seen = booking(page, served, mine)
    assert seen["price_lines"][-1]["kind"] == "overtime" and seen["due_now"]["value"] == "0.00"


def test_a_gateway_chosen_for_a_change_keeps_its_choice_and_focus_while_the_page_polls(
    page: Page, served: Served
) -> None:
    """Back from the gateway unpaid, the page asks every 2 s whether the change was paid;
    each answer drew the gateways' radio buttons anew, so the one the visitor was on lost
    the focus (arrow keys then scrolled the page instead of choosing)."""
    assert len(served.deps.providers) > 1, "PAYMENT_ENV=mock offers several gateways"
    mine = book_and_pay(page, served, "Лофт", "2026-12-09", "12:00")
    call(page, served, f"/api/bookings/{mine['id']}/extend", {"minutes": 30}, mine["token"])
    page.reload()
    page.locator("#change-pay").click()
    expect(page).to_have_url(re.compile(r"/mock/checkout/"))
    page.goto(f"{served.url}/pay/return/{mine['code']}")  # back without paying
    expect(page.locator("#status-done")).to_have_text(
        "Ждём, пока платёжная система подтвердит оплату…"
    )
    gateways = page.locator("#change-gateways")
    tbank = gateways.get_by_role("radio", name="Т-Банк")
    tbank.check()
    poll = f"**/api/bookings/{mine['id']}"
    for _ in range(2):  # the second is asked once the first answer is drawn
        with page.expect_request(poll):
            pass
    expect(tbank).to_be_checked()
    expect(tbank).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(gateways.get_by_role("radio", name="ЮKassa")).to_be_checked()
