"""One user's updates one at a time across processes (Redis), with a lock that a dead process
lets go of within seconds.

aiogram's RedisEventIsolation takes a per-user lock for 60 seconds: an update that died with
its process (SIGKILL, a crash, a machine lost) left its user unanswered for a minute, every
press of theirs waiting behind it. Here the lock lasts `LOCK_SECONDS`, and the process
handling the update renews it every third of that while the handler runs: a slow handler (a
gateway taking its time) keeps its lock, a dead process's lock lapses soon.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator

from aiogram.fsm.storage.base import KeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)

LOCK_SECONDS = 8.0


class RenewedRedisIsolation(RedisEventIsolation):
    """RedisEventIsolation with a short lock renewed while the update is handled."""

    def __init__(self, redis: Redis, key_builder: KeyBuilder, timeout: float = LOCK_SECONDS):
        super().__init__(redis, key_builder, lock_kwargs={"timeout": timeout})
        self.timeout = timeout

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        held = self.redis.lock(name=name, timeout=self.timeout, lock_class=Lock)
        await held.acquire()
        done = asyncio.Event()
        renewing = asyncio.create_task(self._renew(held, done), name="fsm-lock-renewal")
        try:
            yield None
        finally:
            # The renewal told to stop and the release shielded rather than cancelled: a
            # Redis call cut off halfway (an update cancelled at shutdown) would leave its
            # connection broken and unclosed.
            done.set()
            await asyncio.shield(renewing)
            with contextlib.suppress(LockError):  # lapsed meanwhile: nothing to release
                await asyncio.shield(held.release())

    async def _renew(self, held: Lock, done: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.timeout / 3)
                return
            try:
                await held.reacquire()
            except (LockError, RedisError) as exc:  # lost: the next update may start now
                log.warning("could not renew a user's update lock: %s", exc)
                return
