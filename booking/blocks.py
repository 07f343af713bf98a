"""Blocked clients: admins block a client by phone, Telegram id or one of their booking codes;
a blocked client cannot hold a slot by any channel (the bot, the API, the booking page and the
Mini App all hold through booking.holds) and is told to call the studio. Bookings they already
have are not touched.

A block is kept per identity (db.blocks): a client known by a phone and a Telegram id gets
both blocked, so a booking from the website with the same phone is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from booking.deps import BookingDeps
from booking.errors import BookingRuleError, Forbidden, NotFound
from booking.events import EventType, acting, record_event
from db import queries
from db.blocks import ClientBlock
from db.models import Client

MAX_TELEGRAM_ID = 2**53


@dataclass(slots=True)
class Identities:
    """The phones and Telegram ids one client is known by."""

    phones: set[str] = field(default_factory=set)
    telegram_ids: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.phones or self.telegram_ids)

    def payload(self) -> dict[str, list[str] | list[int]]:
        return {"phones": sorted(self.phones), "telegram_ids": sorted(self.telegram_ids)}


@dataclass(frozen=True, slots=True)
class ClientRef:
    """How an admin names a client: exactly one of the three."""

    phone: str | None = None
    telegram_id: int | None = None
    booking_code: str | None = None

    @classmethod
    def parse(cls, token: str) -> ClientRef:
        """A chat argument: "+7 999…" or 8XXXXXXXXXX a phone, digits a Telegram id, else a
        booking code."""
        token = token.strip()
        digits = token.lstrip("+")
        if token.startswith("+") or (len(digits) == 11 and digits[:1] in ("7", "8")):
            return cls(phone=token)
        if digits.isascii() and digits.isdigit():
            return cls(telegram_id=int(digits))
        return cls(booking_code=token)


async def ref_from_chat(session: AsyncSession, token: str) -> ClientRef:
    """`ClientRef.parse`, except that digits naming a booking code are that booking (codes
    are drawn from letters and digits, and a rare one has digits only)."""
    ref = ClientRef.parse(token)
    if ref.telegram_id is not None and await queries.booking_by_code(session, token.strip()):
        return ClientRef(booking_code=token.strip())
    return ref


def _phone(raw: str) -> str:
    from booking.holds import normalize_phone  # holds imports this module

    return normalize_phone(raw)


async def identities_of(session: AsyncSession, ref: ClientRef) -> Identities:
    """Every identity of the client the admin named; 404 for an unknown booking code."""
    given = [x for x in (ref.phone, ref.telegram_id, ref.booking_code) if x is not None]
    if len(given) != 1:
        raise BookingRuleError(
            "invalid_input", "Give exactly one of phone, telegram_id, booking_code."
        )
    who = Identities()
    if ref.phone is not None:
        who.phones.add(_phone(ref.phone))
    elif ref.telegram_id is not None:
        if not 0 < ref.telegram_id < MAX_TELEGRAM_ID:
            raise BookingRuleError("invalid_input", "Not a Telegram id.")
        who.telegram_ids.add(ref.telegram_id)
    else:
        booking = await queries.booking_by_code(session, str(ref.booking_code).strip())
        if booking is None:
            raise NotFound("booking_not_found", "No booking with this code.")
        client = await session.get(Client, booking.client_id)
        assert client is not None
        _add(who, client)
        if not who:
            raise BookingRuleError(
                "no_identity", "The booking's client gave neither a phone nor Telegram."
            )
    await _widen(session, who)
    return who


def _add(who: Identities, client: Client) -> None:
    if client.phone:
        who.phones.add(client.phone)
    if client.telegram_id is not None:
        who.telegram_ids.add(client.telegram_id)


async def _widen(session: AsyncSession, who: Identities) -> None:
    """The Telegram client of a phone, and the phone of a Telegram client, count too."""
    stmt = select(Client).where(
        or_(
            Client.telegram_id.in_(who.telegram_ids),
            Client.phone.in_(who.phones) & Client.telegram_id.is_not(None),
        )
    )
    for client in (await session.scalars(stmt)).all():
        _add(who, client)


async def block(
    session: AsyncSession, deps: BookingDeps, ref: ClientRef, reason: str = ""
) -> Identities:
    """Block the client's every identity (one already blocked stays as it was)."""
    who = await identities_of(session, ref)
    admin_id = (acting.get() or {}).get("admin_id")
    rows = [ClientBlock(phone=p) for p in sorted(who.phones)]
    rows += [ClientBlock(telegram_id=t) for t in sorted(who.telegram_ids)]
    for row in rows:
        row.reason, row.admin_id, row.created_at = reason[:500], admin_id, deps.now()
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # blocked already
    record_event(
        session,
        EventType.CLIENT_BLOCKED,
        reason=reason[:500],
        phones=sorted(who.phones),
        telegram_ids=sorted(who.telegram_ids),
    )
    await session.commit()
    return who


async def unblock(session: AsyncSession, deps: BookingDeps, ref: ClientRef) -> Identities:
    """Lift the blocks of the client's identities; 404 `not_blocked` when there were none."""
    who = await identities_of(session, ref)
    result = await session.execute(
        delete(ClientBlock).where(_matching(who.phones, who.telegram_ids))
    )
    if not getattr(result, "rowcount", 0):
        await session.rollback()
        raise NotFound("not_blocked", "This client is not blocked.")
    record_event(
        session,
        EventType.CLIENT_UNBLOCKED,
        phones=sorted(who.phones),
        telegram_ids=sorted(who.telegram_ids),
    )
    await session.commit()
    return who


def _matching(phones: set[str], telegram_ids: set[int]) -> ColumnElement[bool]:
    return or_(ClientBlock.phone.in_(phones), ClientBlock.telegram_id.in_(telegram_ids))


async def is_blocked(
    session: AsyncSession, *, phone: str | None = None, telegram_id: int | None = None
) -> bool:
    phones = {phone} if phone else set()
    ids = {telegram_id} if telegram_id is not None else set()
    if not phones and not ids:
        return False
    found = await session.scalar(select(ClientBlock.id).where(_matching(phones, ids)).limit(1))
    return found is not None


async def is_blocked_in_chat(session: AsyncSession, telegram_id: int) -> bool:
    """A Telegram user blocked by their id, or by the phone they gave the bot."""
    client = await queries.client_by_telegram(session, telegram_id)
    phone = client.phone if client is not None else None
    return await is_blocked(session, phone=phone, telegram_id=telegram_id)


async def check_not_blocked(
    session: AsyncSession,
    deps: BookingDeps,
    *,
    phone: str | None = None,
    telegram_id: int | None = None,
) -> None:
    """Refuse (403 `client_blocked`) a blocked client, telling them to call the studio."""
    if await is_blocked(session, phone=phone, telegram_id=telegram_id):
        call = f" at {deps.studio_phone}" if deps.studio_phone else ""
        raise Forbidden(
            "client_blocked",
            f"Online booking is not available for you; please call the studio{call}.",
            studio_phone=deps.studio_phone,
        )
