"""Errors of the use cases; each edge maps them onto its own answer (HTTP status, chat text)."""

from __future__ import annotations

from booking.domain.errors import BookingRuleError, DomainError, InvalidTransition, SlotTakenError

__all__ = [
    "BookingRuleError",
    "DomainError",
    "Forbidden",
    "GatewayUnavailable",
    "InvalidTransition",
    "NotFound",
    "PaymentMismatch",
    "SlotTakenError",
    "SoldOut",
    "TooManyHolds",
]


class NotFound(DomainError):
    """The thing asked for does not exist (or is not the caller's to see)."""


class Forbidden(DomainError):
    """The caller may not do this: an owner's change asked by an admin, a refund above the
    admins' limit, a blocked client booking (HTTP 403)."""


class GatewayUnavailable(DomainError):
    """The payment gateway failed; nothing was charged twice and the hold stays."""


class PaymentMismatch(DomainError):
    """A verified payment whose amount or currency differs from what was asked."""


class SoldOut(DomainError):
    """Other bookings took what was left: the last of an add-on, the last use of a promo
    code, a certificate's balance (HTTP 409)."""


class TooManyHolds(DomainError):
    """The client, or their address, already has MAX_ACTIVE_HOLDS unpaid holds (HTTP 429);
    `retry_after` is how many seconds until one of them lapses."""

    def __init__(self, code: str, message: str, retry_after: int = 60) -> None:
        super().__init__(code, message, retry_after=retry_after)
        self.retry_after = retry_after
