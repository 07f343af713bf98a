"""How often one key (an address and what it creates) may act: a token bucket, in this
process or shared by every process through Redis.

The bucket holds `limit` tokens and refills at `limit` per period: a client may create its
bookings in a burst, then one every period/limit. It is kept as one number per key, the
moment the bucket will be full again (the "theoretical arrival time" of the generic cell
rate algorithm), so Redis keeps one short-lived key per address and the whole decision is
one script run. Time is the service's clock, passed in by the caller, in both backends.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("studio.limits")


class RateLimiter(Protocol):
    async def take(self, key: str, limit: int, period: timedelta, now: datetime) -> float:
        """Take one token: 0 if allowed, else the seconds until one is free (nothing taken)."""
        ...

    async def close(self) -> None: ...


def _next_full(full_at: float, now: float, limit: int, period: float) -> tuple[float, float]:
    """(when the bucket is full after this take, seconds to wait instead: 0 if allowed)."""
    if full_at < now or full_at > now + period:  # refilled, or the clock went back
        full_at = now
    after = full_at + period / limit
    return after, max(0.0, after - period - now)


class MemoryRateLimiter:
    """One process's buckets; the keys of full buckets are dropped as the table grows."""

    def __init__(self) -> None:
        self._full_at: dict[str, float] = {}
        self._prune_at = 1024

    async def take(self, key: str, limit: int, period: timedelta, now: datetime) -> float:
        t, seconds = now.timestamp(), period.total_seconds()
        after, wait = _next_full(self._full_at.get(key, t), t, limit, seconds)
        if wait:
            return wait
        self._full_at[key] = after
        if len(self._full_at) >= self._prune_at:
            self._full_at = {k: v for k, v in self._full_at.items() if v > t}
            self._prune_at = max(1024, 2 * len(self._full_at))
        return 0.0

    async def close(self) -> None:
        return None


# KEYS[1] the bucket; ARGV: now, period, limit (milliseconds, and a count). The same rule
# as _next_full; the key lives until its bucket is full again.
_TAKE = """
local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local full_at = tonumber(redis.call('GET', KEYS[1]) or '0')
if full_at < now or full_at > now + period then full_at = now end
local after = full_at + math.ceil(period / tonumber(ARGV[3]))
local wait = after - period - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], after, 'PX', after - now)
return 0
"""


class RedisRateLimiter:
    """Buckets shared by every process of the studio (REDIS_URL).

    Redis away or silent: the request is let through and a warning logged (once a minute),
    as a limit that refuses every booking would be worse than none; the database's hold
    limit still stands."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._take: Any = redis.register_script(_TAKE)
        self._warned_at: datetime | None = None

    async def take(self, key: str, limit: int, period: timedelta, now: datetime) -> float:
        ms = int(now.timestamp() * 1000)
        try:
            wait = await self._take(
                keys=[f"{self.prefix}:{key}"],
                args=[ms, int(period / timedelta(milliseconds=1)), limit],
            )
        except (RedisError, OSError) as exc:
            if self._warned_at is None or now - self._warned_at >= timedelta(minutes=1):
                self._warned_at = now
                log.warning("rate limits off: Redis failed", extra={"error": repr(exc)})
            return 0.0
        return int(wait) / 1000

    async def close(self) -> None:
        await self.redis.aclose()


def rate_limiter_for(redis_url: str | None, prefix: str) -> RateLimiter:
    """Shared through Redis when REDIS_URL is set, else this process's own."""
    if not redis_url:
        return MemoryRateLimiter()
    redis = Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return RedisRateLimiter(redis, prefix)
