"""What both ways of applying gateway reports share: the report, its outcome, and the rules
that judge a report against its payment without changing anything.

`booking.reports` applies any report through the ORM; `booking.plain_reports` applies the
commonest ones with plain statements. Each judges with these rules, so the two cannot
disagree about which report moves a payment, or about a mismatch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from booking.errors import DomainError, PaymentMismatch
from payments.base import PaymentState, PaymentStatus

log = logging.getLogger("booking.reports")

# The statuses each reported status may follow; anything else is a repeat or stale.
MOVES: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.SUCCEEDED: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.CANCELED}
    ),
    PaymentStatus.CANCELED: frozenset({PaymentStatus.PENDING, PaymentStatus.AUTHORIZED}),
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.PENDING}),
    PaymentStatus.REFUNDED: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset(
        {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED}
    ),
}

#: Joins a payment's key to the digest of a sibling's gateway id (see `booking.reports`).
SIBLING_MARK = "~"

#: "applied", "duplicate" or "stale" for a report that was judged; the error for one refused.
Result = str | DomainError


@dataclass(frozen=True, slots=True)
class Report:
    """What one gateway said about one payment, already verified."""

    gateway: str
    state: PaymentState


@dataclass(slots=True)
class Applied:
    results: list[Result]
    #: The refunds a report reserved (a payment that came too late), by the report's index;
    #: the caller sends them to the gateway after the commit.
    refunds: dict[int, list[int]]

    @property
    def refund_ids(self) -> list[int]:
        return [refund_id for ids in self.refunds.values() for refund_id in ids]


class JudgedPayment(Protocol):
    """What the rules read of a payment: an ORM row or a plain one."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def idempotency_key(self) -> str: ...


def order_key_of(payment: JudgedPayment) -> str:
    """The order number the gateway knows the payment by (a sibling shares its original's)."""
    return payment.idempotency_key.partition(SIBLING_MARK)[0]


def changes(payment: JudgedPayment, new: PaymentStatus) -> bool:
    """Whether the reported status moves the payment forward."""
    old = PaymentStatus(payment.status)
    return old != new and old in MOVES.get(new, frozenset())


def check_amount(payment: JudgedPayment, state: PaymentState) -> None:
    if state.amount is not None and (
        state.amount != payment.amount or state.currency.upper() != payment.currency
    ):
        raise PaymentMismatch(
            "amount_mismatch",
            f"Gateway reports {state.amount} {state.currency}, "
            f"payment {payment.id} asked {payment.amount} {payment.currency}.",
        )


def check_order(payment: JudgedPayment, state: PaymentState) -> None:
    if state.order_key is not None and state.order_key != order_key_of(payment):
        raise PaymentMismatch(
            "order_mismatch", f"Gateway reports another order for payment {payment.id}."
        )


def ignored(payment: JudgedPayment, state: PaymentState) -> str:
    """The outcome of a report that changes nothing, logged."""
    outcome = ignored_outcome(payment, state)
    log_ignored(payment.id, outcome, state)
    return outcome


def ignored_outcome(payment: JudgedPayment, state: PaymentState) -> str:
    return "duplicate" if payment.status == state.status else "stale"


def log_ignored(payment_id: int, outcome: str, state: PaymentState) -> None:
    log.info(
        "payment report ignored",
        extra={"payment_id": payment_id, "outcome": outcome, "reported": str(state.status)},
    )
