"""The Mini App's caller: `Authorization: tma <initData>`, signed by Telegram for this bot.

The booking page opened inside Telegram sends the raw `Telegram.WebApp.initData` with each
API call (the convention of Telegram's Mini Apps documentation). It is checked once here,
for every route: the HMAC with the bot token (aiogram's `safe_parse_webapp_init_data`), and
its age against WEBAPP_MAX_AGE on the service's clock (aiogram checks no age). A request
with a forged or stale initData is refused outright, whatever route it calls; a good one
names the Telegram user, whom the booking routes take as the client.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from api.errors import error_response
from api.keys import DEPS, SETTINGS
from api.middlewares import Handler

if TYPE_CHECKING:  # aiogram is imported where initData is checked: the commands that
    # never serve a Mini App (migrate, audit, backup) start without it
    from aiogram.utils.web_app import WebAppUser

TELEGRAM_USER: web.RequestKey[WebAppUser] = web.RequestKey("telegram_user")
#: Telegram's clock and ours may differ a little; an auth_date further ahead is forged.
CLOCK_SKEW = timedelta(minutes=5)


def telegram_user(request: web.Request) -> WebAppUser | None:
    """The Mini App's user when the request carries a valid initData."""
    return request.get(TELEGRAM_USER)


def _init_data(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "tma" else None


@web.middleware
async def telegram_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    init_data = _init_data(request)
    if init_data is None:
        return await handler(request)
    bot = request.app[SETTINGS].bot
    if bot.bot_token is None:
        return error_response(401, "init_data_invalid", "This studio has no Telegram bot.")
    from aiogram.utils.web_app import safe_parse_webapp_init_data

    try:
        parsed = safe_parse_webapp_init_data(bot.bot_token.get_secret_value(), init_data)
    except (ValueError, TypeError):
        return error_response(401, "init_data_invalid", "Telegram's initData is not valid.")
    if parsed.user is None:
        return error_response(401, "init_data_invalid", "Telegram's initData names no user.")
    now = request.app[DEPS].now()
    age = now - parsed.auth_date
    if age > timedelta(seconds=bot.webapp_max_age):
        return error_response(
            401, "init_data_expired", "Telegram's initData is too old: reopen the app."
        )
    if -age > CLOCK_SKEW:
        return error_response(401, "init_data_invalid", "Telegram's initData is from the future.")
    request[TELEGRAM_USER] = parsed.user
    return await handler(request)
