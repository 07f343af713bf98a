"""A booking's price as lines: hall time, add-ons, guests over those included, then the
discount. Every amount is integer kopecks and the lines sum to the total exactly, so what
the client reads, what the gateway charges and what the receipt lists agree to the kopeck.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from booking.domain.errors import BookingRuleError

Per = Literal["booking", "hour", "unit"]
PER_CHOICES: tuple[str, ...] = ("booking", "hour", "unit")
GUEST_FEE_KINDS: tuple[str, ...] = ("person_hour", "person_booking", "percent")
LineKind = Literal["hall", "addon", "guests", "discount", "certificate"]


def _per_hours(amount: int, minutes: int) -> int:
    """An hourly amount for `minutes`, rounded half up to the kopeck."""
    return (amount * minutes + 30) // 60


@dataclass(frozen=True, slots=True)
class AddonChoice:
    """An add-on as chosen: its price of the day and how many."""

    addon_id: str
    title: str
    title_en: str
    unit_price: int
    per: str
    quantity: int

    def amount(self, minutes: int) -> int:
        if self.quantity < 1 or self.unit_price < 0:
            raise ValueError("an add-on needs a quantity of at least 1 and a price of 0 or more")
        if self.per == "hour":
            return _per_hours(self.unit_price * self.quantity, minutes)
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class GuestFee:
    """What more people than `above` cost: per person an hour, per person a booking, or a
    percentage of the hall time."""

    per: str
    above: int
    price: int = 0
    percent: int = 0

    def amount(self, guests: int, minutes: int, hall_amount: int) -> int:
        extra = max(0, guests - self.above)
        if extra == 0:
            return 0
        if self.per == "person_hour":
            return _per_hours(self.price * extra, minutes)
        if self.per == "person_booking":
            return self.price * extra
        return (hall_amount * self.percent + 50) // 100


@dataclass(frozen=True, slots=True)
class Discount:
    """A promo code's discount: a percentage of the price, or a fixed amount (never more
    than the price). Both set: the percentage, at most the amount (a code that no longer
    fits a changed booking: no more than it took off at booking)."""

    code: str
    percent: int = 0
    amount: int = 0

    def of(self, subtotal: int) -> int:
        off = (subtotal * self.percent + 50) // 100 if self.percent else self.amount
        if self.percent and self.amount:
            off = min(off, self.amount)
        return min(subtotal, off)


@dataclass(frozen=True, slots=True)
class PriceLine:
    kind: LineKind
    title: str
    title_en: str
    amount: int
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "title_en": self.title_en,
            "amount": self.amount,
            **self.details,
        }


@dataclass(frozen=True, slots=True)
class Priced:
    lines: tuple[PriceLine, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def discount(self) -> int:
        return -sum(line.amount for line in self.lines if line.kind == "discount")


def check_guests(guests: int, capacity: int | None) -> None:
    if guests < 1:
        raise BookingRuleError("invalid_input", "At least one person comes to a booking.")
    if capacity is not None and guests > capacity:
        raise BookingRuleError(
            "over_capacity", f"The hall takes at most {capacity} people.", capacity=capacity
        )


def price_lines(
    hall: PriceLine,
    minutes: int,
    addons: Sequence[AddonChoice] = (),
    guests: int | None = None,
    fee: GuestFee | None = None,
    discount: Discount | None = None,
) -> Priced:
    """The lines of a booking in order: the hall, each add-on, the guest fee, the discount.
    The guests' and the discount's lines carry their figures, not words: the edges title
    them in the reader's language.

    The discount applies to the sum of the lines before it and never exceeds it, so no
    total is below zero; every line but the discount is zero or more."""
    if hall.amount < 0 or minutes <= 0:
        raise ValueError("hall time needs a price of 0 or more and a length")
    lines = [hall]
    for choice in addons:
        details = {"addon_id": choice.addon_id, "quantity": choice.quantity}
        lines.append(
            PriceLine("addon", choice.title, choice.title_en, choice.amount(minutes), details)
        )
    if fee is not None and guests is not None:
        fee_amount = fee.amount(guests, minutes, hall.amount)
        if fee_amount:
            extra = {"guests": guests, "above": fee.above}
            lines.append(PriceLine("guests", "", "", fee_amount, extra))
    if discount is not None:
        off = discount.of(sum(line.amount for line in lines))
        if off:
            code = {"code": discount.code}
            lines.append(PriceLine("discount", "", "", -off, code))
    return Priced(tuple(lines))


def spread(amounts: Sequence[int], target: int) -> list[int]:
    """Share `target` among items in proportion to `amounts` (largest remainder), so the
    shares sum to `target` exactly and none is negative or above its amount.

    A receipt's items carry the discount this way and sum to what was paid."""
    if any(amount < 0 for amount in amounts):
        raise ValueError("amounts to spread over cannot be negative")
    whole = sum(amounts)
    if not 0 <= target <= whole:
        raise ValueError("the target must be between 0 and the sum of the amounts")
    if whole == 0:
        return [0 for _ in amounts]
    shares = [amount * target // whole for amount in amounts]
    remainders = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] * target % whole), i))
    for i in remainders[: target - sum(shares)]:
        shares[i] += 1
    return shares
