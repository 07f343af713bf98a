"""APScheduler in the service's event loop, with the periodic jobs of the booking core."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.config import BookingDeps
from booking.holds import complete_finished, expire_holds
from jobs.outbox import relay_events
from jobs.reconcile import reconcile_payments, retry_refunds
from notifications.delivery import Sender, deliver_due
from notifications.log import Channels

log = logging.getLogger(__name__)


@dataclass(slots=True)
class JobContext:
    sessionmaker: async_sessionmaker[AsyncSession]
    deps: BookingDeps
    channels: Channels
    senders: Mapping[str, Sender] = field(default_factory=dict)
    extra_jobs: list[tuple[str, Callable[[], Awaitable[object]], float]] = field(
        default_factory=list
    )

    async def expire(self) -> None:
        async with self.sessionmaker() as session:
            await expire_holds(session, self.deps)

    async def complete(self) -> None:
        async with self.sessionmaker() as session:
            await complete_finished(session, self.deps)

    async def relay(self) -> None:
        await relay_events(self.sessionmaker, self.deps, self.channels)

    async def deliver(self) -> None:
        # Keep going until nothing is due, so a burst (reminders) goes out at the full rate.
        while await deliver_due(self.sessionmaker, self.deps, self.senders):
            pass

    async def reconcile(self) -> None:
        await reconcile_payments(self.sessionmaker, self.deps)
        await retry_refunds(self.sessionmaker, self.deps)

    async def run_all_once(self) -> None:
        """Every job once, in dependency order (tests and `main.py` CLI use it)."""
        await self.expire()
        await self.complete()
        await self.reconcile()
        for _, job, _ in self.extra_jobs:
            await job()
        await self.relay()
        await self.deliver()


def create_scheduler(ctx: JobContext) -> AsyncIOScheduler:
    """Jobs never overlap themselves; a late run is merged, not queued."""
    scheduler = AsyncIOScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    )
    jobs: list[tuple[str, Callable[[], Awaitable[object]], float]] = [
        ("expire_holds", ctx.expire, 20),
        ("complete_bookings", ctx.complete, 300),
        ("relay_outbox", ctx.relay, 1),
        ("deliver_notifications", ctx.deliver, 1),
        ("reconcile_payments", ctx.reconcile, 60),
        *ctx.extra_jobs,
    ]
    for name, func, seconds in jobs:
        scheduler.add_job(_guarded(name, func), "interval", seconds=seconds, id=name)
    return scheduler


def _guarded(name: str, func: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await func()
        except Exception:  # one failing run must not kill the schedule
            log.exception("job failed", extra={"job": name})

    run.__name__ = name
    return run
