"""A booking's answer carries the "paid X of Y" sentence as the bot and the e-mails word it
(i18n/paid.py), in Russian and in English, so that a page shows the bot's words instead of
working them out again; null when nothing is due and nothing was paid."""

from __future__ import annotations

from booking.pricing import money_state
from db.models import Booking
from i18n.paid import paid_sentence
from tests.support import Running, fetch, moscow

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
    assert seen["paid_text"] == paid_sentence(
        money_state(row, returning=0), "ru"
    )  # the very words
    assert seen["paid_text_en"] == paid_sentence(money_state(row, returning=0), "en")
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


async def test_cash_still_owed_back_is_said_as_on_its_way_back(running: Running) -> None:
    """A cheaper move of a booking paid in cash: until an admin hands the 1 400 ₽ over, the
    sentence says it is coming back (not that 5 000 ₽ of 3 600 ₽ was paid); once handed
    over, that it went back. `paid` and `refunded` keep counting gateway money as before."""
    api = running.api
    booking = await api.booked(day=3, hour=12, hours=2, mode="full")  # 5 000 ₽
    status, _ = await api.admin("POST", f"/api/bookings/{booking['id']}/confirm", json={})
    assert status == 200  # paid in full, in cash
    status, moved = await api.call(  # the loft: 3 600 ₽, 1 400 ₽ owed back in cash
        "POST",
        f"/api/bookings/{booking['id']}/reschedule",
        json={"start": moscow(3, 12), "end": moscow(3, 14), "hall_id": 2},
        token=booking["access_token"],
    )
    assert status == 200, moved
    owing = "Оплачено 3 600 ₽ из 3 600 ₽, возвращаем 1 400 ₽."
    assert spaced(moved["paid_text"]) == owing
    seen = await api.booking(booking)
    assert spaced(seen["paid_text"]) == owing
    assert spaced(seen["paid_text_en"]) == "Paid 3,600 ₽ of 3,600 ₽, 1,400 ₽ being refunded."
    assert (seen["paid"]["value"], seen["refunded"]["value"]) == ("5000.00", "0.00")
    status, listed = await api.admin("GET", "/api/bookings")
    assert status == 200
    [same] = [b for b in listed["bookings"] if b["id"] == booking["id"]]
    assert (same["paid_text"], same["paid_text_en"]) == (seen["paid_text"], seen["paid_text_en"])

    status, events = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    assert status == 200
    [owed] = [e for e in events["events"] if e["type"] == "refund.cash_due"]
    refund_id = owed["payload"]["refund_id"]
    status, settled = await api.admin(
        "POST", f"/api/refunds/{refund_id}/settle", json={"made": True, "note": "handed over"}
    )
    assert status == 200 and settled["status"] == "succeeded", settled
    seen = await api.booking(booking)
    assert spaced(seen["paid_text"]) == "Оплачено 3 600 ₽ из 3 600 ₽, возвращено 1 400 ₽."
    assert spaced(seen["paid_text_en"]) == "Paid 3,600 ₽ of 3,600 ₽, refunded 1,400 ₽."
    assert (seen["paid"]["value"], seen["refunded"]["value"]) == ("5000.00", "1400.00")
