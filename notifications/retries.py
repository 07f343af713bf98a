"""When a failed try is made again: the one backoff that rendering events, delivering
notifications and sending outgoing webhooks share."""

from __future__ import annotations

from datetime import datetime, timedelta


def backoff(attempts: int, now: datetime) -> datetime:
    """30 s, 1 min, 2 min, ... capped at one hour between tries."""
    return now + timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))
