"""The Telegram channel of the notification log: paced sends through the Bot API.

Telegram asks bots to stay near 30 messages a second overall and one a second per chat
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). The
pacer keeps under both, a 429 is waited out for its ``retry_after`` and then retried, and a
user who blocked the bot is marked so that nothing is queued for them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

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
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Client
from keyboards.menu import menu_keyboard
from notifications.delivery import DeliveryError, Outgoing
from notifications.shared_pacing import SharedLimits
from ops.metrics import TELEGRAM_429

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


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]
Step = Callable[[], Awaitable[object]]


class Throttled(Exception):
    """The send could not start before its deadline; it is retried later."""


@dataclass(slots=True)
class _ChatState:
    lock: asyncio.Lock
    free_at: float = 0.0  # earliest start of the next send to this chat
    users: int = 0


class Pacer:
    """Spaces sends: `rate` a second overall and `chat_interval` seconds within one chat.

    Overall, sends take evenly spaced slots. The grid may lag the clock by `catch_up` (two
    slots by default): a sender that wakes a little late (a busy event loop) keeps the rate,
    while after idling or a longer stall at most two or three slots go at once.

    A hard cap backs the grid: a send starts only while fewer than `max_per_second` sends
    may fall into the server's last second. The server handles a request at some moment
    between its start and its answer, so one counts from its start until a second after its
    answer; then no one-second window at the server can hold more than `max_per_second`,
    however the requests were delayed on the way (this is what keeps a burst of reminders
    free of 429s when the network or our event loop hiccups).

    Within a chat, sends go one at a time in the order they asked, and the interval runs
    from the *end* of the previous send, so the server sees them at least that far apart.

    With `shared` (REDIS_URL set), a send this process allows also reserves its place among
    every process's sends (notifications.shared_pacing), and a 429's pause reaches them all.
    """

    def __init__(
        self,
        rate: float = 28.0,
        chat_interval: float = 1.05,
        *,
        catch_up: float | None = None,
        max_per_second: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        shared: SharedLimits | None = None,
    ) -> None:
        if rate <= 0 or chat_interval < 0:
            raise ValueError("rate must be positive and chat_interval not negative")
        self.clock = clock
        self.rate = rate
        self.chat_interval = chat_interval
        self._sleep = sleep
        self._step = 1.0 / rate
        self.catch_up = 2 * self._step if catch_up is None else catch_up
        self._cap = max_per_second or int(rate) + 1
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._in_flight = 0
        self._answered: deque[float] = deque()  # answer times of the last second
        self._slots = asyncio.Lock()
        self._chats: dict[int, _ChatState] = {}
        self.shared = shared

    @contextlib.asynccontextmanager
    async def chat(self, chat_id: int, deadline: float | None = None) -> AsyncIterator[None]:
        """Hold the chat for a whole message (its parts and retries), first come first served;
        Throttled if the chat is not free by `deadline`."""
        state = self._chats.get(chat_id)
        if state is None:
            self._forget_idle_chats()
            state = self._chats[chat_id] = _ChatState(asyncio.Lock())
        if deadline is not None:
            # Refuse up front rather than time out on the lock: every message queued ahead
            # takes at least one chat interval.
            ready = max(self.clock(), state.free_at, self._paused_until)
            if ready + state.users * self.chat_interval > deadline:
                raise Throttled(f"{state.users} message(s) queued for this chat")
        state.users += 1
        try:
            async with state.lock:
                yield
        finally:
            state.users -= 1

    async def turn(self, chat_id: int, deadline: float) -> None:
        """Wait until this chat and the overall rate allow one more send."""
        state = self._chats[chat_id]
        while True:
            await self._wait_until(max(state.free_at, self._paused_until), deadline)
            async with self._slots:  # one waiter at a time, in arrival order
                if await self._take_slot(chat_id, state, deadline):
                    return
            # Another process is sending to this chat: wait for it out of the queue, so that
            # other chats go meanwhile.

    async def _take_slot(self, chat_id: int, state: _ChatState, deadline: float) -> bool:
        """Wait for the overall rate and take a slot; False when the shared limits say this
        chat must wait first (its `free_at` moved)."""
        while True:
            now = self.clock()
            while self._answered and self._answered[0] <= now - 1.0:
                self._answered.popleft()
            slot = max(self._grid_slot(now), self._paused_until, state.free_at)
            if self._in_flight + len(self._answered) >= self._cap:
                # The oldest answered one leaves the window; or else, one in flight ends.
                freed = self._answered[0] + 1.0 if self._answered else now + self._step
                slot = max(slot, freed)
            if slot <= now and self.shared is not None:
                # This process may send; the other processes' sends may still be ahead.
                wait = await self.shared.reserve(chat_id)
                now = self.clock()
                if wait.chat:
                    # A send still out holds the chat for up to SENDING; it usually ends
                    # sooner, so look again after one interval at most.
                    state.free_at = max(state.free_at, now + min(wait.seconds, self.chat_interval))
                    return False
                if not wait.seconds and now > deadline:  # Redis answered too late
                    await self.shared.finished(chat_id)
                    raise Throttled("the shared limits answered after the deadline")
                slot = now + wait.seconds
            if slot <= now:
                break
            await self._wait_until(slot, deadline)
        self._next_slot = self._grid_slot(now) + self._step
        self._in_flight += 1
        return True

    def _grid_slot(self, now: float) -> float:
        """The next slot of the grid, which lags `now` by at most `catch_up`."""
        return max(self._next_slot, now - self.catch_up)

    def done(self, chat_id: int) -> None:
        """The send that `turn` allowed ended (whatever its outcome)."""
        now = self.clock()
        self._in_flight -= 1
        self._answered.append(now)
        state = self._chats.get(chat_id)
        if state is not None:
            state.free_at = max(state.free_at, now + self.chat_interval)

    async def finished(self, chat_id: int) -> None:
        """`done`, and the chat's interval starts in the other processes too."""
        self.done(chat_id)
        if self.shared is not None:
            await self.shared.finished(chat_id)

    async def pause_everywhere(self, chat_id: int, seconds: float) -> None:
        """`pause`, and in the other processes too when the limits are shared."""
        self.pause(chat_id, seconds)
        if self.shared is not None:
            await self.shared.pause(seconds)

    def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram said "retry after": hold every send, this chat's included, that long."""
        until = self.clock() + seconds
        self._paused_until = max(self._paused_until, until)
        self._next_slot = max(self._next_slot, until)  # no catching up on the pause
        state = self._chats.get(chat_id)
        if state is not None:
            state.free_at = max(state.free_at, until)

    async def _wait_until(self, moment: float, deadline: float) -> None:
        if moment > deadline:
            raise Throttled(f"no send slot within {deadline - self.clock():.0f} s")
        delay = moment - self.clock()
        if delay > 0:
            await self._sleep(delay)

    def _forget_idle_chats(self) -> None:
        if len(self._chats) < 4096:
            return
        now = self.clock()
        for chat_id in [c for c, s in self._chats.items() if not s.users and s.free_at <= now]:
            del self._chats[chat_id]


def paced_for(redis_url: str | None, *, prefix: str = "studio:telegram") -> Pacer:
    """The pacer of this process: with REDIS_URL, one budget shared by every process (keys
    under `prefix`)."""
    pacer = Pacer()
    if redis_url:
        pacer.shared = SharedLimits(
            # A Redis that hangs must not hold the sends: they go on paced alone.
            Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5),
            rate=pacer.rate,
            chat_interval=pacer.chat_interval,
            # One slot of lead, not the local two: across processes nothing else (such as
            # the local cap on what the server may see in a second) absorbs network jitter.
            catch_up=1 / pacer.rate,
            prefix=prefix,
        )
    return pacer


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
