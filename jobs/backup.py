"""The daily backup when BACKUP_DIR is set: checked hourly, made when the newest backup in
the directory is a day old, so a restart or a missed hour does not skip a day and several
processes sharing the directory make one a day between them (give or take a race)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from booking.deps import BookingDeps
from ops.backup import backup_due, make_backup

log = logging.getLogger(__name__)
CHECK_SECONDS = 3600.0


def backup_job(
    database_url: str, directory: Path, keep: int, deps: BookingDeps
) -> tuple[str, Callable[[], Awaitable[object]], float]:
    async def run() -> None:
        if not backup_due(directory, deps.now()):
            return
        made = await make_backup(database_url, directory, deps.now(), keep)
        log.info("backup made", extra={"file": str(made), "bytes": made.stat().st_size})

    return "backup_database", run, CHECK_SECONDS
