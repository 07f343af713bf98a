"""Promo codes: checked when a hold is priced, claimed under a lock in the hold's own
transaction, created, listed and disabled by admins.

A use is a booking that holds the code: a live hold, or a booking that was confirmed (paid,
or by an admin), cancelled afterwards included. So a paid booking counts once, and a hold
that lapses or is cancelled before payment gives its use back without anything to undo.
Two holds claiming the last use take turns: on PostgreSQL the code's row is locked
(`FOR UPDATE`) before counting; on SQLite the count runs after the hold's first write,
under the database's one write lock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.domain.charges import Discount
from booking.domain.states import BookingStatus
from booking.errors import BookingRuleError, NotFound, SoldOut
from booking.events import EventType, record_event
from db import queries
from db.models import Booking, Client, Hall
from db.sales import PromoCode

if TYPE_CHECKING:
    from booking.holds import HoldRequest

CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,31}")


def normalize(code: str) -> str:
    return code.strip().upper()


def discount_of(code: PromoCode | None) -> Discount | None:
    if code is None:
        return None
    return Discount(code.code, percent=code.percent or 0, amount=code.amount or 0)


def _invalid(message: str) -> BookingRuleError:
    return BookingRuleError("promo_invalid", message)


async def usable_code(
    session: AsyncSession, deps: BookingDeps, request: HoldRequest, hall: Hall
) -> PromoCode:
    """The code asked for, if it applies to this booking now (its uses are counted later,
    under the lock)."""
    assert request.promo_code is not None
    found = await session.scalar(
        select(PromoCode).where(PromoCode.code == normalize(request.promo_code))
    )
    if found is None or not found.active:
        raise _invalid("There is no such promo code.")
    today = deps.now().astimezone(deps.rules.tz).date()
    if (found.valid_from and today < found.valid_from) or (
        found.valid_to and today > found.valid_to
    ):
        raise BookingRuleError("promo_expired", "The promo code is not valid today.")
    check_applies(found, hall.id, request.start, request.end, deps.rules.tz)
    return found


def check_applies(
    code: PromoCode, hall_id: int, start: datetime, end: datetime, tz: ZoneInfo
) -> None:
    """The code's limits on the session it takes off: its halls, weekdays (of the start) and
    least length; 400 `promo_invalid` outside them. A new booking is checked by them, and so
    is the new span of a move or more time (booking.change_price)."""
    if code.hall_ids and hall_id not in code.hall_ids:
        raise _invalid("The promo code does not apply to this hall.")
    if code.weekdays and start.astimezone(tz).weekday() not in code.weekdays:
        raise _invalid("The promo code does not apply on this day of the week.")
    minutes = int((end - start).total_seconds()) // 60
    if code.min_minutes and minutes < code.min_minutes:
        raise _invalid(f"The promo code needs a booking of {code.min_minutes} minutes or more.")


def holding(now: datetime) -> Any:
    """Bookings that hold a use of their code."""
    return or_(
        Booking.status.in_(
            [BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW]
        ),
        and_(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at > now),
        and_(Booking.status == BookingStatus.CANCELLED, Booking.confirmed_at.is_not(None)),
    )


async def uses(session: AsyncSession, code_id: int, now: datetime) -> int:
    stmt = select(func.count()).where(Booking.promo_code_id == code_id, holding(now))
    return int(await session.scalar(stmt) or 0)


async def check_uses(session: AsyncSession, code: PromoCode, now: datetime) -> None:
    """409 `promo_used_up` when the code has no use left (without its lock: a quote's check,
    or the hold's under `claim`'s lock)."""
    if code.max_uses is not None and await uses(session, code.id, now) >= code.max_uses:
        raise SoldOut("promo_used_up", "The promo code has been used up.")


async def claim(session: AsyncSession, code: PromoCode, client: Client, now: datetime) -> None:
    """Count the code's uses under its lock: 409 `promo_used_up` when none is left.

    Call after the hold's first write (the client's row)."""
    await _lock(session, code.id)
    await check_uses(session, code, now)
    if code.max_uses_per_client is None:
        return
    if await client_uses(session, code.id, client, now) >= code.max_uses_per_client:
        raise SoldOut("promo_used_up", "This client has used the promo code already.")


async def _lock(session: AsyncSession, code_id: int) -> None:
    if queries.is_postgres(session):
        await session.execute(
            select(PromoCode.id).where(PromoCode.id == code_id).with_for_update()
        )


async def client_uses(session: AsyncSession, code_id: int, client: Client, now: datetime) -> int:
    """The bookings of this client (the same row, Telegram account or phone) holding the
    code now."""
    same_client = [Client.id == client.id]
    if client.telegram_id is not None:
        same_client.append(Client.telegram_id == client.telegram_id)
    if client.phone:
        same_client.append(Client.phone == client.phone)
    stmt = (
        select(func.count())
        .select_from(Booking)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.promo_code_id == code_id, holding(now), or_(*same_client))
    )
    return int(await session.scalar(stmt) or 0)


async def still_usable(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Whether the code a lapsed hold took can still be used by it, so that a late payment
    may revive it: while it lapsed, other bookings (of anyone, or of this same client) may
    have taken the uses it gave back. Counted under the code's lock, as a hold's claim."""
    if booking.promo_code_id is None:
        return True
    code = await session.get(PromoCode, booking.promo_code_id)
    if code is None:
        return True
    await _lock(session, code.id)
    if code.max_uses is not None and await uses(session, code.id, now) >= code.max_uses:
        return False
    if code.max_uses_per_client is None:
        return True
    client = await session.get(Client, booking.client_id)
    assert client is not None
    return await client_uses(session, code.id, client, now) < code.max_uses_per_client


