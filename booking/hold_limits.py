"""At most MAX_ACTIVE_HOLDS live holds per client and per address, checked in the hold's own
transaction.

A hold takes its slot for HOLD_MINUTES without any money: without a limit, one script with
one name, phone and address can hold the whole calendar and repeat it as the holds lapse.
A client is each of what identifies them: their Telegram account, their phone (normalised),
their e-mail (compared without case), and for the website the address the request came
from (see api/limits.py `address_key`). Each of them counts on its own, whichever way the
hold was made; a hold the studio makes itself (source `admin`) is not limited.

Two holds of one client at the same moment must not both find one free place: on
PostgreSQL the transaction first takes a transaction-scoped advisory lock for each of the
client's identities (in one global order, so two of them cannot wait on each other); on
SQLite the count runs after the client's row is written, under the one write lock the
database has.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from booking.domain.states import BookingStatus
from booking.errors import TooManyHolds
from db import queries
from db.models import Booking, Client


@dataclass(frozen=True, slots=True)
class Identities:
    """What names one client for the limit; None where the request does not say."""

    telegram_id: int | None = None
    phone: str | None = None  # normalised, as stored
    email: str | None = None  # lower case
    address: str | None = None  # api.limits.address_key

    def lock_keys(self) -> list[str]:
        """One text per identity given, in a fixed order for the locks."""
        given = (
            ("telegram", self.telegram_id),
            ("phone", self.phone),
            ("email", self.email),
            ("address", self.address),
        )
        return sorted(f"{kind}:{value}" for kind, value in given if value is not None)


async def lock_identities(session: AsyncSession, who: Identities) -> None:
    """Serialise the holds of one client until this transaction ends (PostgreSQL)."""
    if not queries.is_postgres(session):
        return  # SQLite: the write that comes before the count serialises them
    for key in who.lock_keys():
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_number(key)}
        )


def _lock_number(key: str) -> int:
    """A stable 64-bit number for the key (PostgreSQL's advisory locks are numbered)."""
    digest = hashlib.sha256(f"studio:hold:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def check_hold_limit(
    session: AsyncSession, who: Identities, limit: int, now: datetime
) -> None:
    """Raise TooManyHolds when any of the client's identities has `limit` live holds.

    Call it after `lock_identities` and after the transaction's first write."""
    conditions: list[Any] = []
    if who.telegram_id is not None:
        conditions.append(Client.telegram_id == who.telegram_id)
    if who.phone is not None:
        conditions.append(Client.phone == who.phone)
    if who.email is not None:
        conditions.append(func.lower(Client.email) == who.email)
    if who.address is not None:
        conditions.append(Booking.client_address == who.address)
    if not conditions:
        return
    stmt = (
        select(
            Booking.hold_expires_at,
            Booking.client_address,
            Client.telegram_id,
            Client.phone,
            func.lower(Client.email),
        )
        .join(Client, Client.id == Booking.client_id)
        .where(
            Booking.status == BookingStatus.PENDING_PAYMENT,
            Booking.hold_expires_at > now,
            or_(*conditions),
        )
    )
    rows = (await session.execute(stmt)).all()
    if len(rows) < limit:
        return
    lapse_at = _first_free_place(rows, who, limit)
    if lapse_at is not None:
        raise TooManyHolds(
            "too_many_holds",
            f"There are already {limit} unpaid bookings from this client or address; "
            "pay for one or cancel it, or wait until it lapses.",
            retry_after=max(1, math.ceil((lapse_at - now).total_seconds())),
        )


def _first_free_place(rows: Sequence[Any], who: Identities, limit: int) -> datetime | None:
    """When every identity at its limit is under it again; None if none is at it."""
    wanted = (who.address, who.telegram_id, who.phone, who.email)
    waits: list[datetime] = []
    for column, value in enumerate(wanted, start=1):
        if value is None:
            continue
        lapses = sorted(row[0] for row in rows if row[column] == value)
        if len(lapses) >= limit:
            waits.append(lapses[len(lapses) - limit])
    return max(waits) if waits else None
