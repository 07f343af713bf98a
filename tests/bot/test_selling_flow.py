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


async def test_halls_show_people_specs_and_extras(studio: Studio) -> None:
    anna = studio.user()
    await studio.send(anna, "/start")
    await studio.press(anna, "💰 Залы и цены")
    text = anna.last_message()["text"]  # type: ignore[index]
    white = text.split("\n\n")[1]
    assert "👥 До 15 человек; цена — за 4 чел.; +500\u00a0₽ в час за каждого сверх 4" in white, (
        white
    )
    assert "📐 80 м² · потолок 4.5 м · циклорама 6×4 м · Godox QT600 ×3" in white
    assert "➕ Дополнительно: Гримёрное место 300\u00a0₽/ч; " in white
    assert "Покраска и уборка циклорамы 1\u00a0200\u00a0₽ за бронь" in white
    loft = text.split("\n\n")[2]
    assert "+20% к аренде, если гостей больше 10" in loft
    assert "циклорама" not in loft.lower().split("➕")[0]  # the loft has none


async def test_a_halls_photos_come_as_an_album_with_its_specs(studio: Studio) -> None:
    anna = studio.user()
    await studio.send(anna, "/start")
    await studio.press(anna, "💰 Залы и цены")
    assert anna.buttons()[0] == ["📅 Забронировать · Белый зал", "📷 Фото"]
    await studio.press(anna, "📷 Фото")
    album = [m for m in anna.messages() if "photo" in m]
    assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
    assert album[0]["caption"].startswith("Белый зал\n📐 80 м² · потолок 4.5 м")
    assert "caption" not in album[1]
