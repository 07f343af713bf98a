"""A process killed mid-send and started again on its port sends what it held at once,
not two minutes later when its lease runs out; another process's claims stay its own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db.outbox import Notification
from notifications.claims import process_identity, release_own_claims
from notifications.delivery import claim_due
from notifications.queueing import add_notification
from tests.support import FakeClock, rows


async def queue(sessionmaker: async_sessionmaker[AsyncSession], *keys: str) -> None:
    async with sessionmaker() as session:
        for key in keys:
            await add_notification(
                session, dedupe_key=key, channel="telegram", recipient=key, body=f"про {key}"
            )
        await session.commit()


async def test_a_restarted_process_sends_what_it_held_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, clock: FakeClock
) -> None:
    await queue(sessionmaker, "101", "102")
    held = await claim_due(sessionmaker, deps, ["telegram"], 10, claimant="m1:8081")
    await queue(sessionmaker, "103")
    other = await claim_due(sessionmaker, deps, ["telegram"], 10, claimant="m1:8082")
    assert [m.recipient for m in held] == ["101", "102"] and len(other) == 1
    clock.advance(seconds=10)  # 8081 was killed; systemd starts it again
    assert await claim_due(sessionmaker, deps, ["telegram"], 10) == []  # leases still live
    assert await release_own_claims(sessionmaker, deps, "m1:8081") == 2
    again = await claim_due(sessionmaker, deps, ["telegram"], 10, claimant="m1:8081")
    assert sorted(m.recipient for m in again) == ["101", "102"]  # not after LEASE
    states = {n.recipient: (n.status, n.attempts) for n in await rows(sessionmaker, Notification)}
    assert states == {"101": ("sending", 2), "102": ("sending", 2), "103": ("sending", 1)}
    assert await release_own_claims(sessionmaker, deps, "m2:8081") == 0  # another machine


def test_a_process_is_its_machine_and_port(tmp_path: Path) -> None:
    machine_id = tmp_path / "machine-id"
    machine_id.write_text("0123456789abcdef0123456789abcdef\n")
    assert process_identity(8081, machine_id) == "0123456789abcdef0123456789abcdef:8081"
    assert process_identity(8081, machine_id) != process_identity(8082, machine_id)
    assert process_identity(8081, tmp_path / "none").endswith(":8081")  # the host's name
