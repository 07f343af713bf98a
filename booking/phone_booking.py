"""Bookings an admin takes for a client (by phone, at the desk): the slot is held as any
hold is, then settled one of three ways, each through the use case that already does it.

- `cash`: the whole price paid in cash, a succeeded payment of gateway `cash` recorded by
  the admin (booking.cash.confirm_by_hand), so the money audit and the stats count it;
- `unpaid`: confirmed with nothing paid for a trusted client (an admin's confirmation, which
  the audit accepts); the balance shows as due in the admin lists;
- `link`: the hold keeps waiting for payment, and its payment link at a gateway is given
  to the admin to forward (the normal payment flow).

The client's contacts are kept on a client row of their own, not on any Telegram account:
a phone typed by an admin proves nothing about who owns a chat. The booking reaches their
chat once they share that phone with the contact button (`link_shared_phone`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.blocks import is_blocked
from booking.cash import confirm_by_hand
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, Forbidden, GatewayUnavailable
from booking.events import EventType, record_event
from booking.holds import (
    ClientInfo,
    HoldRequest,
    PaymentMode,
    Source,
    hold_booking,
    normalize_phone,
    upsert_client,
)
from booking.no_show import full_payment_only
from booking.paying import payment_for_hold
from booking.payment_links import ask_gateway
from db.models import Booking, Client, Payment


class Settle(StrEnum):
    CASH = "cash"
    UNPAID = "unpaid"
    LINK = "link"


@dataclass(frozen=True, slots=True)
class PhoneBooking:
    booking: Booking
    #: The booking's access token (the API returns it; the bot does not need it).
    token: str
    #: The payment whose link the admin forwards (`link`); None otherwise, or when the
    #: gateway failed (the hold stays; a new link is made from the booking).
    payment: Payment | None


def default_gateway(deps: BookingDeps) -> str:
    """The gateway of a forwarded link when none is named: the first one configured."""
    for name in ("yookassa", "tinkoff", "sberpay", "mock"):
        if deps.provider(name) is not None:
            return name
    raise BookingRuleError("unknown_gateway", "No payment gateway is configured.")


async def book_for_client(
    session: AsyncSession,
    deps: BookingDeps,
    request: HoldRequest,
    settle: Settle,
    *,
    admin_id: int | None,
    gateway: str | None = None,
) -> PhoneBooking:
    """Hold the slot for the client and settle it; every event names the admin.

    A phone is required (the studio calls back, and it links the booking to the client's
    chat later). Cash is the whole price; a code covering the price confirms at once."""
    if not request.client.phone:
        raise BookingRuleError("bad_phone", "The client's phone is required.")
    await check_client_for_admin(session, deps, request, settle)
    mode = PaymentMode.FULL if settle == Settle.CASH else request.payment_mode
    request = replace(
        request, source=Source.ADMIN, admin_id=admin_id, accept_rules=True, payment_mode=mode
    )
    if settle == Settle.LINK:
        gateway = gateway or default_gateway(deps)
        if deps.provider(gateway) is None:
            raise BookingRuleError("unknown_gateway", f"Payment gateway {gateway!r} is off.")
    booking, token = await hold_booking(session, deps, request, commit=False)
    if booking.status == BookingStatus.CONFIRMED:  # a code covered the whole price
        await session.commit()
        return PhoneBooking(booking, token, None)
    if settle == Settle.LINK:
        assert gateway is not None
        provider, intent = await payment_for_hold(session, deps, booking, gateway)
        try:
            payment: Payment | None = await ask_gateway(session, deps, provider, booking, intent)
        except GatewayUnavailable:
            payment = None
        return PhoneBooking(booking, token, payment)
    await session.flush()
    amount = booking.total if settle == Settle.CASH else 0
    note = f"{settle} by admin {admin_id if admin_id is not None else 'api'}"
    booking = await confirm_by_hand(session, deps, booking.id, amount, note, admin_id=admin_id)
    return PhoneBooking(booking, token, None)


async def check_client_for_admin(
    session: AsyncSession, deps: BookingDeps, request: HoldRequest, settle: Settle
) -> None:
    """A blocked client is refused here too (403 `client_blocked`, saying how to lift the
    block); one past NO_SHOW_LIMIT pays the full price: in cash or by a link for all of it,
    never confirmed unpaid (403 `full_payment_required`) nor by a prepayment link (403
    `prepayment_not_allowed`)."""
    phone = normalize_phone(request.client.phone or "")
    if await is_blocked(session, phone=phone):
        raise Forbidden(
            "client_blocked",
            f"The client {phone} is blocked. To book for them, lift the block first: "
            f"/unblock {phone} in the bot, or POST /api/clients/unblock.",
            phone=phone,
        )
    if settle == Settle.CASH or not await full_payment_only(session, deps, phone=phone):
        return
    if settle == Settle.UNPAID:
        raise Forbidden(
            "full_payment_required",
            f"The client has missed {deps.rules.no_show_limit} or more bookings: they pay the "
            "full price, in cash or by a payment link for all of it.",
            no_show_limit=deps.rules.no_show_limit,
        )
    if request.payment_mode == PaymentMode.PREPAY:
        raise Forbidden(
            "prepayment_not_allowed",
            "After missed bookings the full price is paid: choose payment_mode full.",
            no_show_limit=deps.rules.no_show_limit,
        )


async def link_shared_phone(
    session: AsyncSession, deps: BookingDeps, who: ClientInfo
) -> Sequence[Booking]:
    """The client shared their own phone in the chat: the upcoming bookings admins took for
    that phone become this Telegram client's, and each is told in the chat (an event per
    booking, rendered as its confirmation or its hold). Returns them (none: nothing to link).
    """
    assert who.telegram_id is not None and who.phone
    number = normalize_phone(who.phone)
    now = deps.now()
    owner = await upsert_client(session, replace(who, phone=number, email=None))
    stmt = (
        select(Booking)
        .join(Client, Client.id == Booking.client_id)
        .where(
            Client.telegram_id.is_(None),
            Client.phone == number,
            Booking.source == Source.ADMIN,
            Booking.end_at > now,
            Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.PENDING_PAYMENT)),
        )
        .order_by(Booking.start_at)
    )
    found = [
        b
        for b in (await session.scalars(stmt)).all()
        if b.status == BookingStatus.CONFIRMED
        or (b.hold_expires_at is not None and b.hold_expires_at > now)
    ]
    for booking in found:
        booking.client_id = owner.id
        booking.updated_at = now
        record_event(
            session, EventType.BOOKING_LINKED, booking=booking, telegram_id=who.telegram_id
        )
    await session.commit()
    return found