@dataclass(frozen=True, slots=True)
class NewCode:
    code: str
    percent: int | None = None
    amount: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    max_uses: int | None = None
    max_uses_per_client: int | None = None
    hall_ids: Sequence[int] | None = None
    weekdays: Sequence[int] | None = None
    min_minutes: int | None = None


async def create_code(session: AsyncSession, new: NewCode) -> PromoCode:
    """An admin's new code; 400 `invalid_input` for a bad one, 409 `promo_exists`."""
    code = normalize(new.code)
    if not CODE.fullmatch(code):
        raise BookingRuleError("invalid_input", "A code is 3 to 32 letters A-Z, digits, - or _.")
    if (new.percent is None) == (new.amount is None):
        raise BookingRuleError("bad_discount", "Give either percent or amount.")
    if new.percent is not None and not 1 <= new.percent <= 100:
        raise BookingRuleError("bad_discount", "percent must be 1 to 100.")
    if new.amount is not None and new.amount <= 0:
        raise BookingRuleError("bad_discount", "amount must be above zero.")
    if new.valid_from and new.valid_to and new.valid_from > new.valid_to:
        raise BookingRuleError("bad_range", "valid_from is after valid_to.")
    if new.weekdays and not all(0 <= day <= 6 for day in new.weekdays):
        raise BookingRuleError("invalid_input", "weekdays are 0 (Monday) to 6 (Sunday).")
    for hall_id in new.hall_ids or []:
        if await session.get(Hall, hall_id) is None:
            raise NotFound("hall_not_found", f"Hall {hall_id} does not exist.")
    row = PromoCode(
        code=code,
        percent=new.percent,
        amount=new.amount,
        valid_from=new.valid_from,
        valid_to=new.valid_to,
        max_uses=new.max_uses,
        max_uses_per_client=new.max_uses_per_client,
        hall_ids=sorted(set(new.hall_ids)) if new.hall_ids else None,
        weekdays=sorted(set(new.weekdays)) if new.weekdays else None,
        min_minutes=new.min_minutes,
        active=True,
    )
    session.add(row)
    record_event(
        session,
        EventType.PROMO_CREATED,
        promo_code=code,
        percent=new.percent,
        amount=new.amount,
        max_uses=new.max_uses,
    )
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise SoldOut("promo_exists", f"The code {code} exists already.") from None
    return row


async def list_codes(session: AsyncSession, now: datetime) -> list[tuple[PromoCode, int]]:
    """Every code, newest first, with its uses now."""
    codes = (await session.scalars(select(PromoCode).order_by(PromoCode.id.desc()))).all()
    return [(code, await uses(session, code.id, now)) for code in codes]


async def disable_code(session: AsyncSession, code: str) -> PromoCode:
    found = await session.scalar(select(PromoCode).where(PromoCode.code == normalize(code)))
    if found is None:
        raise NotFound("promo_not_found", "There is no such promo code.")
    found.active = False
    record_event(session, EventType.PROMO_DISABLED, promo_code=found.code)
    await session.commit()
    return found
