"""Gift certificates: issued by admins or bought online, spent by bookings before the
gateway, refunded back to their balance.

The balance is the sum of the certificate's ledger (db/certificates.py): its issue, the
refunds back, and each spend while its booking holds it (a live hold, or a booking that was
confirmed; `promo.holding`). So a hold that lapses or is cancelled before payment gives its
spend back with nothing to undo, just as a promo code's use. Two holds spending one balance
take turns: on PostgreSQL the certificate's row is locked (`FOR UPDATE`) before the balance
is summed; on SQLite the sum runs after the hold's first write, under the database's one
write lock.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from booking.deps import BookingDeps
from booking.domain.charges import PriceLine
from booking.errors import BookingRuleError, NotFound, SoldOut
from booking.promo import holding
from db import queries
from db.certificates import CertificateMovement, GiftCertificate
from db.models import Booking

#: No 0/O, 1/I/L, 5/S or 2/Z: a code read aloud over the phone is typed back right.
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
GROUPS, GROUP = 3, 4  # 27**12: about 2**57 codes
PLAIN = re.compile(rf"[{ALPHABET}]{{{GROUPS * GROUP}}}")
MAX_AMOUNT = 1_000_000_00

ISSUE, SPEND, REFUND = "issue", "spend", "refund"


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str = ""
    phone: str | None = None
    email: str | None = None
    telegram_id: int | None = None


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP))
    return "-".join(chars[i : i + GROUP] for i in range(0, len(chars), GROUP))


def normalize(code: str) -> str | None:
    """The stored form of a code as typed (any case, spaces or dashes), or None when it
    cannot be one."""
    plain = re.sub(r"[\s-]", "", code).upper()
    if not PLAIN.fullmatch(plain):
        return None
    return "-".join(plain[i : i + GROUP] for i in range(0, len(plain), GROUP))


async def issue(
    session: AsyncSession,
    deps: BookingDeps,
    amount: int,
    *,
    issued_by: str,
    buyer: Buyer | None = None,
    commit: bool = True,
) -> GiftCertificate:
    """A new certificate with `amount` on it, valid CERTIFICATE_VALID_DAYS from now."""
    if not 0 < amount <= MAX_AMOUNT:
        raise BookingRuleError(
            "bad_amount", "A certificate is for 0.01 to 1,000,000 rubles.", most=MAX_AMOUNT
        )
    now = deps.now()
    buyer = buyer or Buyer()
    for _ in range(5):  # a collision in 2**57 codes is as good as never; still, no 500
        certificate = GiftCertificate(
            code=new_code(),
            amount=amount,
            expires_at=now + deps.rules.certificate_valid,
            issued_by=issued_by,
            buyer_name=buyer.name,
            buyer_phone=buyer.phone,
            buyer_email=buyer.email,
            buyer_telegram_id=buyer.telegram_id,
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(certificate)
                await session.flush()
        except IntegrityError:
            continue
        session.add(
            CertificateMovement(
                certificate_id=certificate.id, kind=ISSUE, amount=amount, created_at=now
            )
        )
        if commit:
            await session.commit()
        return certificate
    raise RuntimeError("no free certificate code in five tries")


def counts(now: datetime) -> ColumnElement[bool]:
    """Movements that count in a balance: issues and refunds, spends of holding bookings."""
    return or_(CertificateMovement.kind != SPEND, and_(Booking.id.is_not(None), holding(now)))


async def balance(session: AsyncSession, certificate_id: int, now: datetime) -> int:
    stmt = (
        select(func.coalesce(func.sum(CertificateMovement.amount), 0))
        .select_from(CertificateMovement)
        .outerjoin(Booking, Booking.id == CertificateMovement.booking_id)
        .where(CertificateMovement.certificate_id == certificate_id, counts(now))
    )
    return int(await session.scalar(stmt) or 0)


async def find(session: AsyncSession, code: str) -> GiftCertificate:
    """The certificate under `code`; 404 `certificate_not_found` alike for a malformed code
    and an unknown one."""
    plain = normalize(code)
    found = None
    if plain is not None:
        found = await session.scalar(select(GiftCertificate).where(GiftCertificate.code == plain))
    if found is None:
        raise NotFound("certificate_not_found", "There is no gift certificate under this code.")
    return found


async def is_certificate(session: AsyncSession, typed: str) -> bool:
    """Whether a code typed where either kind goes (the chat's summary, the booking page's
    one field, `promo_code` of the API) is a gift certificate's, else a promo code's: the
    form of one, and one under it exists."""
    if normalize(typed) is None:
        return False
    try:
        await find(session, typed)
    except NotFound:
        return False
    return True


async def preview_spend(
    session: AsyncSession, certificate: GiftCertificate, price: int, now: datetime
) -> int:
    """What the certificate would pay of `price` now, for a price shown before the hold
    (which takes it again under its lock)."""
    return min(await balance(session, certificate.id, now), price)


async def usable(session: AsyncSession, deps: BookingDeps, code: str) -> GiftCertificate:
    """The certificate a hold asks to pay from, if it can pay now (its balance is taken
    later, under the lock): 400 `certificate_invalid` or `certificate_expired`, 409
    `certificate_empty`."""
    try:
        found = await find(session, code)
    except NotFound:
        raise BookingRuleError(
            "certificate_invalid", "There is no gift certificate under this code."
        ) from None
    now = deps.now()
    if found.expires_at <= now:
        raise BookingRuleError("certificate_expired", "The gift certificate has expired.")
    if await balance(session, found.id, now) <= 0:
        raise SoldOut("certificate_empty", "The gift certificate has nothing left on it.")
    return found


async def claim(
    session: AsyncSession, certificate: GiftCertificate, price: int, now: datetime
) -> int:
    """What the certificate pays of `price`, summed under its lock: call after the hold's
    first write. 409 `certificate_empty` when another booking took the balance meanwhile."""
    if queries.is_postgres(session):
        await session.execute(
            select(GiftCertificate.id)
            .where(GiftCertificate.id == certificate.id)
            .with_for_update()
        )
    left = await balance(session, certificate.id, now)
    if left <= 0:
        raise SoldOut("certificate_empty", "The gift certificate has nothing left on it.")
    return min(left, price)


async def still_covered(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Whether the certificate a lapsed hold paid from can still pay its part, so that a
    late payment may revive it: the balance may have gone to other bookings meanwhile."""
    certificate_id, owed = await spent_on(session, booking.id)
    if certificate_id is None or owed <= 0:
        return True
    if queries.is_postgres(session):
        await session.execute(
            select(GiftCertificate.id)
            .where(GiftCertificate.id == certificate_id)
            .with_for_update()
        )
    return await balance(session, certificate_id, now) >= owed


