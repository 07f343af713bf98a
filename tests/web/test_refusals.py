"""The booking page and the studio's refusals of a client: past NO_SHOW_LIMIT the page offers
full payment only once the server says so, and a blocked client is told to call the studio,
with its phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import update

from booking import blocks
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking
from tests.support import msk
from tests.web.served import Served
from tests.web.steps import fill_contacts, open_hall, pick_slot


def test_past_the_no_show_limit_full_payment_only(page: Page, served: Served) -> None:
    async def two_no_shows() -> None:
        for hall_id in (2, 3):
            request = HoldRequest(
                hall_id=hall_id,
                start=msk(6, 12),
                end=msk(6, 14),
                payment_mode=PaymentMode.FULL,
                client=ClientInfo(name="Анна", phone="+79991234567"),
                source=Source.WEB,
                accept_rules=True,
            )
            async with served.sessionmaker() as session:
                missed, _token = await hold_booking(session, served.deps, request)
                await session.execute(
                    update(Booking).where(Booking.id == missed.id).values(status="no_show")
                )
                await session.commit()

    served.run(two_no_shows())
    open_hall(page, served)
    pick_slot(page, "2026-12-03", "12:00", 120)
    fill_contacts(page)
    page.locator("#submit").click()
    error = page.locator("#form-error")
    expect(error).to_have_text(
        "После пропущенных броней онлайн оплачивается вся сумма: выбрана полная оплата, "
        "забронируйте ещё раз."
    )
    expect(page.locator('input[name="mode"][value="prepay"]')).to_be_hidden()
    expect(page.locator('input[name="mode"][value="full"]')).to_be_checked()
    expect(page.locator("#summary")).to_contain_text(re.compile(r"5\s000 ₽"))
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(r"/mock/checkout/[^/]+$"))
    expect(page.locator("body")).to_contain_text(re.compile(r"Сумма: 5\s000\s₽"))


def test_a_blocked_client_is_told_to_call(page: Page, served: Served) -> None:
    ref = blocks.ClientRef(phone="+79991234567")

    async def block() -> None:
        async with served.sessionmaker() as session:
            await blocks.block(session, served.deps, ref, "test")

    served.run(block())
    open_hall(page, served, hall="Лофт")
    pick_slot(page, "2026-12-04", "15:00", 60)
    fill_contacts(page)
    page.locator("#submit").click()
    expect(page.locator("#form-error")).to_have_text(
        "Онлайн-бронирование для вас недоступно: позвоните, пожалуйста, в студию по номеру "
        "+7 495 000-00-00."
    )
    expect(page).to_have_url(re.compile(r"/book$"))
