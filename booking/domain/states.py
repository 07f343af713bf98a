"""The booking state machine: which status changes are allowed, kept in one table."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from booking.domain.errors import InvalidTransition


class BookingStatus(StrEnum):
    """Lifecycle of a booking; the values are stored in the database and sent in the API."""

    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    #: The client did not come: marked by an admin after the start; what was paid is kept.
    NO_SHOW = "no_show"
    #: Not a client's booking: time held for a change of one until its difference is paid
    #: (booking/changes.py); it occupies the slot like a hold.
    CHANGE_HOLD = "change_hold"


LIVE_STATUSES: frozenset[BookingStatus] = frozenset(
    {
        BookingStatus.PENDING_PAYMENT,
        BookingStatus.CONFIRMED,
        BookingStatus.COMPLETED,
        BookingStatus.CHANGE_HOLD,
    }
)
"""Statuses whose booking occupies its slot; expired and cancelled ones free it, and so does a
no-show for what is left of its time."""

FINAL_STATUSES: frozenset[BookingStatus] = frozenset(
    {BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}
)
"""Statuses nothing can leave."""

TRANSITIONS: Mapping[BookingStatus, frozenset[BookingStatus]] = MappingProxyType(
    {
        BookingStatus.PENDING_PAYMENT: frozenset(
            {BookingStatus.CONFIRMED, BookingStatus.EXPIRED, BookingStatus.CANCELLED}
        ),
        BookingStatus.CONFIRMED: frozenset(
            {BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}
        ),
        # A payment that lands after the hold expired still confirms while the slot is free.
        BookingStatus.EXPIRED: frozenset({BookingStatus.CONFIRMED}),
        BookingStatus.COMPLETED: frozenset(),
        BookingStatus.CANCELLED: frozenset(),
        BookingStatus.NO_SHOW: frozenset(),
        # Released once the change is made, or lapsed unpaid.
        BookingStatus.CHANGE_HOLD: frozenset({BookingStatus.EXPIRED}),
    }
)
"""Allowed targets from each status; a status never transitions to itself."""


def can_transition(current: BookingStatus, target: BookingStatus) -> bool:
    """Tell whether `current -> target` is allowed, for callers that only need to ask."""
    return target in TRANSITIONS[BookingStatus(current)]


def check_transition(current: BookingStatus, target: BookingStatus) -> None:
    """Raise InvalidTransition unless `current -> target` is allowed."""
    if not can_transition(current, target):
        raise InvalidTransition(
            "invalid_state",
            f"A booking cannot go from {BookingStatus(current).value} "
            f"to {BookingStatus(target).value}.",
            status=BookingStatus(current).value,
            target=BookingStatus(target).value,
        )
