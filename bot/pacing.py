"""The handlers' replies paced like the notifications: a middleware of the bot's session.

Telegram allows a bot about one message a second per chat, counting every message the bot
sends there: a handler's reply to a tap and a confirmation the delivery job sends a moment
later meet the same limit. Every method that puts a new message into a chat therefore takes
its turn from the process's Pacer (shared by the processes through Redis), with a short
burst allowed (notifications.pacing). Edits, callback answers and chat actions add no
message and go at once.

A 429 a reply still gets (another bot on the account, Telegram being stricter that day) is
waited out for its `retry_after`, held by every process, and the reply sent again: it is
the answer a person waits for.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    CopyMessage,
    CopyMessages,
    ForwardMessage,
    ForwardMessages,
    Response,
    SendAnimation,
    SendAudio,
    SendContact,
    SendDice,
    SendDocument,
    SendInvoice,
    SendLocation,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SendPoll,
    SendSticker,
    SendVenue,
    SendVideo,
    SendVideoNote,
    SendVoice,
    TelegramMethod,
)

from notifications.pacing import PACED, Pacer, Throttled
from ops.metrics import TELEGRAM_429

log = logging.getLogger(__name__)

#: The methods that add a message to a chat (and so count in its limit).
NEW_MESSAGES = (
    SendMessage, SendDocument, SendPhoto, SendVideo, SendAnimation, SendAudio, SendVoice,
    SendVideoNote, SendSticker, SendLocation, SendVenue, SendContact, SendPoll, SendDice,
    SendInvoice, SendMediaGroup, CopyMessage, CopyMessages, ForwardMessage, ForwardMessages,
)  # fmt: skip
#: A reply waits at most this long for its turn, then goes anyway (a 429 is then waited
#: out): only a long "retry after" makes a chat wait so long.
REPLY_MAX_WAIT = 30.0
#: Tries of a reply that Telegram answers 429.
REPLY_TRIES = 3


class PacedReplies(BaseRequestMiddleware):
    """Paces the sends that add a message to a chat, unless the pacer already did (the
    delivery of notifications sends through the same Bot)."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        chat_id = getattr(method, "chat_id", None)
        if PACED.get() or not isinstance(method, NEW_MESSAGES) or not isinstance(chat_id, int):
            return await make_request(bot, method)
        for attempt in range(1, REPLY_TRIES + 1):
            deadline = self.pacer.clock() + REPLY_MAX_WAIT
            try:
                async with self.pacer.reply(chat_id, deadline):
                    return await make_request(bot, method)
            except Throttled:
                log.warning("reply sent without waiting its turn", extra={"chat_id": chat_id})
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                TELEGRAM_429.inc()
                log.warning(
                    "telegram asked a reply to wait",
                    extra={"chat_id": chat_id, "retry_after": exc.retry_after},
                )
                await self.pacer.pause_everywhere(chat_id, exc.retry_after)
                if attempt == REPLY_TRIES:
                    raise
        raise AssertionError("unreachable")
