"""The two ways into the booking page from the bot: the menu button, and "Открыть календарь"
under the month calendar, both opening /book as a Mini App (https only, as Telegram wants)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.flows import Studio, button

BASE = "https://booking.studio.example"


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {"public_base_url": BASE}


async def test_menu_button_and_calendar_open_the_page(studio: Studio) -> None:
    menu = studio.tg.menu_button()
    assert menu["type"] == "web_app"
    assert menu["web_app"]["url"] == f"{BASE}/book" and menu["text"] == "Забронировать"

    anna = studio.user()
    await studio.send(anna, "/start")
    await studio.press(anna, "📅 Забронировать")
    await studio.press(anna, button(anna, "Белый зал"))
    calendar = anna.last_message()
    assert calendar is not None
    rows = calendar["reply_markup"]["inline_keyboard"]
    opener = [b for row in rows for b in row if "web_app" in b]
    assert [b["text"] for b in opener] == ["🗓 Открыть календарь"]
    assert opener[0]["web_app"]["url"] == f"{BASE}/book/white"
