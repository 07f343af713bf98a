"""The studio's rules in the bot: shown before the first payment with "I accept the rules",
recorded with the booking, asked again only when the rules change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from db.sales import StudioRules
from tests.bot.flows import Studio, share_phone, to_gateway
from tests.support import EXAMPLE_STUDIO


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {"studio_file": EXAMPLE_STUDIO}


async def test_the_rules_are_accepted_once_before_paying(studio: Studio) -> None:
    anna = studio.user()
    await to_gateway(studio, anna)
    await studio.press(anna, "ЮKassa")
    rules = anna.last_message()
    assert rules is not None
    assert "📜 Правила студии. Бронь означает согласие с ними." in rules["text"]
    assert "сменная обувь" in rules["text"]
    assert anna.buttons() == [["✅ Принимаю правила"], ["‹ Назад"]]
    await studio.press(anna, "✅ Принимаю правила")
    assert "E-mail для чека" in anna.last_message()["text"]  # type: ignore[index]
    await studio.press(anna, "Пропустить")
    await share_phone(studio, anna)
    [booking] = await studio.bookings()
    assert booking.rules_version == "2026-12-01"

    # The next booking goes straight on: this version is accepted already.
    await to_gateway(studio, anna, day="4")
    await studio.press(anna, "ЮKassa")
    assert "E-mail для чека" in anna.last_message()["text"]  # type: ignore[index]

    # The studio changes its rules: they are asked for again.
    async with studio.sessionmaker() as session:
        await session.execute(update(StudioRules).values(version="2027-01-01"))
        await session.commit()
    await to_gateway(studio, anna, day="5")
    await studio.press(anna, "ЮKassa")
    assert anna.buttons() == [["✅ Принимаю правила"], ["‹ Назад"]]
