"""Per-update context: one database session, the user's language (the catalogs' language of
the moment), in-flight accounting, and an answer to every callback query."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, TelegramObject, User
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from i18n.catalogs import use_language
from ops import request_ids

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlight:
    """Counts updates being handled, so a graceful stop can wait for them to finish."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), seconds)
        return self.count == 0


class LanguageMiddleware(BaseMiddleware):
    """The user's language for the update: Russian when their Telegram speaks Russian or
    says nothing, English otherwise. Their bookings store it, so messages sent later
    (confirmations, reminders) come in it too."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        with use_language(user.language_code if user else None):
            return await handler(event, data)


class UpdateContextMiddleware(BaseMiddleware):
    """Outer update middleware: a session for the whole update (closed, and rolled back if
    left open, when it ends), and an id that its log lines and events carry."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], in_flight: InFlight):
        self.sessionmaker = sessionmaker
        self.in_flight = in_flight

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.in_flight.enter()
        # An update that came by webhook keeps the id of the request that brought it.
        token = request_ids.bind(request_ids.current.get() or request_ids.new_id())
        try:
            async with self.sessionmaker() as session:
                data["session"] = session
                return await handler(event, data)
        finally:
            request_ids.unbind(token)
            self.in_flight.leave()


class AnswerCallbacks(CallbackAnswerMiddleware):
    """aiogram's CallbackAnswerMiddleware (answer after the handler, with the text a handler
    put in `callback_answer`), tolerant of a handler that already answered itself."""

    async def answer(  # type: ignore[override]  # awaited by the base class either way
        self, event: CallbackQuery, callback_answer: CallbackAnswer
    ) -> None:
        try:
            await super().answer(event, callback_answer)
        except TelegramBadRequest as exc:  # answered already, or too late: nothing to do
            log.debug("callback answer refused: %s", exc.message)
