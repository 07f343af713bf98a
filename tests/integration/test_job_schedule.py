"""A stopping service lets the job runs in progress finish (a delivery cut between
Telegram's answer and its commit would send the message twice), within a grace period."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from jobs.scheduler import JobContext, JobSchedule
from notifications.outbox import Channels


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
