"""The Bot's HTTP session: API calls as JSON bodies, uploads as multipart forms, and updates
read without the keyboard of the message a button was pressed on.

The Bot API takes parameters as application/json for every call without a file upload
(core.telegram.org/bots/api#making-requests). aiogram sends them as an urlencoded form,
which percent-encodes each keyboard's JSON byte by byte in Python: for the picker's month and
time keyboards that cost more than the rest of the request. A call with a file (the .ics)
still goes as aiogram's multipart form.

A callback query carries the whole message its button was on, keyboard included: validating
an update with a month's keyboard took 205 µs, without it 32 µs. No handler reads that
keyboard (each screen is rebuilt from the booking's state), so
`load_api_json` leaves it out of updates, both from getUpdates and from webhook requests
(aiogram parses both with the session's `json_loads`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods.base import TelegramMethod
from aiohttp import FormData
from aiohttp.payload import BytesPayload

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import InputFile


def load_api_json(text: str | bytes) -> Any:
    """orjson.loads, with the pressed message's keyboard left out of callback queries in a
    getUpdates answer (`result`) or a webhook update."""
    data = orjson.loads(text)
    if isinstance(data, dict):
        result = data.get("result")
        if isinstance(result, list):
            for update in result:
                _drop_pressed_keyboard(update)
        elif "update_id" in data:
            _drop_pressed_keyboard(data)
    return data


def _drop_pressed_keyboard(update: Any) -> None:
    query = update.get("callback_query") if isinstance(update, dict) else None
    message = query.get("message") if isinstance(query, dict) else None
    if isinstance(message, dict):
        message.pop("reply_markup", None)


class JsonBodySession(AiohttpSession):
    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The call's parameters as one JSON object, or None when it uploads a file.

        The same parameters the form would carry: unset values and empty strings are left
        out; zeros, false and empty lists are sent (the form sends them as "0", "false", "[]").
        """
        files: dict[str, InputFile] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or prepared == "":
                continue
            body[key] = prepared
        return None if files else orjson.dumps(body)

    def build_form_data(  # type: ignore[override]  # aiohttp posts either as the body
        self, bot: Bot, method: TelegramMethod[Any]
    ) -> FormData | BytesPayload:
        """aiogram's `make_request` posts what this returns: the JSON body, or the form."""
        body = self.json_body(bot, method)
        if body is None:
            return super().build_form_data(bot, method)
        return BytesPayload(body, content_type="application/json")
