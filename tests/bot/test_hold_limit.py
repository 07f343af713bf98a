"""A Telegram user with MAX_ACTIVE_HOLDS unpaid holds is told politely, in their language,
why the next one is not made and where to pay or cancel the others; nothing is held."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Booking
from tests.bot.flows import Studio, to_phone
from tests.fakes.telegram_api import Call
from tests.support import make_booking, msk

DECLINED = {
    "ru": "😔 Одновременно можно держать не больше 2 неоплаченных броней. Оплатите или "
    "отмените одну из них в «Мои брони» — и сможете забронировать ещё.",
    "en": "😔 You can hold at most 2 unpaid bookings at a time. Pay for or cancel one of them "
    "in “My bookings”, and you can book again.",
}
MY_BOOKINGS = {"ru": "📋 Мои брони", "en": "📋 My bookings"}


@pytest.fixture
def settings_env(settings_env: dict[str, Any]) -> dict[str, Any]:
    return {**settings_env, "max_active_holds": 2}  # the default


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_a_third_unpaid_hold_is_declined_politely(studio: Studio, lang: str) -> None:
    user = studio.user(lang=lang)
    for day in (5, 6):  # two holds not paid yet
        await make_booking(
            studio.sessionmaker, studio.deps, start=msk(day, 12), telegram_id=user.id, paid=None
        )
    await to_phone(studio, user, day="3")
    await user.send_contact("+79991234567")
    expected = DECLINED[lang]

    def declined(call: Call) -> bool:
        return call.method == "sendMessage" and call.params.get("text") == expected

    call: Call = await studio.tg.wait_for(declined, ok=True)
    await studio.settle()
    assert [MY_BOOKINGS[lang]] in studio.tg.buttons(call.result)
    async with studio.sessionmaker() as session:
        held = await session.scalar(select(func.count()).select_from(Booking))
    assert held == 2
