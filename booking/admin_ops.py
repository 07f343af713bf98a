"""What admins do from the bot: the day's bookings, one booking, money by hand (refunds the
service cannot settle included), closures and prices (stats are in booking.stats). Use cases
that change something commit (themselves or through the use case they call) and leave the
session clean when they refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, refund_outcome, refunds
from booking.availability import day_bounds
from booking.cancel import cancel_booking
from booking.cash import confirm_by_hand
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, DomainError, Forbidden, InvalidTransition, NotFound
from booking.events import EventType, record_event
from booking.paying import request_refund
from db import payment_queries, queries
from db.certificates import GiftCertificate
from db.changes import BookingChange
from db.models import Booking, Client, Closure, Hall, Payment, Refund
from payments.base import RefundStatus

MAX_HOURLY_PRICE = 1_000_000_00  # a million rubles an hour is a typo, not a price
DAY_STATUSES = (
    BookingStatus.PENDING_PAYMENT,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.CANCELLED,
    BookingStatus.NO_SHOW,
)


@dataclass(frozen=True, slots=True)
class BookingView:
    booking: Booking
    hall: Hall
    client: Client


@dataclass(frozen=True, slots=True)
class BookingCard:
    booking: Booking
    hall: Hall
    client: Client
    payments: Sequence[Payment]
    refunds: Sequence[Refund]


class ClosureConflict(DomainError):
    """The period overlaps live bookings; closing it anyway needs `force`."""

    def __init__(self, bookings: Sequence[BookingView]) -> None:
        super().__init__(
            "closure_conflict", f"The period overlaps {len(bookings)} live booking(s)."
        )
        self.bookings = list(bookings)


# ------------------------------------------------------------------------------ reading


async def bookings_of_day(
    session: AsyncSession, deps: BookingDeps, day: date
) -> list[BookingView]:
    """Bookings of a studio day (live holds, confirmed, completed, cancelled, no-shows), by
    start."""
    start, end = day_bounds(day, day, deps)
    stmt = (
        select(Booking, Hall, Client)
        .join(Hall, Hall.id == Booking.hall_id)
        .join(Client, Client.id == Booking.client_id)
        .where(
            Booking.start_at < end,
            Booking.end_at > start,
            Booking.status.in_(DAY_STATUSES),
            or_(
                Booking.status != BookingStatus.PENDING_PAYMENT,
                Booking.hold_expires_at > deps.now(),
            ),
        )
        .order_by(Booking.start_at, Hall.sort_order, Booking.id)
    )
    return [BookingView(b, h, c) for b, h, c in await session.execute(stmt)]


async def booking_card(session: AsyncSession, code: str) -> BookingCard:
    booking = await _by_code(session, code)
    hall = await session.get(Hall, booking.hall_id)
    client = await session.get(Client, booking.client_id)
    assert hall is not None and client is not None
    return BookingCard(
        booking,
        hall,
        client,
        await payment_queries.payments_of(session, booking.id),
        await payment_queries.refunds_of(session, booking.id),
    )


async def _by_code(session: AsyncSession, code: str) -> Booking:
    booking = await queries.booking_by_code(session, code.strip())
    if booking is None:
        raise NotFound("booking_not_found", f"No booking with code {code!r}.")
    return booking


# ------------------------------------------------------------------------------ money


async def confirm_paid_by_hand(
    session: AsyncSession, deps: BookingDeps, code: str, amount: int | None, note: str
) -> Booking:
    """Confirm a booking paid outside the gateways (cash); `amount` None: the usual due."""
    booking = await _by_code(session, code)
    try:
        return await confirm_by_hand(session, deps, booking.id, amount, note)
    except DomainError:
        await session.rollback()
        raise


def check_refund_limit(amount: int, limit: int | None) -> None:
    """An admin who is not an owner refunds at most ADMIN_REFUND_LIMIT at once (`limit`
    None: an owner, no limit)."""
    if limit is not None and amount > limit:
        raise Forbidden(
            "refund_over_limit", f"Refunds above {limit} kopecks need an owner.", limit=limit
        )


async def cancel_by_admin(
    session: AsyncSession, deps: BookingDeps, code: str, reason: str, limit: int | None = None
) -> tuple[Booking, int, list[Refund]]:
    """Cancel with a full refund; returns the booking, the refund total and its refunds.
    A refund above `limit` is refused before anything changes."""
    booking = await _by_code(session, code)
    check_refund_limit(refundable(await payment_queries.payments_of(session, booking.id)), limit)
    before = {r.id for r in await payment_queries.refunds_of(session, booking.id)}
    try:
        booking, amount = await cancel_booking(
            session, deps, booking.id, by_admin=True, reason=reason
        )
    except DomainError:
        await session.rollback()
        raise
    made = [r for r in await payment_queries.refunds_of(session, booking.id) if r.id not in before]
    return booking, amount, made


def refundable(payments: Sequence[Payment]) -> int:
    return sum(p.amount - p.refunded for p in payments if p.status in refunds.REFUNDABLE)


async def refund_booking(
    session: AsyncSession,
    deps: BookingDeps,
    code: str,
    amount: int | None,
    reason: str,
    limit: int | None = None,
) -> list[Refund]:
    """Refund an amount of a booking (None: all that is left), newest payments first.

    Each payment's part goes through `request_refund`, which re-checks it under a lock.
    """
    booking = await _by_code(session, code)
    payments = list(await payment_queries.payments_of(session, booking.id))
    left = refundable(payments)
    amount = left if amount is None else amount
    if left <= 0:
        raise BookingRuleError("nothing_to_refund", "Nothing paid is left to refund.")
    if amount <= 0:
        raise BookingRuleError("bad_amount", "The refund amount must be positive.")
    if amount > left:
        raise BookingRuleError(
            "refund_too_large", f"At most {left} kopecks can be refunded.", most=left
        )
    check_refund_limit(amount, limit)
    made: list[Refund] = []
    for payment in reversed(payments):
        part = min(amount, payment.amount - payment.refunded)
        if amount <= 0 or part <= 0 or payment.status not in refunds.REFUNDABLE:
            continue
        try:
            made.append(await request_refund(session, deps, payment.id, part, reason))
        except DomainError:
            await session.rollback()
            if not made:
                raise
            break  # the parts made so far stand; the admin sees what was refunded
        amount -= part
    return made


async def settle_by_hand(
    session: AsyncSession, deps: BookingDeps, refund_id: int, *, made: bool, note: str
) -> Refund:
    """An admin settles a refund the service cannot: made (the gateway's cabinet shows it)
    or not made (its reserved amount is freed). Only a pending refund can be settled.

    The booking and the payment are locked before the refund, the order the retries take
    them in; a retry whose answer comes after this sees the refund settled and leaves it."""
    found = await session.get(Refund, refund_id)
    if found is None:
        raise NotFound("refund_not_found", "No such refund.")
    booking = await queries.booking_for_update(session, found.booking_id)
    payment = await payment_queries.payment_for_update(session, found.payment_id)
    refund = await payment_queries.refund_for_update(session, refund_id)
    assert booking is not None and payment is not None and refund is not None
    if refund.status != RefundStatus.PENDING:
        raise InvalidTransition("not_pending", f"A {refund.status} refund cannot be settled.")
    cash_due = bool((refund.raw or {}).get(refunds.CASH_DUE))  # no call can be under way
    if not cash_due and refund.updated_at > deps.now() - refunds.IN_FLIGHT:
        raise InvalidTransition(
            "refund_in_flight",
            "A call about this refund may still be under way; try again in a minute.",
        )
    refund.raw = {**(refund.raw or {}), "settled_by_admin": made, "note": note}
    status = RefundStatus.SUCCEEDED if made else RefundStatus.CANCELED
    error = None if made else f"settled by an admin as not made: {note}"[:500]
    refund_outcome.finish(session, deps, refund, payment, booking, status, error)
    await session.commit()
    return refund


async def issue_certificate(
    session: AsyncSession, deps: BookingDeps, amount: int
) -> GiftCertificate:
    """A gift certificate issued by an admin, with its event (who issued it)."""
    made = await certificates.issue(session, deps, amount, issued_by="admin", commit=False)
    record_event(
        session, EventType.CERTIFICATE_ISSUED, certificate_id=made.id, certificate_amount=amount
    )
    await session.commit()
    return made


# ------------------------------------------------------------------------------ closures


async def resolve_hall(session: AsyncSession, ref: str) -> Hall:
    """A hall by id or slug."""
    ref = ref.strip()
    hall = (
        await session.get(Hall, int(ref))
        if ref.isdigit()
        else (await session.scalars(select(Hall).where(Hall.slug == ref.lower()))).first()
    )
    if hall is None:
        raise NotFound("hall_not_found", f"No hall {ref!r}.")
    return hall


async def live_bookings_between(
    session: AsyncSession, deps: BookingDeps, hall_id: int | None, start: datetime, end: datetime
) -> list[BookingView]:
    """Confirmed bookings and unexpired holds (a hold paid later would confirm) overlapping,
    and the bookings whose pending change holds time there (paid later, it moves them)."""
    now = deps.now()
    held, parent, holding = queries.held_for_changes(now)
    holding = holding.where(held.start_at < end, held.end_at > start, BookingChange.end_at > start)
    if hall_id is not None:
        holding = holding.where(held.hall_id == hall_id)
    own = (Booking.start_at < end) & (Booking.end_at > start)
    if hall_id is not None:
        own = own & (Booking.hall_id == hall_id)
    stmt = (
        select(Booking, Hall, Client)
        .join(Hall, Hall.id == Booking.hall_id)
        .join(Client, Client.id == Booking.client_id)
        .where(
            or_(
                own
                & or_(
                    Booking.status == BookingStatus.CONFIRMED,
                    (Booking.status == BookingStatus.PENDING_PAYMENT)
                    & (Booking.hold_expires_at > now),
                ),
                Booking.id.in_(holding.with_only_columns(parent.id)),
            ),
        )
        .order_by(Booking.start_at, Booking.id)
    )
    return [BookingView(b, h, c) for b, h, c in await session.execute(stmt)]


async def close_period(
    session: AsyncSession,
    deps: BookingDeps,
    hall_ref: str | None,
    start: datetime,
    end: datetime,
    reason: str,
    *,
    force: bool = False,
) -> tuple[Closure, Hall | None, list[BookingView]]:
    """Close a hall (or, `hall_ref` None, the studio) for [start, end).

    Refused with ClosureConflict when live bookings overlap, unless `force`; the bookings
    stay as they are either way (an admin cancels them one by one if needed).
    """
    if end <= start:
        raise BookingRuleError("bad_range", "The end must be after the start.")
    if end <= deps.now():
        raise BookingRuleError("in_past", "The period is already over.")
    hall = await resolve_hall(session, hall_ref) if hall_ref is not None else None
    conflicts = await live_bookings_between(session, deps, hall.id if hall else None, start, end)
    if conflicts and not force:
        raise ClosureConflict(conflicts)
    closure = Closure(
        hall_id=hall.id if hall else None,
        start_at=start,
        end_at=end,
        reason=reason[:500],
        created_at=deps.now(),
    )
    session.add(closure)
    await session.flush()
    record_event(
        session,
        EventType.CLOSURE_CREATED,
        closure_id=closure.id,
        hall_id=closure.hall_id,
        start=start.isoformat(),
        end=end.isoformat(),
        reason=closure.reason,
        forced=bool(conflicts),
    )
    await session.commit()
    return closure, hall, conflicts


async def reopen(session: AsyncSession, closure_id: int) -> tuple[Closure, Hall | None]:
    """Remove a closure; its time is bookable again."""
    closure = await session.get(Closure, closure_id)
    if closure is None:
        raise NotFound("closure_not_found", f"No closure {closure_id}.")
    hall = await session.get(Hall, closure.hall_id) if closure.hall_id is not None else None
    record_event(
        session,
        EventType.CLOSURE_REMOVED,
        closure_id=closure.id,
        hall_id=closure.hall_id,
        start=closure.start_at.isoformat(),
        end=closure.end_at.isoformat(),
    )
    await session.delete(closure)
    await session.commit()
    return closure, hall


async def upcoming_closures(
    session: AsyncSession, deps: BookingDeps
) -> list[tuple[Closure, Hall | None]]:
    stmt = (
        select(Closure, Hall)
        .outerjoin(Hall, Hall.id == Closure.hall_id)
        .where(Closure.end_at > deps.now())
        .order_by(Closure.start_at, Closure.id)
    )
    return [(c, h) for c, h in await session.execute(stmt)]


# ------------------------------------------------------------------------------ prices


async def set_hourly_price(session: AsyncSession, hall_ref: str, price: int) -> tuple[Hall, int]:
    """Change a hall's base hourly price; returns the hall and the old price.

    Bookings keep the total recorded when they were made; price bands are not touched.
    """
    if not 0 < price <= MAX_HOURLY_PRICE:
        raise BookingRuleError("bad_price", "The price must be positive and sensible.")
    hall = await resolve_hall(session, hall_ref)
    old = hall.hourly_price
    hall.hourly_price = price
    record_event(session, EventType.PRICE_CHANGED, hall_id=hall.id, old=old, new=price)
    await session.commit()
    return hall, old


# ------------------------------------------------------------------------------ stats
