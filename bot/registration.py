"""Telegram's webhook and command menus, set once for all the processes of one bot.

Every process used to call setWebhook and setMyCommands at each start: with three processes
that is three times the same calls, and with a webhook address of each process's own the
last to start took every update. With Redis (the several-processes setup), the processes
share a record of what was registered (a fingerprint of the webhook's address, secret and
update types and of the menus): a start under a Redis lock registers only when that differs
or Telegram's webhook is not the expected one. Each process in webhook mode also announces
the address it would register, refreshed while it runs; a process whose address differs
from a live one's refuses to start, since the two would take the updates from each other.
Without Redis there is one process, which registers at each start as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("studio.bot")

#: A process announces its webhook address this often; an announcement older than
#: LIVE_SECONDS is of a process that is gone.
HEARTBEAT_SECONDS = 20.0
LIVE_SECONDS = 60
LOCK_SECONDS = 60


def fingerprint(**parts: Any) -> str:
    """A digest of what a registration sets: equal when nothing would change."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class AddressConflict(Exception):
    """Another live process of this bot registers a different webhook address."""

    def __init__(self, theirs: str, ours: str) -> None:
        super().__init__(theirs, ours)
        self.theirs, self.ours = theirs, ours


class SharedRegistration:
    """The record the processes of one bot share in Redis (keys `studio:telegram:<bot>:*`;
    `bot_key` names the bot and its Bot API server)."""

    def __init__(self, redis: Redis, bot_key: str) -> None:
        self.redis = redis
        self.prefix = f"studio:telegram:{hashlib.sha256(bot_key.encode()).hexdigest()[:16]}"
        self._beat: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str, bot_key: str) -> SharedRegistration:
        return cls(Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5), bot_key)

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        """One process registers at a time; the others then find it done."""
        lock = self.redis.lock(
            f"{self.prefix}:lock", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
        )
        acquired = await lock.acquire()
        try:
            yield
        finally:
            if acquired:
                with contextlib.suppress(RedisError):
                    await lock.release()

    async def registered(self) -> str | None:
        value = await self.redis.get(f"{self.prefix}:registered")
        return value.decode() if isinstance(value, bytes) else value

    async def record(self, digest: str) -> None:
        await self.redis.set(f"{self.prefix}:registered", digest)

    async def announce(self, url: str) -> None:
        """Refuse if a live process announces another webhook address, else announce
        ours and keep it fresh while the process runs."""
        now = await self._now()
        key = f"{self.prefix}:webhook-urls"
        await self.redis.zremrangebyscore(key, 0, now - LIVE_SECONDS)
        for other in await self.redis.zrange(key, 0, -1):
            theirs = other.decode() if isinstance(other, bytes) else str(other)
            if theirs != url:
                raise AddressConflict(theirs, url)
        await self.redis.zadd(key, {url: now})
        self._beat = asyncio.create_task(self._heartbeat(url), name="telegram-webhook-beat")

    async def _heartbeat(self, url: str) -> None:
        key = f"{self.prefix}:webhook-urls"
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.redis.zadd(key, {url: await self._now()})
            except RedisError as exc:
                log.warning("cannot announce the webhook address: %s", exc)

    async def _now(self) -> float:
        """Redis's own clock: the processes' clocks may differ."""
        seconds, micros = await self.redis.time()
        return float(seconds) + micros / 1e6

    async def close(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        await self.redis.aclose()
