"""The pure booking domain: calendar, pricing, refund policy and booking states."""

from __future__ import annotations

from booking.domain.calendar import (
    MINUTES_PER_DAY,
    STEP_MINUTES,
    BookingWindow,
    DayHours,
    HallCalendar,
    Interval,
    blocked_interval,
    is_on_grid,
    opening_interval,
    validate_booking,
)
from booking.domain.errors import BookingRuleError, DomainError, InvalidTransition, SlotTakenError
from booking.domain.free_time import (
    DayAvailability,
    availability,
    day_availability,
    fitting_durations,
)
from booking.domain.policy import (
    DEFAULT_TIERS,
    RefundTier,
    format_tiers,
    parse_tiers,
    refund_amount,
    refund_percent,
)
from booking.domain.pricing import PriceBand, prepayment_amount, quote
from booking.domain.states import (
    FINAL_STATUSES,
    LIVE_STATUSES,
    TRANSITIONS,
    BookingStatus,
    can_transition,
    check_transition,
)

__all__ = [
    "DEFAULT_TIERS",
    "FINAL_STATUSES",
    "LIVE_STATUSES",
    "MINUTES_PER_DAY",
    "STEP_MINUTES",
    "TRANSITIONS",
    "BookingRuleError",
    "BookingStatus",
    "BookingWindow",
    "DayAvailability",
    "DayHours",
    "DomainError",
    "HallCalendar",
    "Interval",
    "InvalidTransition",
    "PriceBand",
    "RefundTier",
    "SlotTakenError",
    "availability",
    "blocked_interval",
    "can_transition",
    "check_transition",
    "day_availability",
    "fitting_durations",
    "format_tiers",
    "is_on_grid",
    "opening_interval",
    "parse_tiers",
    "prepayment_amount",
    "quote",
    "refund_amount",
    "refund_percent",
    "validate_booking",
]
