"""Telegram's sending limits shared by every process of the service, through Redis.

Each process's Pacer (notifications.pacing) keeps its own sends within about 30 a second
overall and one a second per chat. Several processes (webhook mode behind a load balancer,
each running the delivery job and answering updates) would each take that whole budget. With
REDIS_URL set, every send also reserves its place in Redis, so the processes together stay
within the limits, and a "retry after" one of them gets holds them all (Telegram's flood
control is per bot, not per connection).

The reservation is one script (atomic in Redis), on Redis's clock so that machines whose
clocks differ agree: the overall rate as a generic cell rate algorithm (each send moves a
theoretical arrival time on by 1/rate; a send may start up to `catch_up` seconds ahead of it),
the chat's the same way (each send moves the moment the chat is rested on by one interval; a
notification starts once it has come, a reply up to `ahead` seconds before it; a
notification's send holds the chat while it is out, and its interval counts from its end),
and the pause as a deadline. It answers 0 (reserved) or how long to wait, for everyone or
for this chat only, having reserved nothing.

If Redis fails or does not answer within its socket timeout, each process paces its own sends
alone for the next ten seconds (a warning is logged at most once a minute): a message is better
429'd and retried than not sent. Redis 5 or newer (the script reads Redis's clock before it
writes).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

WARN_EVERY = 60.0  # seconds between warnings about an unreachable Redis
SKIP_AFTER_FAILURE = 10.0  # seconds each process paces alone after Redis failed or hung
SENDING = 10.0  # seconds a chat stays held while its send is out (a crash frees it then)

_NOW_MS = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS: the overall next arrival, the moment the chat is rested, the pause. ARGV: ms of one
# step, of the allowed lead, of the chat's interval, of the hold on the chat while this send
# is out, of this send's lead on the chat's rest. Returns 0 (reserved), the ms to wait for
# everyone (> 0), or minus the ms the chat waits.
_RESERVE = (
    _NOW_MS
    + """
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then
    return paused - now
end
local step, ahead = tonumber(ARGV[1]), tonumber(ARGV[2])
local chat_gap, held, chat_ahead = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local rested = tonumber(redis.call('GET', KEYS[2]) or '0')
if rested - chat_ahead > now then
    return now - (rested - chat_ahead)
end
local due = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
if due - ahead > now then
    return due - ahead - now
end
redis.call('SET', KEYS[1], due + step, 'PX', ahead + step + 1000)
if chat_gap > 0 then
    rested = math.max(rested, now) + chat_gap + held
    redis.call('SET', KEYS[2], rested, 'PX', rested - now + 1000)
end
return 0
"""
)

# The send ended (KEYS[1] the chat's rest; ARGV[1] the interval's ms, ARGV[2] the hold this
# send took): the chat rests an interval from now, or later if other sends went meanwhile.
_FINISHED = (
    _NOW_MS
    + """
local rested = tonumber(redis.call('GET', KEYS[1]) or '0') - tonumber(ARGV[2])
rested = math.max(rested, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], rested, 'PX', rested - now + 1000)
return 0
"""
)

_PAUSE = (
    _NOW_MS
    + """
local resume_at = now + tonumber(ARGV[1])
if resume_at > tonumber(redis.call('GET', KEYS[1]) or '0') then
    redis.call('SET', KEYS[1], resume_at, 'PX', tonumber(ARGV[1]) + 1000)
end
return 0
"""
)


@dataclass(frozen=True, slots=True)
class Wait:
    """What Redis answered: 0 seconds when the send is reserved; `chat` when only this
    chat must wait (other chats may go meanwhile)."""

    seconds: float
    chat: bool = False


RESERVED = Wait(0.0)


class SharedLimits:
    """The overall rate, the per-chat interval and the 429 pause, kept in Redis.

    The chat's interval runs from the end of a send, as in the Pacer: a chat reserved for a
    notification stays held for up to `SENDING` seconds until `finished` is told.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        rate: float,
        chat_interval: float,
        catch_up: float,
        prefix: str = "studio:telegram",
    ) -> None:
        self.redis = redis
        self._step_ms = max(1, round(1000 / rate))
        self._ahead_ms = round(catch_up * 1000)
        self._chat_ms = round(chat_interval * 1000)
        self._prefix = "{" + prefix + "}"  # one hash slot, so the script runs on a cluster
        self._reserve: Any = redis.register_script(_RESERVE)
        self._finished: Any = redis.register_script(_FINISHED)
        self._pause: Any = redis.register_script(_PAUSE)
        self._skip_until = 0.0  # after a failure, Redis is left alone for SKIP_AFTER_FAILURE
        self._warned_at = -WARN_EVERY

    async def reserve(self, chat_id: int, *, ahead: float = 0.0, held: bool = True) -> Wait:
        """Reserve this chat's next send, or say how long to wait (nothing reserved).

        `ahead`: how long before the chat is rested the send may start (a reply's burst);
        `held`: the chat stays held while the send is out (a notification's, whose
        interval counts from its end), until `finished` says it ended."""
        if self._skipping():
            return RESERVED
        keys = [self._key("next"), self._chat_key(chat_id), self._key("paused_until")]
        hold = round(SENDING * 1000) if held else 0
        args = [self._step_ms, self._ahead_ms, self._chat_ms, hold, round(ahead * 1000)]
        try:
            wait_ms = int(await asyncio.shield(self._reserve(keys, args)))
        except RedisError as exc:
            self._failed(exc)
            return RESERVED
        return Wait(abs(wait_ms) / 1000, chat=wait_ms < 0) if wait_ms else RESERVED

    async def finished(self, chat_id: int, *, held: bool = True) -> None:
        """The send to this chat ended: its interval runs from now (`held` as reserved)."""
        if self._skipping() or not self._chat_ms:
            return
        hold = round(SENDING * 1000) if held else 0
        try:
            await asyncio.shield(self._finished([self._chat_key(chat_id)], [self._chat_ms, hold]))
        except RedisError as exc:
            self._failed(exc)

    async def pause(self, seconds: float) -> None:
        """Telegram said "retry after": every process holds its sends that long."""
        if self._skipping():
            return
        try:
            await asyncio.shield(
                self._pause([self._key("paused_until")], [max(1, round(seconds * 1000))])
            )
        except RedisError as exc:
            self._failed(exc)

    async def close(self) -> None:
        await self.redis.aclose()

    def _key(self, name: str) -> str:
        return f"{self._prefix}:{name}"

    def _chat_key(self, chat_id: int) -> str:
        return f"{self._prefix}:chat:{chat_id}"

    def _skipping(self) -> bool:
        return time.monotonic() < self._skip_until

    def _failed(self, exc: RedisError) -> None:
        now = time.monotonic()
        self._skip_until = now + SKIP_AFTER_FAILURE
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("shared Telegram pacing unavailable; pacing this process alone: %s", exc)
