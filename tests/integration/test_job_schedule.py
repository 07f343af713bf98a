"""A stopping service lets the job runs in progress finish (a delivery cut between
Telegram's answer and its commit would send the message twice), within a grace period."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from jobs.scheduler import JobContext, JobSchedule
from notifications.channels import Channels


def context_with_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    seconds_inside: float,
    started: asyncio.Event,
    finished: list[str],
) -> JobContext:
    async def slow_job() -> None:
        started.set()
        try:
            await asyncio.sleep(seconds_inside)
            finished.append("finished")
        except asyncio.CancelledError:
            finished.append("cancelled")
            raise

    ctx = JobContext(sessionmaker=sessionmaker, deps=deps, channels=channels)
    ctx.extra_jobs.append(("slow", slow_job, 1))
    return ctx


@pytest.mark.parametrize(
    ("seconds_inside", "grace", "outcome"),
    [(0.5, 5, "finished"), (30, 0.2, "cancelled")],
    ids=["finishes-within-the-grace", "cancelled-after-the-grace"],
)
async def test_the_stop_lets_a_run_finish_within_its_grace(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    seconds_inside: float,
    grace: float,
    outcome: str,
) -> None:
    started, finished = asyncio.Event(), list[str]()
    ctx = context_with_job(sessionmaker, deps, channels, seconds_inside, started, finished)
    schedule = JobSchedule(ctx)
    schedule.start()
    await asyncio.wait_for(started.wait(), 5)
    await schedule.stop(grace=grace)
    assert finished == [outcome]  # and nothing of the job runs after the stop returns


async def test_a_run_outlasting_its_interval_is_not_overlapped_nor_logged(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A delivery burst runs longer than its one-second interval: the runs falling due
    meanwhile neither start a second burst nor fill the log with APScheduler's "skipped:
    maximum number of running instances reached"; the next run starts after it ends."""
    runs: list[str] = []
    second = asyncio.Event()

    async def burst() -> None:
        runs.append("start")
        if len(runs) > 1:
            second.set()
            return
        await asyncio.sleep(3.5)
        runs.append("end")

    ctx = JobContext(sessionmaker=sessionmaker, deps=deps, channels=channels)
    ctx.extra_jobs.append(("burst", burst, 1))
    schedule = JobSchedule(ctx)
    caplog.set_level("INFO")
    schedule.start()
    try:
        await asyncio.wait_for(second.wait(), 10)
    finally:
        await schedule.stop(grace=1)
    assert runs[:3] == ["start", "end", "start"]
    assert not [r for r in caplog.records if "maximum number of running" in r.getMessage()]
