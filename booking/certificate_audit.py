"""The gift certificates' part of the money audit (booking/audit.py), read-only.

What must hold: each certificate was issued once for its amount; no balance is below zero
(the ledger's sum, spends counted while their bookings hold them); what a booking's
`certificate` price line says it paid is what the ledger spent on it; no booking gave back
to a certificate more than it spent of it; a certificate bought online has its one paid
order of its amount, and every paid order its certificate.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.certificate_order_checks import stuck_orders
from booking.certificates import ISSUE, REFUND, SPEND, counts
from booking.pricing import certificate_paid
from db.certificates import CertificateMovement, CertificateOrder, GiftCertificate
from db.models import Booking
from payments.base import PAID_STATUSES

CHECKS = {
    "certificate_issue": "a certificate not issued once for its amount",
    "certificate_overspent": "a certificate's balance below zero",
    "certificate_spend": "a booking's certificate line is not what the ledger spent",
    "certificate_refund": "more given back to a certificate than the booking spent",
    "certificate_purchase": "a certificate bought without its paid order, or paid for and "
    "not issued",
    "certificate_order_stuck": "a certificate order stuck past its gateway's lifetime, admins "
    "not told",
}

#: (check, booking code or None, the line a person reads)
Problem = tuple[str, str | None, str]


def _rub(kopecks: int) -> str:
    return f"{kopecks / 100:.2f} RUB"


async def certificate_problems(session: AsyncSession, now: datetime) -> list[Problem]:
    out: list[Problem] = []
    issued = select(
        GiftCertificate.code,
        GiftCertificate.amount,
        func.count(CertificateMovement.id),
        func.coalesce(func.sum(CertificateMovement.amount), 0),
    ).outerjoin(
        CertificateMovement,
        (CertificateMovement.certificate_id == GiftCertificate.id)
        & (CertificateMovement.kind == ISSUE),
    )
    for code, amount, n, total in await session.execute(issued.group_by(GiftCertificate.id)):
        if n != 1 or total != amount:
            out.append(
                (
                    "certificate_issue",
                    None,
                    f"certificate {code} of {_rub(amount)}: {n} issue(s) for {_rub(int(total))}",
                )  # fmt: skip
            )
    balances = (
        select(GiftCertificate.code, func.sum(CertificateMovement.amount))
        .join(CertificateMovement, CertificateMovement.certificate_id == GiftCertificate.id)
        .outerjoin(Booking, Booking.id == CertificateMovement.booking_id)
        .where(counts(now))
        .group_by(GiftCertificate.code)
    )
    for code, left in await session.execute(balances):
        if int(left) < 0:
            out.append(("certificate_overspent", None, f"certificate {code}: {_rub(int(left))}"))
    out.extend(await _by_booking(session))
    out.extend(await _purchases(session))
    out.extend(
        (
            "certificate_order_stuck",
            None,
            f"certificate order {order.id} ({order.gateway}, {_rub(order.amount)}) waits "
            f"since {order.created_at:%Y-%m-%d %H:%M} UTC and no admin was told",
        )
        for order in await stuck_orders(session, now)
    )
    return out


async def _purchases(session: AsyncSession) -> list[Problem]:
    """Money in for certificates bought online against the certificates issued for it."""
    out: list[Problem] = []
    rows = await session.execute(
        select(
            GiftCertificate.code,
            GiftCertificate.amount,
            GiftCertificate.issued_by,
            CertificateOrder.id,
            CertificateOrder.amount,
            CertificateOrder.status,
        ).outerjoin(CertificateOrder, CertificateOrder.certificate_id == GiftCertificate.id)
    )
    for code, amount, issued_by, order_id, paid, status in rows:
        bought = issued_by == "purchase"
        if bought and (order_id is None or status not in PAID_STATUSES or paid != amount):
            what = "no order" if order_id is None else f"order {order_id} {status} {_rub(paid)}"
            out.append(("certificate_purchase", None, f"certificate {code}: bought, {what}"))
        elif not bought and order_id is not None:
            out.append(("certificate_purchase", None, f"certificate {code}: order {order_id}"))
    unissued = select(CertificateOrder.id, CertificateOrder.amount).where(
        CertificateOrder.status.in_([str(s) for s in PAID_STATUSES]),
        CertificateOrder.certificate_id.is_(None),
    )
    for order_id, paid in await session.execute(unissued):
        out.append(
            ("certificate_purchase", None, f"order {order_id}: {_rub(paid)} paid, no certificate")
        )
    return out


async def _by_booking(session: AsyncSession) -> list[Problem]:
    """Each booking's spend and refunds against its price line."""
    # Net of spends given back when a change made the booking cheaper than its certificate.
    spent = -func.sum(CertificateMovement.amount).filter(CertificateMovement.kind == SPEND)
    back = func.sum(CertificateMovement.amount).filter(CertificateMovement.kind == REFUND)
    rows = await session.execute(
        select(Booking, func.coalesce(spent, 0), func.coalesce(back, 0))
        .join(CertificateMovement, CertificateMovement.booking_id == Booking.id)
        .group_by(Booking.id)
    )
    out: list[Problem] = []
    for booking, spend, refunded in rows:
        line = certificate_paid(booking)
        if line != spend:
            out.append(
                (
                    "certificate_spend",
                    booking.code,
                    f"booking {booking.code}: the line says "
                    f"{_rub(line)}, the ledger spent {_rub(int(spend))}",
                )  # fmt: skip
            )
        if refunded > spend:
            out.append(
                (
                    "certificate_refund",
                    booking.code,
                    f"booking {booking.code}: "
                    f"{_rub(int(refunded))} back of {_rub(int(spend))} spent",
                )  # fmt: skip
            )
    return out
