"""The Bot's JSON bodies carry exactly the parameters aiogram's form would, with their types;
a call with a file is left to the multipart form."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import AnswerCallbackQuery, GetUpdates, SendDocument, SendMessage
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.json_session import JsonBodySession

TOKEN = "42:TEST"


@pytest.fixture
async def bot() -> Any:
    session = JsonBodySession()
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(link_preview_is_disabled=True))
    yield bot
    await session.close()


def form_fields(session: JsonBodySession, bot: Bot, method: TelegramMethod[Any]) -> set[str]:
    form = session.build_form_data(bot, method)
    return {options["name"] for options, _headers, _value in form._fields}


KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="12:00", callback_data="t:1:2026-12-03T12:00")]]
)
CALLS: list[TelegramMethod[Any]] = [
    SendMessage(chat_id=7, text="Привет", reply_markup=KEYBOARD),
    GetUpdates(offset=0, timeout=30, allowed_updates=[]),
    AnswerCallbackQuery(callback_query_id="q1", show_alert=False),
]


@pytest.mark.parametrize("method", CALLS, ids=lambda method: type(method).__name__)
async def test_json_body_carries_the_forms_parameters(bot: Bot, method: Any) -> None:
    session = bot.session
    assert isinstance(session, JsonBodySession)
    body = session.json_body(bot, method)
    assert body is not None
    assert set(orjson.loads(body)) == form_fields(session, bot, method)


async def test_values_keep_their_json_types(bot: Bot) -> None:
    session = bot.session
    assert isinstance(session, JsonBodySession)
    body = session.json_body(bot, CALLS[0])
    assert body is not None
    assert orjson.loads(body) == {
        "chat_id": 7,
        "text": "Привет",
        "reply_markup": {
            "inline_keyboard": [[{"text": "12:00", "callback_data": "t:1:2026-12-03T12:00"}]]
        },
        "link_preview_options": {"is_disabled": True},  # the bot's defaults, resolved
        "disable_web_page_preview": True,
    }
    updates = session.json_body(bot, CALLS[1])
    assert updates is not None
    assert orjson.loads(updates) == {"offset": 0, "timeout": 30, "allowed_updates": []}


async def test_a_file_goes_as_a_form(bot: Bot) -> None:
    session = bot.session
    assert isinstance(session, JsonBodySession)
    document = SendDocument(chat_id=7, document=BufferedInputFile(b"BEGIN:VCALENDAR", "a.ics"))
    assert session.json_body(bot, document) is None
