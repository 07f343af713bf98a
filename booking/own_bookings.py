"""A client's own bookings in the chat: what each allows now (pay, cancel, move, add time),
and paying or cancelling one, always checked to be theirs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from booking.cancel import cancel_booking, refund_quote
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus, can_transition
from booking.errors import BookingRuleError, InvalidTransition, NotFound
from booking.paying import start_payment
from booking.payment_due import PaymentKind, amount_due
from booking.refunds import owed_back, owed_back_of
from db import queries
from db.models import Booking, Hall, Payment

UPCOMING = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED)


@dataclass(frozen=True, slots=True)
class ClientBooking:
    """One of the client's bookings with what they can do with it now."""

    booking: Booking
    hall: Hall
    due_now: int
    due_kind: PaymentKind | None
    refund_if_cancelled: int
    can_cancel: bool
    upcoming: bool
    #: The client may move it (booking/changes.py: confirmed, before the cutoff, under the
    #: limit) or add time to it (confirmed, not over yet).
    can_move: bool = False
    can_extend: bool = False
    #: Refunds under way (refunds.owed_back): on their way back, no longer paid.
    returning: int = 0


def _view(booking: Booking, hall: Hall, deps: BookingDeps, returning: int) -> ClientBooking:
    now = deps.now()
    amount, kind = amount_due(booking, now)
    status = BookingStatus(booking.status)
    live = status in UPCOMING and not (
        status == BookingStatus.PENDING_PAYMENT
        and booking.hold_expires_at is not None
        and booking.hold_expires_at <= now
    )
    return ClientBooking(
        booking=booking,
        hall=hall,
        due_now=amount,
        due_kind=kind,
        refund_if_cancelled=refund_quote(booking, deps, by_admin=False, owed_back=returning),
        can_cancel=live
        and can_transition(status, BookingStatus.CANCELLED)
        and booking.start_at > now,
        upcoming=live and booking.end_at > now,
        can_move=status == BookingStatus.CONFIRMED
        and now <= booking.start_at - deps.rules.reschedule_cutoff
        and booking.moves_made < deps.rules.reschedule_limit,
        can_extend=status == BookingStatus.CONFIRMED and booking.end_at > now,
        returning=returning,
    )


async def client_bookings(
    session: AsyncSession,
    deps: BookingDeps,
    telegram_id: int,
    *,
    past: bool,
    limit: int = 10,
    offset: int = 0,
) -> list[ClientBooking]:
    """The client's upcoming bookings (soonest first) or past ones (newest first), `limit`
    of them after the first `offset`."""
    client = await queries.client_by_telegram(session, telegram_id)
    if client is None:
        return []
    if past:
        rows = await queries.list_bookings(session, client_id=client.id, newest_first=True)
    else:  # read by what makes them upcoming: a client's long history cannot crowd them out
        rows = await queries.list_bookings(
            session, client_id=client.id, start=deps.now(), statuses=tuple(UPCOMING)
        )
    out: list[ClientBooking] = []
    skipped = 0
    owed = await owed_back_of(session, [booking.id for booking in rows])
    for booking in rows:
        hall = await session.get(Hall, booking.hall_id)
        assert hall is not None
        view = _view(booking, hall, deps, owed.get(booking.id, 0))
        if view.upcoming == past:
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(view)
        if len(out) >= limit:
            break
    return out


async def client_booking(
    session: AsyncSession, deps: BookingDeps, telegram_id: int, booking_id: int
) -> ClientBooking:
    """One booking of this Telegram user; NotFound if it is someone else's."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    client = await queries.client_by_telegram(session, telegram_id)
    if booking is None or queries.is_change_hold(booking):
        raise NotFound("booking_not_found", "No such booking.")
    if client is None or booking.client_id != client.id:
        raise NotFound("booking_not_found", "No such booking.")
    hall = await session.get(Hall, booking.hall_id)
    assert hall is not None
    return _view(booking, hall, deps, await owed_back(session, booking.id))


async def pay_own_booking(
    session: AsyncSession, deps: BookingDeps, telegram_id: int, booking_id: int, gateway: str
) -> Payment:
    """Open (or reuse) the payment of what is due now on the client's own booking."""
    await client_booking(session, deps, telegram_id, booking_id)
    return await start_payment(session, deps, booking_id, gateway)


async def cancel_own_booking(
    session: AsyncSession,
    deps: BookingDeps,
    telegram_id: int,
    booking_id: int,
    shown_refund: int,
) -> tuple[Booking, int]:
    """Cancel the client's booking with the refund they were shown.

    Raises BookingRuleError("refund_changed") when the policy now gives another amount
    (e.g. a tier boundary passed), so the client is asked again instead.
    """
    view = await client_booking(session, deps, telegram_id, booking_id)
    if not view.can_cancel:
        raise InvalidTransition("not_cancellable", "This booking can no longer be cancelled.")
    if view.refund_if_cancelled != shown_refund:
        raise BookingRuleError("refund_changed", "The refund for cancelling has changed.")
    return await cancel_booking(session, deps, booking_id, by_admin=False)
