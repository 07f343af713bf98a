"""A booking's answer carries the "paid X of Y" sentence as the bot and the e-mails word it
(i18n/paid.py), in Russian and in English, so that a page shows the bot's words instead of
working them out again; null when nothing is due and nothing was paid."""

from __future__ import annotations

from booking.pricing import money_state
from db.models import Booking
from i18n.paid import paid_sentence
from tests.support import Running, fetch

NBSP = "\u00a0"


def spaced(text: str | None) -> str | None:
    return text.replace(NBSP, " ") if text else text


async def test_after_a_partial_refund_the_answer_says_what_the_bot_says(running: Running) -> None:
    api = running.api
    booking = await api.booked(day=3, hour=12, hours=2, mode="full")  # 5 000 ₽
    seen = await api.booking(booking)
    assert spaced(seen["paid_text"]) == "Оплачено 0 ₽ из 5 000 ₽."
    assert spaced(seen["paid_text_en"]) == "Paid 0 ₽ of 5,000 ₽."
    payment = await api.start_payment(booking)
    await api.checkout(payment, "succeeded")
    status, _ = await api.admin(
        "POST", f"/api/payments/{payment['id']}/refund", json={"amount": "1250.00"}
    )
    assert status == 201

    seen = await api.booking(booking)
    assert spaced(seen["paid_text"]) == "Оплачено 3 750 ₽ из 5 000 ₽, возвращено 1 250 ₽."
    assert spaced(seen["paid_text_en"]) == "Paid 3,750 ₽ of 5,000 ₽, refunded 1,250 ₽."
    row = await fetch(running.sessionmaker, Booking, booking["id"])
    assert seen["paid_text"] == paid_sentence(money_state(row), "ru")  # the very words
    assert seen["paid_text_en"] == paid_sentence(money_state(row), "en")
    # Every answer with a booking in it says the same: the admin's list too.
    status, listed = await api.admin("GET", "/api/bookings")
    assert status == 200
    [same] = [b for b in listed["bookings"] if b["id"] == booking["id"]]
    assert (same["paid_text"], same["paid_text_en"]) == (seen["paid_text"], seen["paid_text_en"])


async def test_a_free_booking_has_no_sentence(running: Running) -> None:
    """A promo code made it free: nothing due, nothing paid, nothing to say (not "0 of 0")."""
    api = running.api
    status, _ = await api.admin("POST", "/api/promo-codes", json={"code": "ALL", "percent": 100})
    assert status == 201
    booking = await api.booked(day=4, promo_code="ALL")
    assert booking["status"] == "confirmed", booking
    assert (booking["paid_text"], booking["paid_text_en"]) == (None, None)
