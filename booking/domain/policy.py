"""Cancellation refunds by tiers of notice, stored as text on each booking."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

_TIER = re.compile(r"([0-9]+):([0-9]+)")


@dataclass(frozen=True, slots=True)
class RefundTier:
    """Cancelling at least `min_hours_before` hours ahead refunds `percent` of what was paid."""

    min_hours_before: int
    percent: int

    def __post_init__(self) -> None:
        if self.min_hours_before < 0:
            raise ValueError("min_hours_before cannot be negative")
        if not 0 <= self.percent <= 100:
            raise ValueError("a refund percent must be between 0 and 100")


DEFAULT_TIERS: tuple[RefundTier, ...] = (RefundTier(48, 100), RefundTier(24, 50), RefundTier(0, 0))


def _sorted_tiers(tiers: Sequence[RefundTier]) -> tuple[RefundTier, ...]:
    """Most notice first, so the first tier that applies is the most generous one earned."""
    ordered = tuple(sorted(tiers, key=lambda tier: tier.min_hours_before, reverse=True))
    hours = [tier.min_hours_before for tier in ordered]
    if len(set(hours)) != len(hours):
        raise ValueError("refund tiers must have distinct hours")
    return ordered


def parse_tiers(text: str) -> tuple[RefundTier, ...]:
    """Parse "48:100,24:50,0:0" (hours:percent, spaces allowed) into tiers, most notice first."""
    parts = [part.strip() for part in text.split(",")]
    if parts == [""]:
        raise ValueError("refund tiers cannot be empty")
    tiers = []
    for part in parts:
        match = _TIER.fullmatch(part.replace(" ", ""))
        if match is None:
            raise ValueError(f"bad refund tier {part!r}; expected hours:percent like 48:100")
        tiers.append(RefundTier(int(match[1]), int(match[2])))
    return _sorted_tiers(tiers)


def format_tiers(tiers: Sequence[RefundTier]) -> str:
    """The text parse_tiers reads back, recorded on a booking to freeze its policy."""
    if not tiers:
        raise ValueError("refund tiers cannot be empty")
    return ",".join(f"{tier.min_hours_before}:{tier.percent}" for tier in _sorted_tiers(tiers))


def refund_percent(tiers: Sequence[RefundTier], start: datetime, now: datetime) -> int:
    """Percent refunded when cancelling at `now`; nothing once the session has begun."""
    notice = start - now
    if notice <= timedelta(0):
        return 0
    for tier in _sorted_tiers(tiers):
        if timedelta(hours=tier.min_hours_before) <= notice:
            return tier.percent
    return 0


def refund_amount(paid: int, tiers: Sequence[RefundTier], start: datetime, now: datetime) -> int:
    """Kopecks refunded out of `paid`, rounded down so the studio never refunds more than due."""
    if paid < 0:
        raise ValueError("a paid amount cannot be negative")
    return paid * refund_percent(tiers, start, now) // 100
