"""The Bot's JSON bodies carry exactly the parameters aiogram's form would, with their types;
a call with a file is left to the multipart form; updates are read without the keyboard of
the message a button was pressed on, and every other answer whole."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import AnswerCallbackQuery, GetUpdates, SendDocument, SendMessage
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import FormData
from aiohttp.payload import BytesPayload

from bot.json_session import JsonBodySession, load_api_json

TOKEN = "42:TEST"


@pytest.fixture
async def bot() -> Any:
    session = JsonBodySession()
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(link_preview_is_disabled=True))
    yield bot
    await session.close()


def form_fields(session: JsonBodySession, bot: Bot, method: TelegramMethod[Any]) -> set[str]:
    """The fields of the form aiogram itself would post."""
    form = AiohttpSession.build_form_data(session, bot, method)
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
    assert isinstance(session.build_form_data(bot, document), FormData)
    assert isinstance(session.build_form_data(bot, CALLS[0]), BytesPayload)


PRESSED = {
    "message_id": 5,
    "chat": {"id": 7, "type": "private"},
    "date": 1,
    "text": "Белый зал: выберите день",
    "reply_markup": KEYBOARD.model_dump(exclude_none=True),
}


def callback_update(update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": "q1",
            "from": {"id": 7, "is_bot": False, "first_name": "Анна"},
            "message": PRESSED,
            "chat_instance": "-5",
            "data": "d:1:2026-12-03",
        },
    }


def test_updates_are_read_without_the_pressed_keyboard() -> None:
    text_update = {"update_id": 2, "message": {**PRESSED, "message_id": 6}}
    answer = orjson.dumps({"ok": True, "result": [callback_update(1), text_update]})
    updates = load_api_json(answer)["result"]
    pressed = updates[0]["callback_query"]["message"]
    assert "reply_markup" not in pressed
    assert pressed == {k: v for k, v in PRESSED.items() if k != "reply_markup"}
    assert updates[0]["callback_query"]["data"] == "d:1:2026-12-03"
    assert updates[1]["message"]["reply_markup"] == PRESSED["reply_markup"]  # not a press
    assert (
        "reply_markup"
        not in load_api_json(orjson.dumps(callback_update(3)))["callback_query"]["message"]
    )  # a webhook request's update


def test_other_answers_are_read_whole() -> None:
    sent = {"ok": True, "result": PRESSED}
    assert load_api_json(orjson.dumps(sent)) == sent
    assert load_api_json(b'{"ok": true, "result": true}') == {"ok": True, "result": True}
