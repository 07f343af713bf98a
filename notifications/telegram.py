"""The Telegram channel of the notification log: paced sends through the Bot API.

Telegram asks bots to stay near 30 messages a second overall and one a second per chat
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). The
pacer keeps under both, a 429 is waited out for its ``retry_after`` and then retried, and a
user who blocked the bot is marked so that nothing is queued for them again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Client
from keyboards.menu import menu_keyboard
from notifications.delivery import DeliveryError, Outgoing
from notifications.pacing import Pacer, Throttled, already_paced, paced_for
from ops.metrics import TELEGRAM_429

# The pacer lives in notifications.pacing; these names stay importable from here.
__all__ = [
    "MAX_CAPTION", "MAX_TEXT", "Pacer", "TelegramChannel", "Throttled", "paced_for",
    "split_utf16", "utf16_length",
]  # fmt: skip

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # UTF-16 code units, as Telegram counts them (an emoji such as 📸 is two)
MAX_CAPTION = 1024


def utf16_length(text: str) -> int:
    """The length Telegram's limits are counted in."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_utf16(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-16 code units, never splitting a character."""
    pieces: list[str] = []
    start = units = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if units + width > limit:
            pieces.append(text[start:index])
            start, units = index, 0
        units += width
    pieces.append(text[start:])
    return pieces


Step = Callable[[], Awaitable[object]]


class TelegramChannel:
    """`notifications.delivery.Sender` for Telegram: text, and attachments as documents.

    A message with an attachment goes as one document whose caption is the text when it
    fits, so a retry can never deliver the text twice. `concurrency` lets the delivery loop
    hand over several messages at once; the pacer keeps the limits.
    """

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        pacer: Pacer | None = None,
        concurrency: int = 16,
        max_wait: float = 60.0,
    ) -> None:
        self.bot = bot
        self.concurrency = concurrency
        self.pacer = pacer or Pacer()
        self._sessionmaker = sessionmaker
        # Must stay well below the delivery lease, or another process could claim it too.
        self._max_wait = max_wait
        self._progress: dict[int, int] = {}  # parts of a multi-part message already sent

    async def close(self) -> None:
        if self.pacer.shared is not None:
            await self.pacer.shared.close()

    async def deliver(self, message: Outgoing) -> None:
        try:
            chat_id = int(message.recipient)
        except ValueError:
            raise DeliveryError(f"not a chat id: {message.recipient!r}", permanent=True) from None
        deadline = self.pacer.clock() + self._max_wait
        try:
            async with self.pacer.chat(chat_id, deadline):
                await self._deliver_parts(chat_id, message, deadline)
        except Throttled as exc:  # queued behind many messages to one chat: later, not twice
            raise DeliveryError(f"throttled: {exc}") from exc

    async def _deliver_parts(self, chat_id: int, message: Outgoing, deadline: float) -> None:
        steps = self._steps(chat_id, message)
        for index in range(self._progress.get(message.id, 0), len(steps)):
            try:
                await self._send(chat_id, steps[index], deadline)
            except DeliveryError as exc:
                if exc.permanent:
                    self._progress.pop(message.id, None)
                else:
                    self._progress[message.id] = index
                raise
            except Throttled:
                self._progress[message.id] = index
                raise
        self._progress.pop(message.id, None)

    def _steps(self, chat_id: int, message: Outgoing) -> list[Step]:
        text = message.text or message.subject or "—"
        files = [BufferedInputFile(a.content, filename=a.filename) for a in message.attachments]
        caption: str | None = None
        if files and utf16_length(text) <= MAX_CAPTION:
            caption, text = text, ""
        pieces = split_utf16(text, MAX_TEXT) if text else []
        button = message.menu_button
        markup = None if button is None else menu_keyboard(*button)
        steps: list[Step] = [
            _text_step(self.bot, chat_id, piece, markup if n == len(pieces) - 1 else None)
            for n, piece in enumerate(pieces)
        ]
        for file in files:
            steps.append(_document_step(self.bot, chat_id, file, caption))
            caption = None
        return steps

    async def _send(self, chat_id: int, step: Step, deadline: float) -> None:
        pacer = self.pacer
        while True:
            await pacer.turn(chat_id, deadline)
            try:
                with already_paced():
                    await step()
                return
            except TelegramRetryAfter as exc:
                TELEGRAM_429.inc()
                log.warning(
                    "telegram asked to wait",
                    extra={"chat_id": chat_id, "retry_after": exc.retry_after},
                )
                await pacer.pause_everywhere(chat_id, exc.retry_after)
            except TelegramForbiddenError as exc:
                await self._mark_blocked(chat_id)
                raise DeliveryError(f"forbidden: {exc.message}", permanent=True) from exc
            except (TelegramBadRequest, TelegramEntityTooLarge, TelegramMigrateToChat) as exc:
                raise DeliveryError(f"rejected: {exc.message}", permanent=True) from exc
            except AiogramError as exc:  # network, 5xx, a proxy's HTML page, 401 while rotating
                raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
            finally:
                await pacer.finished(chat_id)

    async def _mark_blocked(self, chat_id: int) -> None:
        """The user blocked the bot: render_event stops queueing Telegram messages for them."""
        async with self._sessionmaker() as session:
            await session.execute(
                update(Client).where(Client.telegram_id == chat_id).values(bot_blocked=True)
            )
            await session.commit()
        log.info("telegram user blocked the bot", extra={"chat_id": chat_id})


def _text_step(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Step:
    async def send() -> object:
        # Plain text: names and reasons typed by people must not be parsed as markup.
        return await bot.send_message(chat_id, text, parse_mode=None, reply_markup=markup)

    return send


def _document_step(bot: Bot, chat_id: int, file: BufferedInputFile, caption: str | None) -> Step:
    async def send() -> object:
        return await bot.send_document(chat_id, file, caption=caption, parse_mode=None)

    return send
