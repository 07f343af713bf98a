"""The "paid X of Y" sentence reads as a client would put it: money paid net of refunds out of
what money is asked for, a gift certificate's part said as such, refunds named, and nothing
when nothing is due and nothing was paid."""

from __future__ import annotations

from typing import Any

import pytest

from booking.pricing import money_state
from db.models import Booking
from i18n.paid import paid_line, paid_sentence

HALL = {"kind": "hall", "title": "Белый зал", "title_en": "", "amount": 500_000}


def booking(total: int, paid: int = 0, refunded: int = 0, certificate: int = 0) -> Booking:
    lines: list[dict[str, Any]] = [HALL]
    if certificate:
        lines.append({"kind": "certificate", "title": "", "title_en": "",
                      "amount": -certificate, "code": "GIFT"})  # fmt: skip
    return Booking(total=total, paid=paid, refunded=refunded, price_lines=lines)


@pytest.mark.parametrize(
    ("made", "russian", "english"),
    [
        (booking(500_000, 250_000), "Оплачено 2 500 ₽ из 5 000 ₽.", "Paid 2,500 ₽ of 5,000 ₽."),
        (booking(500_000, 500_000, refunded=250_000),
         "Оплачено 2 500 ₽ из 5 000 ₽, возвращено 2 500 ₽.",
         "Paid 2,500 ₽ of 5,000 ₽, refunded 2,500 ₽."),
        (booking(200_000, 200_000, certificate=300_000),
         "Оплачено 2 000 ₽ из 2 000 ₽, подарочным сертификатом 3 000 ₽.",
         "Paid 2,000 ₽ of 2,000 ₽, by gift certificate 3,000 ₽."),
        (booking(0, certificate=500_000),
         "Оплачено подарочным сертификатом: 5 000 ₽.",
         "Paid by gift certificate: 5,000 ₽."),
        (booking(500_000), "Оплачено 0 ₽ из 5 000 ₽.", "Paid 0 ₽ of 5,000 ₽."),
        (booking(0), "", ""),  # a promo code made it free: nothing to say
    ],
)  # fmt: skip
def test_the_sentence(made: Booking, russian: str, english: str) -> None:
    state = money_state(made, returning=0)
    assert paid_sentence(state, "ru").replace("\u00a0", " ") == russian
    assert paid_sentence(state, "en").replace("\u00a0", " ") == english
    assert paid_line(state, "ru") == (f"\n{paid_sentence(state, 'ru')}" if russian else "")


def test_a_refund_under_way_is_said_as_on_its_way_back() -> None:
    """5 000 paid, 500 refunded, 900 more under way (a gateway's refund, cash still owed):
    what is kept counts neither, and each is named for what it is."""
    state = money_state(booking(360_000, 500_000, refunded=50_000), returning=90_000)
    russian = "Оплачено 3 600 ₽ из 3 600 ₽, возвращено 500 ₽, возвращаем 900 ₽."
    assert paid_sentence(state, "ru").replace("\u00a0", " ") == russian
    english = "Paid 3,600 ₽ of 3,600 ₽, refunded 500 ₽, 900 ₽ being refunded."
    assert paid_sentence(state, "en").replace("\u00a0", " ") == english
