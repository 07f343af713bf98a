"""APScheduler in the service's event loop, with the periodic jobs of the booking core."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.change_making import lapse_changes
from booking.deps import BookingDeps
from booking.lapsing import complete_finished, expire_holds
from booking.waitlist import drop_ended_waits
from jobs.audit import audit_job
from jobs.outbox import relay_events
from jobs.reconcile import reconcile_payments, retry_refunds, tell_stuck_payments
from notifications.channels import Channels
from notifications.delivery import Sender, deliver_due
from ops.metrics import JOB_LAG, JOB_RUNS, jobs_known

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
    #: Set when the service stops: a delivery burst ends after its current batch.
    stopping: bool = False
    #: This process as its claims of messages name it (notifications.claims).
    claimant: str | None = None

    async def expire(self) -> None:
        async with self.sessionmaker() as session:
            await expire_holds(session, self.deps)
        async with self.sessionmaker() as session:
            await lapse_changes(session, self.deps)

    async def complete(self) -> None:
        async with self.sessionmaker() as session:
            await complete_finished(session, self.deps)
            await drop_ended_waits(session, self.deps)

    async def relay(self) -> None:
        await relay_events(self.sessionmaker, self.deps, self.channels)

    async def deliver(self) -> None:
        # Keep going until nothing is due, so a burst (reminders) goes out at the full rate.
        while not self.stopping and await deliver_due(
            self.sessionmaker, self.deps, self.senders, claimant=self.claimant
        ):
            pass

    async def reconcile(self) -> None:
        await reconcile_payments(self.sessionmaker, self.deps)
        await retry_refunds(self.sessionmaker, self.deps)
        await tell_stuck_payments(self.sessionmaker, self.deps)

    async def audit(self) -> None:
        await audit_job(self.sessionmaker, self.deps)

    async def run_all_once(self) -> None:
        """Every job once, in dependency order (tests and `main.py` CLI use it)."""
        await self.expire()
        await self.complete()
        await self.reconcile()
        for _, job, _ in self.extra_jobs:
            await job()
        await self.relay()
        await self.deliver()


#: How long a stopping service lets the job runs in progress finish.
STOP_SECONDS = 15.0
#: The money audit runs daily at this hour of the studio's time, before the studio opens.
AUDIT_HOUR = 6


class JobSchedule:
    """The periodic jobs on APScheduler; a stop lets the runs in progress finish.

    APScheduler's own shutdown cancels running jobs: a delivery cut between Telegram's answer
    and the commit that records it would send the message again after the restart.
    """

    def __init__(self, ctx: JobContext) -> None:
        # Jobs never overlap themselves; a late run is merged, not queued. A run that
        # falls due while the previous one still goes (a delivery burst outlasts its
        # one-second interval) returns at once in `_guarded`: APScheduler's own limit
        # (max_instances) would log a warning for each, twice a second while sending.
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 3, "misfire_grace_time": 30}
        )
        self._running: set[asyncio.Task[Any]] = set()
        self._active: set[str] = set()
        self._ctx = ctx
        jobs: list[tuple[str, Callable[[], Awaitable[object]], float]] = [
            ("expire_holds", ctx.expire, 20),
            ("complete_bookings", ctx.complete, 300),
            ("relay_outbox", ctx.relay, 1),
            ("deliver_notifications", ctx.deliver, 1),
            ("reconcile_payments", ctx.reconcile, 60),
            *ctx.extra_jobs,
        ]
        for name, func, seconds in jobs:
            self._scheduler.add_job(
                self._guarded(name, func), "interval", seconds=seconds, id=name
            )
        self._scheduler.add_job(
            self._guarded("audit_ledger", ctx.audit),
            "cron",
            hour=AUDIT_HOUR,
            timezone=ctx.deps.rules.tz,
            id="audit_ledger",
        )

        self._scheduler.add_listener(self._record_lag, EVENT_JOB_SUBMITTED)
        jobs_known([name for name, _, _ in jobs] + ["audit_ledger"])

    def _record_lag(self, event: JobSubmissionEvent) -> None:
        """How late each run starts after its scheduled time (a loop held up, runs merged)."""
        if event.scheduled_run_times:
            late = self._ctx.deps.now() - max(event.scheduled_run_times)
            JOB_LAG.labels(event.job_id).observe(max(0.0, late.total_seconds()))

    def start(self) -> None:
        self._scheduler.start()

    async def stop(self, grace: float = STOP_SECONDS) -> None:
        """No new runs; wait up to `grace` seconds for the ones in progress, then cancel the
        rest."""
        self._scheduler.pause()
        self._ctx.stopping = True
        if self._running:
            log.info("waiting for running jobs", extra={"jobs": len(self._running)})
            await asyncio.wait(set(self._running), timeout=grace)
        left = set(self._running)
        self._scheduler.shutdown(wait=False)  # cancels the runs still going
        if left:
            log.warning("jobs cancelled at stop", extra={"jobs": len(left)})
            await asyncio.gather(*left, return_exceptions=True)

    def _guarded(
        self, name: str, func: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if name in self._active:
                return  # the previous run still goes; it takes what is due now too
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            self._active.add(name)
            try:
                await func()
                JOB_RUNS.labels(name, "ok").inc()
            except Exception:  # one failing run must not kill the schedule
                JOB_RUNS.labels(name, "failed").inc()
                log.exception("job failed", extra={"job": name})
            finally:
                self._running.discard(task)
                self._active.discard(name)

        run.__name__ = name
        return run
