"""A fully booked day on the booking page: it stays selectable and offers to tell the visitor
when time frees up (POST /api/waitlist). On the web the visitor leaves a name and an e-mail;
in the Mini App one tap puts the Telegram user on the list; asked again, the page says they
wait already; a day that freed meanwhile shows its starts; a day gone by is refused."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from booking.cancel import cancel_booking
from tests.support import ADMIN_TOKEN, msk
from tests.web.served import Served
from tests.web.steps import fill_contacts, fill_day, open_hall, pay_on_mock_page, pick_slot
from tests.web.test_access import CONTRAST
from tests.web.test_mini_app import ANN, mini_app_url


def waits(page: Page, served: Served, query: str) -> list[dict[str, Any]]:
    """GET /api/waitlist as the studio's admin."""
    response = page.request.get(
        f"{served.url}/api/waitlist?{query}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.ok, response.text()
    return list(response.json()["waits"])


def test_a_full_day_offers_the_waitlist_and_joining_works(page: Page, served: Served) -> None:
    fill_day(served, 3)
    open_hall(page, served)
    day = page.locator('#calendar button[data-date="2026-12-03"]')
    expect(day).to_be_enabled()
    expect(day).to_have_class("full")
    assert day.evaluate(CONTRAST) >= 4.5
    expect(day).to_have_attribute(
        "aria-label", "четверг, 3 декабря: всё занято, можем сообщить, если освободится"
    )
    day.click()
    expect(page.locator("#starts")).to_have_text("В этот день свободного времени нет.")
    offer = page.get_by_role("button", name="Сообщить, если освободится", exact=True)
    expect(offer).to_be_visible()
    offer.click()
    expect(page.locator("#wait-name")).to_be_focused()
    page.locator("#wait-name").fill("Анна")
    page.get_by_role("button", name="Сообщите мне", exact=True).click()  # no e-mail yet
    expect(page.locator("#wait-error")).to_have_text("Эл. почта: Заполните это поле.")
    expect(page.locator("#wait-email")).to_be_focused()
    page.locator("#wait-email").fill("not-an-address")
    page.get_by_role("button", name="Сообщите мне", exact=True).click()
    expect(page.locator("#wait-error")).to_have_text("Адрес почты указан неверно.")
    assert waits(page, served, "hall_id=1&date=2026-12-03") == []
    page.locator("#wait-email").fill("wait@example.com")
    page.get_by_role("button", name="Сообщите мне", exact=True).click()
    done = page.locator("#wait-done")
    expect(done).to_have_text(
        "Готово: напишем на wait@example.com, если 3 декабря освободится время."
    )
    expect(page.locator("#wait-error")).to_have_text("")
    expect(page.locator("#wait-form")).to_be_hidden()
    listed = waits(page, served, "hall_id=1&date=2026-12-03")
    assert [(w["name"], w["email"], w["telegram_id"]) for w in listed] == [
        ("Анна", "wait@example.com", None)
    ]

    # Asked again (another visit to the page): the same wait, and the page says so.
    open_hall(page, served)
    page.locator('#calendar button[data-date="2026-12-03"]').click()
    page.get_by_role("button", name="Сообщить, если освободится", exact=True).click()
    page.locator("#wait-name").fill("Анна")
    page.locator("#wait-email").fill("wait@example.com")
    page.get_by_role("button", name="Сообщите мне", exact=True).click()
    expect(done).to_have_text(
        "Вы уже в листе ожидания на 3 декабря: напишем на wait@example.com, если время "
        "освободится."
    )
    page.get_by_role("button", name="EN").click()
    expect(done).to_have_text(
        "You are already on the waiting list for 3 December: we will write to "
        "wait@example.com if time frees up."
    )
    assert len(waits(page, served, "hall_id=1&date=2026-12-03")) == 1


def test_the_mini_app_puts_the_telegram_user_on_the_list(page: Page, served: Served) -> None:
    fill_day(served, 4, hall_id=2, start=9, end=22)
    page.goto(mini_app_url(served, served.init_data(ANN), path="/book/loft"))
    page.locator('#calendar button[data-date="2026-12-04"]').click()
    page.get_by_role("button", name="Сообщить, если освободится", exact=True).click()
    expect(page.locator("#wait-done")).to_have_text(
        "Готово: напишем в чат с ботом, если 4 декабря освободится время."
    )
    expect(page.locator("#wait-email")).to_be_hidden()  # Telegram knows where to write
    listed = waits(page, served, "hall_id=2&date=2026-12-04")
    assert [(w["telegram_id"], w["name"], w["email"]) for w in listed] == [
        (ANN["id"], "Ann", None)
    ]
    page.reload()
    page.locator('#calendar button[data-date="2026-12-04"]').click()
    page.get_by_role("button", name="Сообщить, если освободится", exact=True).click()
    expect(page.locator("#wait-done")).to_contain_text("Вы уже в листе ожидания на 4 декабря")


def test_time_freed_meanwhile_shows_the_starts(page: Page, served: Served) -> None:
    booking = fill_day(served, 7)
    open_hall(page, served)
    page.locator('#calendar button[data-date="2026-12-07"]').click()
    page.get_by_role("button", name="Сообщить, если освободится", exact=True).click()

    async def cancel() -> None:
        async with served.sessionmaker() as session:
            await cancel_booking(session, served.deps, booking, by_admin=True)

    served.run(cancel())
    page.locator("#wait-name").fill("Анна")
    page.locator("#wait-email").fill("late@example.com")
    page.get_by_role("button", name="Сообщите мне", exact=True).click()
    expect(page.locator("#time-note")).to_have_text(
        "На этот день только что освободилось время: выберите начало."
    )
    expect(page.locator('#starts button[data-start="12:00"]')).to_be_visible()
    expect(page.locator("#wait")).to_be_hidden()
    assert waits(page, served, "date=2026-12-07") == []


def test_a_day_gone_by_is_refused(page: Page, served: Served) -> None:
    """Today filled from the first start the notice allows; the page stays open past
    midnight, then the visitor asks: the day can no longer be booked."""
    fill_day(served, 1, hall_id=3, start=10, end=22)
    open_hall(page, served, hall="Тёмный зал")
    page.locator('#calendar button[data-date="2026-12-01"]').click()
    page.get_by_role("button", name="Сообщить, если освободится", exact=True).click()
    page.locator("#wait-name").fill("Анна")
    page.locator("#wait-email").fill("past@example.com")
    before = served.clock.now
    served.clock.now = msk(2, 0, 30)
    try:
        page.get_by_role("button", name="Сообщите мне", exact=True).click()
        expect(page.locator("#wait-error")).to_have_text(
            "Этот день уже нельзя забронировать: выберите другой."
        )
        expect(page.locator("#wait-form")).to_be_hidden()
        expect(page.locator("#wait-done")).to_be_hidden()
    finally:
        served.clock.now = before
    assert waits(page, served, "date=2026-12-01") == []


def test_a_studio_sending_no_mail_asks_for_no_address_and_offers_no_wait_by_mail(
    page: Page, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no SMTP an address would be written to by no one: the page asks for none, and a
    full day is simply full on the web (the Mini App still offers its wait in the chat)."""
    monkeypatch.setattr(served.settings.smtp, "smtp_host", None)
    fill_day(served, 8)
    open_hall(page, served)
    day = page.locator('#calendar button[data-date="2026-12-08"]')
    expect(day).to_be_disabled()
    expect(day).to_have_attribute("aria-label", "вторник, 8 декабря: всё занято")
    expect(page.locator("#legend")).to_have_text("Зачёркнуты закрытые и занятые дни.")
    pick_slot(page, "2026-12-14", "15:00", 120)
    expect(page.locator("#phone")).to_be_visible()
    expect(page.locator("#email")).to_be_hidden()
    expect(page.locator('label[for="email"]')).to_be_hidden()
    fill_contacts(page, email="")
    page.locator("#submit").click()
    pay_on_mock_page(page)
    expect(page.locator("#status-state")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#status-where")).to_have_text(
        "Сохраните эту страницу: на ней видно, что с вашей бронью."
    )

    page.goto(mini_app_url(served, served.init_data(ANN), path="/book/white"))
    page.locator('#calendar button[data-date="2026-12-08"]').click()
    expect(
        page.get_by_role("button", name="Сообщить, если освободится", exact=True)
    ).to_be_visible()
    expect(page.locator("#legend")).to_contain_text("На занятый день можно попросить сообщить")


def test_an_answer_for_a_day_left_meanwhile_leaves_the_next_days_offer(
    page: Page, served: Served
) -> None:
    """The visitor asks to be told of one full day, then at once picks another full day;
    the first answer, coming then, leaves that day's offer as it is (it hid the offer, said
    "done" for the other day under this one, and took the focus)."""
    fill_day(served, 9)
    fill_day(served, 10)
    open_hall(page, served)
    offer = page.get_by_role("button", name="Сообщить, если освободится", exact=True)
    send = page.get_by_role("button", name="Сообщите мне", exact=True)
    page.locator('#calendar button[data-date="2026-12-09"]').click()
    offer.click()
    page.locator("#wait-name").fill("Анна")
    page.locator("#wait-email").fill("first@example.com")
    held: list[Route] = []
    page.route("**/api/waitlist", lambda route: held.append(route))  # answered below
    with page.expect_request("**/api/waitlist"):
        send.click()
    page.locator('#calendar button[data-date="2026-12-10"]').click()
    expect(page.locator("#h-time")).to_be_focused()
    assert len(held) == 1, "the first day's request was sent once"
    held[0].continue_()
    expect(offer).to_be_enabled()  # the first answer is in
    expect(offer).to_be_visible()
    expect(page.locator("#wait-done")).to_be_hidden()
    expect(page.locator("#h-time")).to_be_focused()
    page.unroute("**/api/waitlist")
    offer.click()
    page.locator("#wait-email").fill("second@example.com")
    send.click()
    expect(page.locator("#wait-done")).to_have_text(
        "Готово: напишем на second@example.com, если 10 декабря освободится время."
    )
    assert [w["email"] for w in waits(page, served, "hall_id=1&date=2026-12-09")] == [
        "first@example.com"
    ]
    assert [w["email"] for w in waits(page, served, "hall_id=1&date=2026-12-10")] == [
        "second@example.com"
    ]