def price_line(certificate: GiftCertificate, amount: int) -> PriceLine:
    """The booking's line of what the certificate pays (negative), titled where shown."""
    return PriceLine("certificate", "", "", -amount, {"code": certificate.code})


def record_spend(
    session: AsyncSession, booking: Booking, certificate: GiftCertificate, amount: int
) -> None:
    session.add(
        CertificateMovement(
            certificate_id=certificate.id,
            kind=SPEND,
            amount=-amount,
            booking_id=booking.id,
            created_at=booking.created_at,
        )
    )


async def spend_less(session: AsyncSession, booking: Booking, amount: int, now: datetime) -> None:
    """A booking changed to a price below what its certificate paid spends `amount` less of
    it: a spend back (+), so its certificate line stays what the ledger spent on it and a
    later cancellation gives back only what is still spent."""
    certificate_id, _ = await spent_on(session, booking.id)
    if certificate_id is None or amount <= 0:
        return
    session.add(
        CertificateMovement(
            certificate_id=certificate_id,
            kind=SPEND,
            amount=amount,
            booking_id=booking.id,
            created_at=now,
        )
    )


async def spent_on(session: AsyncSession, booking_id: int) -> tuple[int | None, int]:
    """The certificate a booking paid from and what it still owes back to it: its spend
    less what was refunded already (0 and None for a booking without one)."""
    stmt = select(
        CertificateMovement.certificate_id,
        func.sum(case((CertificateMovement.kind == SPEND, -CertificateMovement.amount), else_=0)),
        func.sum(case((CertificateMovement.kind == REFUND, CertificateMovement.amount), else_=0)),
    ).where(CertificateMovement.booking_id == booking_id)
    row = (await session.execute(stmt.group_by(CertificateMovement.certificate_id))).first()
    if row is None:
        return None, 0
    return int(row[0]), int(row[1] or 0) - int(row[2] or 0)


async def refund_back(session: AsyncSession, booking: Booking, amount: int, now: datetime) -> int:
    """Give `amount` (at most what the booking still has of it) back to the certificate the
    booking paid from, in the caller's transaction; returns what went back."""
    certificate_id, owed = await spent_on(session, booking.id)
    amount = min(amount, owed)
    if certificate_id is None or amount <= 0:
        return 0
    session.add(
        CertificateMovement(
            certificate_id=certificate_id,
            kind=REFUND,
            amount=amount,
            booking_id=booking.id,
            created_at=now,
        )
    )
    return amount
