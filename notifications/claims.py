"""Who holds a claimed message, so that a process killed mid-send (SIGKILL, a crash, the
machine's power) and started again at once sends what it held at once, instead of after the
lease (two minutes) that protects a live process's sends from the others.

A process is named by its machine and its port: two live processes cannot listen on the
same port of one machine, and systemd's `studio@8081` started again is the same one. It frees
its own claims only after it has bound its port, so its earlier self is gone by then (a
graceful stop ends its deliveries before it lets the port go). Machines cloned with the same
/etc/machine-id and hostname should not share a database: their processes on the same port
would be taken for one another's, and a message in flight could then go twice.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from db.outbox import Notification
from notifications.delivery import CLAIMANT

log = logging.getLogger(__name__)


def process_identity(port: int, machine_id: Path = Path("/etc/machine-id")) -> str:
    """This process as its claims name it: the machine (its id, else its name) and port."""
    try:
        machine = machine_id.read_text(encoding="ascii").strip()[:32]
    except (OSError, UnicodeError):
        machine = ""
    return f"{machine or socket.gethostname()}:{port}"


async def release_own_claims(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, claimant: str
) -> int:
    """Messages this process's earlier self claimed and never recorded, due again now; how
    many. Each may have reached its recipient just before the end (at least once)."""
    async with sessionmaker() as session:
        held = (
            await session.scalars(select(Notification).where(Notification.status == "sending"))
        ).all()
        mine = [item for item in held if item.extra.get(CLAIMANT) == claimant]
        for item in mine:
            item.status, item.next_attempt_at = "pending", deps.now()
        await session.commit()
    if mine:
        log.warning(
            "messages claimed before a restart are due again",
            extra={"count": len(mine), "claimant": claimant},
        )
    return len(mine)
