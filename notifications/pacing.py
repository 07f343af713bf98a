"""Pacing every message the bot sends within Telegram's limits: about 30 a second overall and
one a second per chat (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-
avoid-this), whoever sends it.

Two kinds of sender share one Pacer per process (and, with REDIS_URL, one budget across the
processes, notifications.shared_pacing):

- the delivery of queued notifications (confirmations, reminders, admins' notices), which
  waits until the chat is rested: nobody sent to it for a chat interval;
- the handlers' replies to what a person just did, which may go at once while the chat has
  not had more than `REPLY_BURST` messages within an interval (a reply to a tap should not
  wait a second), and otherwise wait as the delivery does.

Per chat this is a generic cell rate algorithm: every send moves the chat's "rested at"
moment on by one interval from the later of it and now; a notification may start once that
moment has come, a reply up to `REPLY_BURST - 1` intervals before it. So a chat never gets
more than REPLY_BURST messages at once and then one an interval, whichever mix of replies
and notifications it gets, and a notification never comes within an interval of a reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

from redis.asyncio import Redis

from notifications.shared_pacing import SharedLimits

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

#: A person's action may get this many messages at once (e.g. "got your phone" and the
#: booking made); Telegram lets short bursts through, and the fake Bot API allows three.
REPLY_BURST = 2

#: Set while a send the pacer already allowed is out, so that the bot session's middleware
#: (bot.pacing) does not pace it a second time.
PACED: contextvars.ContextVar[bool] = contextvars.ContextVar("telegram_send_paced", default=False)


@contextlib.contextmanager
def already_paced() -> Iterator[None]:
    token = PACED.set(True)
    try:
        yield
    finally:
        PACED.reset(token)


class Throttled(Exception):
    """The send could not start before its deadline; it is retried later."""


@dataclass(slots=True)
class _ChatState:
    lock: asyncio.Lock
    free_at: float = 0.0  # the chat is rested then: the next notification may start
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

    Within a chat, notifications go one at a time in the order they asked (`chat`), and a
    chat's interval runs from the *end* of its last send, so the server sees them at least
    that far apart; replies (`reply`) may run `burst - 1` intervals ahead (module docstring).

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

    def _state(self, chat_id: int) -> _ChatState:
        state = self._chats.get(chat_id)
        if state is None:
            self._forget_idle_chats()
            state = self._chats[chat_id] = _ChatState(asyncio.Lock())
        return state

    @contextlib.asynccontextmanager
    async def chat(self, chat_id: int, deadline: float | None = None) -> AsyncIterator[None]:
        """Hold the chat for a whole message (its parts and retries), first come first served;
        Throttled if the chat is not free by `deadline`."""
        state = self._state(chat_id)
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

    @contextlib.asynccontextmanager
    async def reply(
        self, chat_id: int, deadline: float, burst: int = REPLY_BURST
    ) -> AsyncIterator[None]:
        """One reply's send: waits for its turn (a burst allowed, see the module), and counts
        it in the chat's interval when it ends. Replies take no place in the chat's queue of
        notifications: a person's tap is answered before the notices waiting for the chat."""
        state = self._state(chat_id)
        state.users += 1
        try:
            await self.turn(chat_id, deadline, ahead=max(0, burst - 1) * self.chat_interval)
            try:
                yield
            finally:
                await self.finished(chat_id, held=False)
        finally:
            state.users -= 1

    async def turn(self, chat_id: int, deadline: float, *, ahead: float = 0.0) -> None:
        """Wait until this chat (`ahead` seconds before it is rested) and the overall rate
        allow one more send."""
        state = self._state(chat_id)
        while True:
            await self._wait_until(max(state.free_at - ahead, self._paused_until), deadline)
            async with self._slots:  # one waiter at a time, in arrival order
                if await self._take_slot(chat_id, state, deadline, ahead):
                    return
            # Another process is sending to this chat: wait for it out of the queue, so that
            # other chats go meanwhile.

    async def _take_slot(
        self, chat_id: int, state: _ChatState, deadline: float, ahead: float
    ) -> bool:
        """Wait for the overall rate and take a slot; False when the shared limits say this
        chat must wait first (its `free_at` moved)."""
        while True:
            now = self.clock()
            while self._answered and self._answered[0] <= now - 1.0:
                self._answered.popleft()
            slot = max(self._grid_slot(now), self._paused_until, state.free_at - ahead)
            if self._in_flight + len(self._answered) >= self._cap:
                # The oldest answered one leaves the window; or else, one in flight ends.
                freed = self._answered[0] + 1.0 if self._answered else now + self._step
                slot = max(slot, freed)
            if slot <= now and self.shared is not None:
                # This process may send; the other processes' sends may still be ahead.
                wait = await self.shared.reserve(chat_id, ahead=ahead, held=not ahead)
                now = self.clock()
                if wait.chat:
                    # A send still out holds the chat for up to SENDING; it usually ends
                    # sooner, so look again after one interval at most.
                    later = now + min(wait.seconds, self.chat_interval) + ahead
                    state.free_at = max(state.free_at, later)
                    return False
                if not wait.seconds and now > deadline:  # Redis answered too late
                    await self.shared.finished(chat_id, held=not ahead)
                    raise Throttled("the shared limits answered after the deadline")
                slot = now + wait.seconds
            if slot <= now:
                break
            await self._wait_until(slot, deadline)
        self._next_slot = self._grid_slot(now) + self._step
        self._in_flight += 1
        state.free_at = max(state.free_at, now) + self.chat_interval
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

    async def finished(self, chat_id: int, *, held: bool = True) -> None:
        """`done`, and the chat's interval starts in the other processes too (`held`: the
        send was a notification's, which held the chat in Redis while it was out)."""
        self.done(chat_id)
        if self.shared is not None:
            await self.shared.finished(chat_id, held=held)

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
