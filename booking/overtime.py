"""Overtime: time a session ran past its end, recorded by an admin afterwards, priced by
OVERTIME_RULE and sent to the client as a payment link.

OVERTIME_RULE is `STEP:GRACE[:PRICE]`: every started STEP minutes is charged once the
overtime is more than GRACE minutes, at PRICE rubles a step, or without PRICE at the hall's
hourly price for STEP minutes. The default `30:5` charges each started half hour at the
hall's rate once the session ran more than 5 minutes over (40 minutes over: two half hours).

It is a change of the booking like a move or more time (booking/changes.py): its price line
and total grow, the client owes the difference as a `change` payment, and the payment makes
it. It has no hold and does not lapse: it waits until paid (or the admin records cash)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from booking.change_making import Actor, ChangeKind, ChangeStatus, drop_pending, refuse_pending
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, InvalidTransition, NotFound
from booking.events import EventType, record_event
from booking.paying import start_payment
from booking.pricing import booking_lines
from db import queries
from db.changes import BookingChange
from db.models import Booking, Hall, Payment

#: The gateway a link goes through when the admin names none: the first one configured.
GATEWAY_ORDER = ("yookassa", "tinkoff", "sberpay", "mock")


@dataclass(frozen=True, slots=True)
class OvertimeRule:
    step: int
    grace: int
    #: kopecks a step; None: the hall's hourly price for `step` minutes
    price: int | None = None

    @classmethod
    def parse(cls, text: str) -> OvertimeRule:
        """`30:5` or `10:5:100` (rubles); ValueError for anything else."""
        parts = text.strip().split(":")
        if len(parts) not in (2, 3) or not all(p.strip().isdigit() for p in parts):
            raise ValueError("expected STEP:GRACE[:PRICE], e.g. 30:5 or 10:5:100")
        step, grace = int(parts[0]), int(parts[1])
        if not 1 <= step <= 24 * 60 or grace < 0:
            raise ValueError("STEP is 1 to 1440 minutes, GRACE 0 or more")
        return cls(step, grace, int(parts[2]) * 100 if len(parts) == 3 else None)

    def steps(self, minutes: int) -> int:
        return math.ceil(minutes / self.step) if minutes > self.grace else 0

    def amount(self, minutes: int, hourly_price: int) -> int:
        per_step = self.price if self.price is not None else hourly_price * self.step // 60
        return self.steps(minutes) * per_step


def default_gateway(deps: BookingDeps) -> str:
    for code in GATEWAY_ORDER:
        if deps.provider(code) is not None:
            return code
    raise BookingRuleError("unknown_gateway", "No payment gateway is configured.")


async def record_overtime(
    session: AsyncSession,
    deps: BookingDeps,
    booking_id: int,
    minutes: int,
    actor: Actor,
    gateway: str | None = None,
) -> tuple[Booking, Payment]:
    """Charge `minutes` of overtime on a booking whose session has begun; returns the
    booking and the payment whose link goes to the client."""
    if not 1 <= minutes <= 24 * 60:
        raise BookingRuleError("bad_minutes", "Overtime is 1 to 1440 minutes.")
    gateway = gateway or default_gateway(deps)
    booking = await queries.booking_for_update(session, booking_id)
    if booking is None or queries.is_change_hold(booking):
        raise NotFound("booking_not_found", "No such booking.")
    now = deps.now()
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        raise InvalidTransition(
            "invalid_state", f"A {booking.status} booking has no overtime.", status=booking.status
        )
    if booking.start_at > now:
        raise InvalidTransition("too_early", "The session has not begun yet.")
    hall = await session.get(Hall, booking.hall_id)
    assert hall is not None
    rule = OvertimeRule.parse(deps.rules.overtime_rule)
    amount = rule.amount(minutes, hall.hourly_price)
    if amount <= 0:
        raise BookingRuleError(
            "within_grace", f"{minutes} min is within the {rule.grace} min of grace."
        )
    # A move or more time the client is paying for is not dropped (409 `change_pending`);
    # overtime recorded again replaces the earlier figure.
    await refuse_pending(session, booking, (ChangeKind.RESCHEDULE, ChangeKind.EXTEND))
    await drop_pending(session, booking, ChangeStatus.SUPERSEDED)
    line = {"kind": "overtime", "title": "", "title_en": "", "amount": amount, "minutes": minutes}
    change = BookingChange(
        booking_id=booking.id,
        kind=ChangeKind.OVERTIME,
        status=ChangeStatus.PENDING,
        by=actor.who,
        old_hall_id=booking.hall_id,
        old_start_at=booking.start_at,
        old_end_at=booking.end_at,
        hall_id=booking.hall_id,
        start_at=booking.start_at,
        end_at=booking.end_at,
        blocked_until=booking.blocked_until,
        old_total=booking.total,
        total=booking.total + amount,
        prepay_amount=booking.prepay_amount,
        price_lines=[*booking_lines(booking), line] if booking.price_lines is not None else None,
        due=amount,
        expires_at=None,
        created_at=now,
        updated_at=now,
    )
    session.add(change)
    await session.flush()
    booking.change_id, booking.change_due, booking.change_expires_at = change.id, amount, None
    booking.updated_at = now
    await session.commit()
    payment = await start_payment(session, deps, booking.id, gateway)
    booking = await session.get(Booking, booking.id, populate_existing=True) or booking
    record_event(
        session,
        EventType.OVERTIME_BILLED,
        booking=booking,
        payment=payment,
        by=actor.who,
        minutes=minutes,
        url=payment.confirmation_url or "",
    )
    await session.commit()
    return booking, payment
