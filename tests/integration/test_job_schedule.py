"""A stopping service lets the job runs in progress finish (a delivery cut between
Telegram's answer and its commit would send the message twice), within a grace period."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.config import BookingDeps
from jobs.scheduler import JobContext, JobSchedule
from notifications.log import Channels


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


async def test_a_run_in_progress_finishes_before_the_stop_returns(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, channels: Channels
) -> None:
    started, finished = asyncio.Event(), list[str]()
    schedule = JobSchedule(context_with_job(sessionmaker, deps, channels, 0.5, started, finished))
    schedule.start()
    await asyncio.wait_for(started.wait(), 5)
    await schedule.stop(grace=5)
    assert finished == ["finished"]


async def test_a_run_longer_than_the_grace_is_cancelled(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, channels: Channels
) -> None:
    started, finished = asyncio.Event(), list[str]()
    schedule = JobSchedule(context_with_job(sessionmaker, deps, channels, 30, started, finished))
    schedule.start()
    await asyncio.wait_for(started.wait(), 5)
    await schedule.stop(grace=0.2)
    assert finished == ["cancelled"]
