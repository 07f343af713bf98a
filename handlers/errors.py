"""Last in line: unknown commands, free text where a button is expected, buttons nobody
knows (e.g. from an older version), and errors. Each gets a clear reply; nothing changes."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.callback_answer import CallbackAnswer

from handlers.common import Screen, reply, show
from handlers.start import menu_screen
from i18n.catalogs import gettext as _
from i18n.catalogs import language_of

log = logging.getLogger("studio.bot")


async def on_unknown_command(message: Message) -> None:
    await reply(message, Screen(_("Unknown command. Available: /start, /book, /my, /help.")))


async def on_free_text(message: Message) -> None:
    text = _(
        "Sorry, I did not understand that. Please use the buttons or the commands: /book — book, "
        "/my — my bookings, /help — help."
    )
    await reply(message, Screen(text))


async def on_unknown_button(
    callback: CallbackQuery, state: FSMContext, callback_answer: CallbackAnswer
) -> None:
    await state.clear()
    callback_answer.text = _("This button is out of date")
    await show(callback, menu_screen())


async def on_error(event: ErrorEvent, bot: Bot, **data: Any) -> None:
    """Log it and tell the user briefly; the callback itself is answered by the middleware."""
    update = event.update
    log.error(
        "update %s failed",
        update.update_id,
        exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
    )
    user = data.get("event_from_user")
    chat = data.get("event_chat")
    lang = language_of(user.language_code if user else None)
    text = _("Something went wrong. Please try again or start over with /start.", lang=lang)
    chat_id = chat.id if chat is not None else (user.id if user is not None else None)
    if chat_id is not None:
        with contextlib.suppress(TelegramAPIError, OSError):
            await bot.send_message(chat_id, text)


def create_router() -> Router:
    router = Router(name=__name__)
    private = F.chat.type == "private"
    router.message.register(on_unknown_command, private, F.text.startswith("/"))
    router.message.register(on_free_text, private)
    router.callback_query.register(on_unknown_button)
    router.errors.register(on_error)
    return router
