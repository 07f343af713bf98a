"""A client books on the page and pays on the mock gateway's page; the slot then disappears
from everyone else's calendar; two browsers racing for one slot get one booking."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import func, select

from booking.lapsing import expire_holds
from booking.pricing import money_state
from db.models import Booking
from i18n.paid import paid_sentence
from tests.support import ADMIN_TOKEN, fetch
from tests.web.conftest import new_context
from tests.web.served import Served
from tests.web.steps import (
    fill_contacts,
    fill_day,
    open_hall,
    pay_on_mock_page,
    pick_slot,
    status_of,
)
from tests.web.test_change_payment import book_and_pay, booking, call


def test_book_pay_and_see_it_confirmed(page: Page, served: Served, browser: Browser) -> None:
    missing: list[str] = []  # no error in the console: nothing asked for is missing (the icon too)
    page.on("console", lambda m: missing.append(m.text) if m.type == "error" else None)
    open_hall(page, served)
    pick_slot(page, "2026-12-03", "12:00", 120)
    fill_contacts(page)
    expect(page.locator("#summary")).to_contain_text("12:00–14:00")
    expect(page.locator("#summary .sum")).to_contain_text(re.compile(r"5\s000 ₽"))
    page.locator("#submit").click()
    pay_on_mock_page(page)
    expect(page).to_have_url(re.compile(r"/pay/return/[A-Z0-9]+$"))
    state = page.locator("#status-state")
    expect(state).to_have_attribute("data-status", "confirmed")
    expect(state).to_have_text("Подтверждена")
    expect(page.locator("#status-where")).to_contain_text("anna@example.com")
    paid = re.compile(r"^Оплачено 2\s500\s₽ из 5\s000\s₽\.$")
    expect(page.locator("#status-paid")).to_have_text(paid)
    ics = page.locator("#status-ics")
    expect(ics).to_be_visible()
    assert "DTSTART:20261203T090000Z" in (ics.get_attribute("href") or "").replace("%3A", ":")
    assert missing == []

    # A second client's calendar no longer offers 12:00 (nor what would overlap it).
    other = new_context(browser, served)
    second = other.new_page()
    open_hall(second, served)
    second.locator('#calendar button[data-date="2026-12-03"]').click()
    starts = second.locator("#starts button").all_inner_texts()
    # An hour from 10:45 and its 15-minute cleaning end at 12:00; the booking's own cleaning
    # keeps 14:00 closed.
    assert "10:45" in starts and "14:15" in starts
    assert not {"11:00", "12:00", "13:45", "14:00"} & set(starts)
    other.close()


def test_racing_browsers_get_one_booking(served: Served, browser: Browser) -> None:
    """Both see 15:00 free; the first to press books it, the other is told and offered the
    nearest free starts."""
    contexts = [new_context(browser, served) for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    for page in pages:
        open_hall(page, served, hall="Лофт")
        pick_slot(page, "2026-12-04", "15:00", 60)
        fill_contacts(page, email="")
    pages[0].locator("#submit").click()
    pay_on_mock_page(pages[0])
    pages[1].locator("#submit").click()
    notice = pages[1].locator("#notice")
    expect(notice).to_contain_text("Это время только что занял кто-то другой")
    offered = notice.locator("button").all_inner_texts()
    assert offered and "15:00" not in offered
    assert "16:15" in offered or "13:45" in offered
    expect(pages[1].locator("#starts button[data-start='15:00']")).to_have_count(0)

    async def count() -> int:
        async with served.sessionmaker() as session:
            return int(
                await session.scalar(
                    select(func.count()).select_from(Booking).where(Booking.hall_id == 2)
                )
                or 0
            )

    assert served.run(count()) == 1
    for context in contexts:
        context.close()


def test_after_a_partial_refund_the_page_says_what_the_bot_says(
    page: Page, served: Served
) -> None:
    """The status page's "paid" sentence is the one the bot and the e-mails send
    (i18n/paid.py), word for word, in either language."""
    mine = book_and_pay(page, served, "Белый зал", "2026-12-07", "12:00")  # 5 000 ₽ paid
    [payment] = booking(page, served, mine)["payments"]
    refund = {"amount": "1250.00"}
    call(page, served, f"/api/payments/{payment['id']}/refund", refund, ADMIN_TOKEN)
    row = served.run(fetch(served.sessionmaker, Booking, mine["id"]))
    state = money_state(row, returning=0)  # the gateway made the refund at once
    page.reload()
    paid = page.locator("#status-paid")
    expect(paid).to_have_text(
        re.compile(r"^Оплачено 3\s750\s₽ из 5\s000\s₽, возвращено 1\s250\s₽\.$")
    )
    assert paid.text_content() == paid_sentence(state, "ru")
    page.get_by_role("button", name="EN").click()
    expect(paid).to_have_text(re.compile(r"^Paid 3,750\s₽ of 5,000\s₽, refunded 1,250\s₽\.$"))
    expect(page.locator("#status-title")).to_have_text(f"Booking {mine['code']}")
    assert paid.text_content() == paid_sentence(state, "en")


def test_status_page_shows_the_hold_live_until_it_lapses(page: Page, served: Served) -> None:
    """Declined at the gateway: back on the status page the slot is still held, with the
    time left to pay (and no calendar file for a time not yet the client's); when the hold
    lapses the page says so by itself, and when it ran out."""
    open_hall(page, served, hall="Тёмный зал")
    pick_slot(page, "2026-12-05", "13:00", 120)
    fill_contacts(page)
    page.locator("#submit").click()
    pay_on_mock_page(page, "canceled")
    state = page.locator("#status-state")
    expect(state).to_have_text("Время за вами, ждём оплату")
    expect(page.locator("#status-left")).to_have_text(
        re.compile(r"На оплату осталось: 1[45]:\d\d")
    )
    expect(page.locator("#status-pay")).to_be_visible()
    expect(page.locator("#status-ics")).to_be_hidden()

    # Held at 09:00 for 15 minutes (the service's clock and the browser's). The time to pay
    # runs out before the server's expiry job has marked the hold: no paying any more.
    lapsed = "Время на оплату вышло 1 декабря в 09:15."
    page.clock.fast_forward("15:30")
    expect(page.locator("#status-left")).to_have_text(lapsed)
    expect(page.locator("#status-pay")).to_be_hidden()
    assert status_of(page) == "pending_payment"  # not marked by the server yet

    async def lapse() -> int:
        served.clock.advance(minutes=16)
        async with served.sessionmaker() as session:
            return await expire_holds(session, served.deps)

    assert served.run(lapse()) == 1
    expect(state).to_have_attribute("data-status", "expired")
    expect(state).to_have_text("Истекла: бронь не оплатили вовремя")
    expect(page.locator("#status-pay")).to_be_hidden()
    expect(page.locator("#status-left")).to_have_text(lapsed)
    page.reload()
    expect(state).to_have_attribute("data-status", "expired")
    expect(page.locator("#status-left")).to_have_text(lapsed)
    assert status_of(page) == "expired"


def test_a_day_tapped_while_another_halls_days_load_is_not_the_first_halls(
    page: Page, served: Served
) -> None:
    """The visitor picks another hall and taps a day before that hall's days are in: the
    days still drawn were the first hall's, and the tap took the day as the new hall's with
    no free time (its days not in yet), and said so after they came. Now nothing is picked
    until the new hall's days are in, and the day then offers its own starts."""
    open_hall(page, served)
    day = page.locator('#calendar button[data-date="2026-12-08"]')
    expect(day).to_be_enabled()  # the white hall's Tuesday
    held: list[Route] = []
    page.route("**/api/bookings/availability*", lambda route: held.append(route))  # held back
    with page.expect_request("**/api/bookings/availability*"):
        page.get_by_role("button", name="Лофт").click()
    day.click(force=True)  # tapped at once, whatever the page draws meanwhile
    expect(page.locator("#calendar")).to_have_attribute("aria-busy", "true")
    assert len(held) == 1, "the loft's days were asked for once"
    held[0].continue_()
    expect(page.locator("#calendar")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#starts")).not_to_contain_text("свободного времени нет")
    day.click()
    expect(page.locator("#starts button[data-start]").first).to_be_visible()


def test_a_start_tapped_while_a_taken_slots_day_reloads_stays_chosen(
    page: Page, served: Served
) -> None:
    """The time is taken as the visitor presses "to payment": the page reloads the month to
    offer the nearest starts, and a start tapped meanwhile (the old starts still shown)
    threw, then was dropped for the offer when the days came. Now it stays the choice."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_hall(page, served)
    pick_slot(page, "2026-12-11", "15:00", 60)
    fill_contacts(page)
    fill_day(served, 11, start=15, end=16)  # another client's, first
    held: list[Route] = []
    page.route("**/api/bookings/availability*", lambda route: held.append(route))
    with page.expect_request("**/api/bookings/availability*"):
        page.locator("#submit").click()
    later = page.locator('#starts button[data-start="18:00"]')
    later.click()
    assert len(held) == 1, "the month was asked for again once"
    held[0].continue_()
    expect(page.locator("#calendar")).not_to_have_attribute("aria-busy", "true")
    expect(later).to_have_attribute("aria-pressed", "true")
    expect(page.locator('#starts button[data-start="15:00"]')).to_have_count(0)
    expect(page.locator("#step-length")).to_be_visible()
    page.locator('#lengths button[data-minutes="120"]').click()
    expect(page.locator("#summary")).to_contain_text("18:00–20:00")
    assert errors == []
