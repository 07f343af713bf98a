"""Holding a slot (a new booking in pending_payment) and letting unpaid holds expire."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking.blocks import check_not_blocked
from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, SlotTakenError
from booking.events import EventType, record_event
from booking.hold_limits import Identities, check_hold_limit, lock_identities
from booking.hours_lock import second_look
from booking.lapsing import expire_overdue, is_overlap_violation
from booking.no_show import check_prepayment_allowed
from booking.pricing import AddonWanted
from booking.quotes import confirming_amount, price_request
from booking.sale import record_sale, secure_sale
from booking.tokens import hash_token, new_access_token, new_booking_code
from db import busy_time, queries
from db.models import Booking, Client

PHONE_RE = re.compile(r"^\+?[0-9]{10,15}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PaymentMode(StrEnum):
    PREPAY = "prepay"
    FULL = "full"


class Source(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class ClientInfo:
    name: str = ""
    phone: str | None = None
    email: str | None = None
    telegram_id: int | None = None
    username: str | None = None
    language: str = "ru"


@dataclass(frozen=True, slots=True)
class HoldRequest:
    hall_id: int
    start: datetime
    end: datetime
    payment_mode: PaymentMode
    client: ClientInfo
    source: Source
    #: The website caller's address as the limits count it (api.limits.address_key).
    address: str | None = None
    #: People coming; None: the number the hall's price covers.
    guests: int | None = None
    addons: tuple[AddonWanted, ...] = ()
    promo_code: str | None = None
    #: A gift certificate to pay from before the gateway.
    certificate_code: str | None = None
    #: The client accepted the studio's rules in force (required when it has any).
    accept_rules: bool = False
    #: The admin taking the booking for the client (source `admin`): their Telegram id, or
    #: None for the admin API. Recorded on the booking and in its events.
    admin_id: int | None = None


def normalize_phone(phone: str) -> str:
    """Digits with a leading +; a Russian 8XXXXXXXXXX becomes +7XXXXXXXXXX."""
    digits = re.sub(r"[\s\-()]", "", phone)
    if re.fullmatch(r"8[0-9]{10}", digits):
        digits = "+7" + digits[1:]
    if not PHONE_RE.fullmatch(digits):
        raise BookingRuleError("bad_phone", "The phone number is not valid.")
    return digits if digits.startswith("+") else "+" + digits


def check_email(email: str) -> str:
    email = email.strip()
    if len(email) > 254 or not EMAIL_RE.fullmatch(email):
        raise BookingRuleError("bad_email", "The e-mail address is not valid.")
    return email


async def upsert_client(session: AsyncSession, info: ClientInfo) -> Client:
    """Telegram users are one client each, created or brought up to date by one statement;
    website clients get a row per booking. The contacts are checked before anything is
    written."""
    phone = normalize_phone(info.phone) if info.phone else None
    email = check_email(info.email) if info.email else None
    if info.telegram_id is not None:
        given = {"name": info.name, "username": info.username, "language": info.language}
        given |= {"phone": phone, "email": email}
        # Empty values keep what the client gave before; they are writing to the bot, so it
        # reaches them again.
        changes = {key: value for key, value in given.items() if value}
        return await queries.upsert_telegram_client(session, info.telegram_id, changes)
    client = Client(
        telegram_id=None,
        name=info.name or "",
        username=info.username,
        language=info.language or "ru",
        phone=phone,
        email=email,
    )
    session.add(client)
    await session.flush()
    return client


class _LapsedHoldInTheWay(Exception):
    """The database refused a hold that the schedule allowed: a hold past its expiry that
    the sweep has not marked yet may still occupy the slot there."""


async def hold_booking(
    session: AsyncSession, deps: BookingDeps, request: HoldRequest, *, commit: bool = True
) -> tuple[Booking, str]:
    """Create a booking in pending_payment that holds its slot; returns it and its token.

    The calendar rules are checked here for a clear error, and the database's no-overlap
    constraint decides races between processes. A lapsed hold not swept yet still occupies
    its slot in the database: when the insert is refused, the lapsed holds in the way are
    expired and the hold is tried once more, so the usual hold pays no query for them.

    A refused insert rolls back the caller's whole transaction, which expires the objects
    the session holds: call it first in a transaction, before anything worth keeping.
    """
    try:
        booking, token = await _hold(session, deps, request, expire_lapsed=False)
    except _LapsedHoldInTheWay:
        booking, token = await _hold(session, deps, request, expire_lapsed=True)
    if commit:  # else the caller commits it with what it adds (the payment's intent)
        await session.commit()
    return booking, token


async def _hold(
    session: AsyncSession, deps: BookingDeps, request: HoldRequest, *, expire_lapsed: bool
) -> tuple[Booking, str]:
    now = deps.now()
    quote = await price_request(session, deps, request)
    hall, sale, blocked = quote.hall, quote.sale, quote.blocked
    who = identities(request)
    if who is not None:
        await lock_identities(session, who)
    client = await upsert_client(session, request.client)
    await second_look(session, deps, request.hall_id, request.start, request.end, now)
    # After the client's row (a refusal rolls it back): nothing looks a client up by their
    # contacts before the contacts are checked and written.
    await check_client(session, deps, request)
    if who is not None:
        await check_hold_limit(session, who, deps.rules.max_active_holds, now)
    await secure_sale(session, sale, request.start, blocked.end, now, client)
    # `total` is what is left for a gateway once a certificate has paid its part. A promo
    # code or a certificate that covers the whole price leaves nothing to pay: confirmed at
    # once, instead of a hold that nobody can pay and that lapses.
    total, free = sale.due, sale.paid_by_codes
    prepay = confirming_amount(deps, request, total)
    if expire_lapsed:
        # Only now that nothing else can refuse the hold but the insert, which rolls back:
        # a lapsed hold is never left marked without its event.
        await expire_overdue(
            session,
            await busy_time.overdue_holds_in(session, hall.id, blocked.start, blocked.end, now),
        )
    token = new_access_token()
    booking = Booking(
        code=new_booking_code(),
        hall_id=hall.id,
        client_id=client.id,
        client=client,  # kept with the booking: the payment's receipt reads its contacts
        start_at=request.start,
        end_at=request.end,
        blocked_until=blocked.end,
        status=BookingStatus.CONFIRMED if free else BookingStatus.PENDING_PAYMENT,
        payment_mode=request.payment_mode,
        total=total,
        prepay_amount=prepay,
        paid=0,
        refunded=0,
        source=request.source,
        booked_by=request.admin_id,
        client_address=request.address,
        hold_expires_at=None if free else now + deps.rules.hold,
        confirmed_at=now if free else None,
        refund_tiers=deps.rules.refund_tiers,
        access_token_hash=hash_token(token),
        guests=sale.guests,
        guests_chosen=request.guests,
        price_lines=sale.lines,
        rules_version=sale.rules_version,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        if not is_overlap_violation(exc):
            raise
        if not expire_lapsed:
            raise _LapsedHoldInTheWay from None
        raise SlotTakenError("slot_taken", "This time has just been taken.") from None
    record_sale(session, booking, sale)
    by: dict[str, Any] = (
        {"by": "admin", "admin_id": request.admin_id} if request.source == Source.ADMIN else {}
    )
    record_event(session, EventType.BOOKING_CREATED, booking=booking, hall=hall.name, **by)
    if free:
        record_event(session, EventType.BOOKING_CONFIRMED, booking=booking, late=False)
    return booking, token


async def check_client(session: AsyncSession, deps: BookingDeps, request: HoldRequest) -> None:
    """A blocked client holds nothing (403 `client_blocked`), and one past NO_SHOW_LIMIT
    pays in full (403 `prepayment_not_allowed`); the studio's own bookings are exempt."""
    if request.source == Source.ADMIN:
        return
    info = request.client
    phone = normalize_phone(info.phone) if info.phone else None
    await check_not_blocked(session, deps, phone=phone, telegram_id=info.telegram_id)
    if request.payment_mode == PaymentMode.PREPAY:
        await check_prepayment_allowed(session, deps, phone=phone, telegram_id=info.telegram_id)


def identities(request: HoldRequest) -> Identities | None:
    """Who the hold counts against (hold_limits); None for the studio's own holds."""
    if request.source == Source.ADMIN:
        return None
    info = request.client
    return Identities(
        telegram_id=info.telegram_id,
        phone=normalize_phone(info.phone) if info.phone else None,
        email=check_email(info.email).lower() if info.email else None,
        address=request.address,
    )
