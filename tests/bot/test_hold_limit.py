"""A Telegram user with MAX_ACTIVE_HOLDS unpaid holds is told politely, in their language,
why the next one is not made and where to pay or cancel the others; nothing is held."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.texts import Texts
from db.models import Booking
from settings import HoldSettings, Settings
from tests.bot.booking_helpers import make_booking, msk
from tests.bot.conftest import Studio
from tests.bot.flows import to_phone
from tests.fakes.telegram_api import Call


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.holds = HoldSettings(_env_file=None)  # two live holds at most
    return settings


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_a_third_unpaid_hold_is_declined_politely(studio: Studio, lang: str) -> None:
    user = studio.user(lang=lang)
    for day in (5, 6):  # two holds not paid yet
        await make_booking(
            studio.sessionmaker, studio.deps, start=msk(day, 12), telegram_id=user.id, paid=None
        )
    await to_phone(studio, user, day="3")
    await user.send_contact("+79991234567")
    expected = Texts(lang)("holds.limit", limit=2)

    def declined(call: Call) -> bool:
        return call.method == "sendMessage" and call.params.get("text") == expected

    call: Call = await studio.tg.wait_for(declined, ok=True)
    await studio.settle()
    my_bookings = Texts(lang)("menu.my")
    assert [my_bookings] in studio.tg.buttons(call.result)
    async with studio.sessionmaker() as session:
        held = await session.scalar(select(func.count()).select_from(Booking))
    assert held == 2
