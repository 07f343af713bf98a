"""Money an admin records by hand: cash (or a transfer) taken at the desk or by phone, for a
hold, a balance, or a pending change of the booking; or a booking confirmed unpaid."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.change_making import PAYABLE, apply_change_payment
from booking.deps import BookingDeps
from booking.domain.pricing import rubles
from booking.domain.states import BookingStatus, check_transition
from booking.errors import (
    BookingRuleError,
    InvalidTransition,
    NotFound,
    SlotTakenError,
)
from booking.events import EventType, record_event
from booking.lapsing import retake_slot
from booking.payment_due import PaymentKind
from booking.payment_reports import apply_success
from booking.refunds import CASH
from db import queries
from db.models import Booking, Payment
from payments.base import PaymentStatus

log = logging.getLogger(__name__)


async def confirm_by_hand(
    session: AsyncSession,
    deps: BookingDeps,
    booking_id: int,
    amount: int | None,
    note: str,
    *,
    admin_id: int | None = None,
) -> Booking:
    """An admin records money paid outside the gateways (cash, transfer) and confirms.

    `amount` None means what is due now (the prepayment, or the balance of a confirmed
    booking); 0 confirms a trusted client's booking with nothing paid yet. `admin_id` (their
    Telegram id; None for the admin API) goes into the events and the payment's record.
    """
    booking = await queries.booking_for_update(session, booking_id)
    if booking is None or queries.is_change_hold(booking):
        raise NotFound("booking_not_found", "No such booking.")
    status = BookingStatus(booking.status)
    now = deps.now()
    if _pays_change(booking, amount):
        return await _confirm_change_by_hand(session, deps, booking, note, admin_id)
    if status == BookingStatus.CONFIRMED and booking.paid >= booking.total:
        raise InvalidTransition("not_payable", "The booking is confirmed and fully paid.")
    if status not in (BookingStatus.CONFIRMED, BookingStatus.EXPIRED):
        check_transition(status, BookingStatus.CONFIRMED)
    if status == BookingStatus.EXPIRED and booking.start_at <= now:
        raise InvalidTransition("too_late", "The booking's time has already begun.")
    due = booking.total - booking.paid
    if amount is None:
        amount = booking.prepay_amount if status != BookingStatus.CONFIRMED else due
    if amount < 0 or amount > due or (amount == 0 and status == BookingStatus.CONFIRMED):
        raise BookingRuleError(
            "bad_amount", f"The amount must be between 0 and {rubles(due)} rubles.", most=due
        )
    if amount == 0:  # an expired booking retakes its slot
        late = status == BookingStatus.EXPIRED
        if late and not await retake_slot(session, booking, now):
            raise SlotTakenError("slot_taken", "The slot is no longer free.")
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        record_event(
            session,
            EventType.BOOKING_CONFIRMED,
            booking=booking,
            late=late,
            by="admin",
            admin_id=admin_id,
            unpaid=True,
        )
        await session.commit()
        return booking
    payment = await _record_cash(
        session,
        booking,
        _cash_kind(booking, amount),
        amount,
        note,
        admin_id,
        now=now,
        balance=status == BookingStatus.CONFIRMED,
    )
    await apply_success(session, deps, booking, payment, refund_on_conflict=False)
    await session.commit()
    return booking


def _pays_change(booking: Booking, amount: int | None) -> bool:
    """Money for the booking's pending change (overtime, a move, more time): exactly what
    the change asks (or no amount named) on a booking the change can still be made on."""
    return (
        booking.change_id is not None
        and booking.change_due > 0
        and booking.status in PAYABLE
        and amount in (None, booking.change_due)
    )


async def _confirm_change_by_hand(
    session: AsyncSession,
    deps: BookingDeps,
    booking: Booking,
    note: str,
    admin_id: int | None,
) -> Booking:
    """Cash for the pending change makes it, as its online payment would: that link, paid
    later, finds no change to make and is refunded like any other surplus."""
    payment = await _record_cash(
        session,
        booking,
        PaymentKind.CHANGE,
        booking.change_due,
        note,
        admin_id,
        now=deps.now(),
        balance=False,
    )
    if not await apply_change_payment(session, deps, booking, payment):
        await session.rollback()
        raise InvalidTransition("change_lapsed", "The booking's change has lapsed.")
    await session.commit()
    return booking


async def _record_cash(
    session: AsyncSession,
    booking: Booking,
    kind: PaymentKind,
    amount: int,
    note: str,
    admin_id: int | None,
    *,
    now: datetime,
    balance: bool,
) -> Payment:
    """The succeeded cash payment and its event, as a gateway's report would write them, so
    the money audit, the stats and the integrations count desk money like any other."""
    payment = Payment(
        booking_id=booking.id,
        gateway=CASH,
        kind=kind,
        amount=amount,
        status=PaymentStatus.SUCCEEDED,
        idempotency_key=f"cash-{uuid.uuid4().hex}",
        raw={"note": note[:200], "by": "admin", "admin_id": admin_id},
        created_at=now,
        updated_at=now,
        paid_at=now,
    )
    session.add(payment)
    await session.flush()
    record_event(
        session,
        EventType.PAYMENT_SUCCEEDED,
        booking=booking,
        payment=payment,
        by="admin",
        admin_id=admin_id,
        balance=balance,
    )
    return payment


def _cash_kind(booking: Booking, amount: int) -> PaymentKind:
    if booking.status == BookingStatus.CONFIRMED:
        return PaymentKind.BALANCE
    return PaymentKind.FULL if amount == booking.total else PaymentKind.PREPAYMENT
