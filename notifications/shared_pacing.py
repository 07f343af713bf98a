"""Telegram's sending limits shared by every process of the service, through Redis.

Each process's Pacer keeps its own sends within about 30 a second overall and one a second per
chat. Several processes (webhook mode behind a load balancer, each running the delivery job)
would each take that whole budget. With REDIS_URL set, every send also reserves its place in
Redis, so the processes together stay within the limits, and a "retry after" one of them gets
holds them all (Telegram's flood control is per bot, not per connection).

The reservation is one script (atomic in Redis), on Redis's clock so that machines whose
clocks differ agree: the overall rate as a generic cell rate algorithm (each send moves a
theoretical arrival time on by 1/rate; a send may start up to `catch_up` seconds ahead of it),
the chat's interval as the earliest next start, and the pause as a deadline. It answers 0
(reserved) or how long to wait, having reserved nothing.

If Redis cannot be reached, sends go on under each process's own pacing (a warning is
logged once a minute): a message is better late or 429'd and retried than not sent.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

WARN_EVERY = 60.0  # seconds between warnings about an unreachable Redis

_RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then
    return paused - now
end
local step, ahead, chat_gap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local due = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local chat_free = tonumber(redis.call('GET', KEYS[2]) or '0')
local wait = math.max(due - ahead - now, chat_free - now, 0)
if wait > 0 then
    return wait
end
redis.call('SET', KEYS[1], due + step, 'PX', ahead + step + 1000)
if chat_gap > 0 then
    redis.call('SET', KEYS[2], now + chat_gap, 'PX', chat_gap + 1000)
end
return 0
"""

_PAUSE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local resume_at = now + tonumber(ARGV[1])
if resume_at > tonumber(redis.call('GET', KEYS[1]) or '0') then
    redis.call('SET', KEYS[1], resume_at, 'PX', tonumber(ARGV[1]) + 1000)
end
return 0
"""


class SharedLimits:
    """The overall rate, the per-chat interval and the 429 pause, kept in Redis."""

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
        self._prefix = prefix
        self._reserve: Any = redis.register_script(_RESERVE)
        self._pause: Any = redis.register_script(_PAUSE)
        self._warned_at = -WARN_EVERY

    async def reserve(self, chat_id: int) -> float:
        """Seconds to wait before this chat's next send; 0 when the send is reserved now."""
        keys = [f"{self._prefix}:next", f"{self._prefix}:chat:{chat_id}", self._pause_key]
        try:
            wait_ms = await self._reserve(keys, [self._step_ms, self._ahead_ms, self._chat_ms])
        except RedisError as exc:
            self._warn(exc)
            return 0.0
        return int(wait_ms) / 1000

    async def pause(self, seconds: float) -> None:
        """Telegram said "retry after": every process holds its sends that long."""
        try:
            await self._pause([self._pause_key], [max(1, round(seconds * 1000))])
        except RedisError as exc:
            self._warn(exc)

    async def close(self) -> None:
        await self.redis.aclose()

    @property
    def _pause_key(self) -> str:
        return f"{self._prefix}:paused_until"

    def _warn(self, exc: RedisError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("shared Telegram pacing unavailable; pacing this process alone: %s", exc)
