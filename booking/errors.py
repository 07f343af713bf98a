"""Errors of the use cases; each edge maps them onto its own answer (HTTP status, chat text)."""

from __future__ import annotations

from booking.domain.errors import BookingRuleError, DomainError, InvalidTransition, SlotTakenError

__all__ = [
    "BookingRuleError",
    "DomainError",
    "GatewayUnavailable",
    "InvalidTransition",
    "NotFound",
    "PaymentMismatch",
    "SlotTakenError",
]


class NotFound(DomainError):
    """The thing asked for does not exist (or is not the caller's to see)."""


class GatewayUnavailable(DomainError):
    """The payment gateway failed; nothing was charged twice and the hold stays."""


class PaymentMismatch(DomainError):
    """A verified payment whose amount or currency differs from what was asked."""
