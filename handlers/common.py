"""What every handler shares: a Screen (text + keyboard) and showing it in place or anew."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from sqlalchemy.ext.asyncio import AsyncSession

from keyboards.payment import without_url_buttons

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_REPLY_WAIT = 5  # seconds a user waits for a reply held back by Telegram's flood control

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True, slots=True)
class Screen:
    """One view of the bot. `link_text` is appended instead of URL buttons if the Bot API
    server refuses their URL (Telegram refuses e.g. http://127.0.0.1 links)."""

    text: str
    markup: Markup | None = None
    link_text: str | None = None


def _url_refused(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "url" in text and ("button" in text or "invalid" in text)


def _fallback(screen: Screen) -> Screen | None:
    if screen.link_text is None or not isinstance(screen.markup, InlineKeyboardMarkup):
        return None
    return Screen(screen.text + screen.link_text, without_url_buttons(screen.markup))


async def release(session: AsyncSession | None) -> None:
    """End the read transaction before talking to Telegram, so no database connection (SQLite
    has one) is held across network I/O. Objects stay usable (expire_on_commit=False)."""
    if session is not None and session.in_transaction():
        await session.commit()


async def patiently(call: Callable[[], Awaitable[T]]) -> T:
    """A reply Telegram asks to retry shortly (429) is sent once more after the wait."""
    try:
        return await call()
    except TelegramRetryAfter as exc:
        if exc.retry_after > MAX_REPLY_WAIT:
            raise
        await asyncio.sleep(exc.retry_after)
        return await call()


async def send(bot: Bot, chat_id: int, screen: Screen, session: AsyncSession | None = None) -> int:
    """Send the screen as a new message; returns its message id."""
    await release(session)
    try:
        sent = await patiently(lambda: _send(bot, chat_id, screen))
    except TelegramBadRequest as exc:
        fallback = _fallback(screen)
        if fallback is None or not _url_refused(exc):
            raise
        sent = await patiently(lambda: _send(bot, chat_id, fallback))
    return sent.message_id


async def _send(bot: Bot, chat_id: int, screen: Screen) -> Message:
    return await bot.send_message(chat_id, screen.text, reply_markup=screen.markup)


async def reply(message: Message, screen: Screen, session: AsyncSession | None = None) -> int:
    """Answer in the message's chat with a new message; returns its id."""
    assert message.bot is not None
    return await send(message.bot, message.chat.id, screen, session)


async def show(
    callback: CallbackQuery, screen: Screen, session: AsyncSession | None = None
) -> None:
    """Edit the pressed message in place; send a new one if it cannot be edited (too old,
    deleted) or the screen needs a reply keyboard."""
    await release(session)
    message = callback.message
    editable = not isinstance(screen.markup, ReplyKeyboardMarkup | ReplyKeyboardRemove)
    if editable and isinstance(message, Message) and await _edit(message, screen):
        return
    assert callback.bot is not None
    chat_id = message.chat.id if message is not None else callback.from_user.id
    await send(callback.bot, chat_id, screen)


async def _edit(message: Message, screen: Screen) -> bool:
    markup = screen.markup if isinstance(screen.markup, InlineKeyboardMarkup) else None
    try:
        await patiently(lambda: message.edit_text(screen.text, reply_markup=markup))
        return True
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            return True
        fallback = _fallback(screen)
        if fallback is not None and _url_refused(exc):
            return await _edit(message, fallback)
        log.info("cannot edit message %s: %s", message.message_id, exc.message)
        return False


async def close_picker(bot: Bot, chat_id: int, message_id: int | None, text: str) -> None:
    """Turn an old picker into a plain line, so its buttons cannot be pressed again."""
    if message_id is None:
        return
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
    except TelegramBadRequest as exc:
        log.info("cannot close picker %s: %s", message_id, exc.message)
