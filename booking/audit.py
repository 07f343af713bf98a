"""The money audit: the ledger checked against the bookings, read-only.

What must hold, whatever crashed or raced on the way:
- a booking's `paid` is the sum of the paid payments counted in it, and its `refunded` the
  sum of those payments' succeeded refunds;
- no payment's refunds (made or being made) exceed the money it took, its `refunded` is
  their sum, and a paid payment that counts in no booking is being returned in full;
- every payment belongs to a booking, and every refund to its payment's booking;
- a confirmed booking was paid, confirmed by an admin's hand, or costs nothing;
- a booking's price lines add up to its total, as made and after every move, extension
  or overtime;
- no two live bookings of a hall overlap, their buffers included;
- no payment waits for its gateway past the gateway's lifetime without admins being told;
- gift certificates' ledgers hold (booking/certificate_audit.py).

`main.py audit` prints the report and exits non-zero when something does not hold; a daily
job (jobs/audit.py) tells the admins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking.certificate_audit import CHECKS as CERTIFICATE_CHECKS
from booking.certificate_audit import certificate_problems
from db import ledger
from payments.base import PAID_STATUSES, PAYMENT_LIFETIME, STUCK_GRACE, stuck_before

#: Each check's name, as the report and the admins' notice group the findings.
CHECKS = {
    "paid": "paid is not the sum of the booking's payments",
    "refunded": "refunded is not the sum of the booking's refunds",
    "refund_above_payment": "refunds above what the payment took",
    "payment_refunded": "a payment's refunded is not the sum of its refunds",
    "unused_payment": "money that counts in no booking and is not being returned",
    "orphan": "a payment or refund without its booking",
    "unpaid_confirmed": "confirmed with nothing paid, no admin's confirmation and a price",
    "price_lines": "a booking's price lines do not add up to its total",
    "overlap": "two live bookings of a hall overlap",
    "stuck_payment": "a payment stuck past its gateway's lifetime, admins not told",
    **CERTIFICATE_CHECKS,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that does not hold: which check, the booking it concerns, and a line."""

    check: str
    booking: str | None
    text: str


@dataclass(slots=True)
class AuditReport:
    findings: list[Finding] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def by_check(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for finding in self.findings:
            grouped.setdefault(finding.check, []).append(finding)
        return grouped

    def render(self) -> str:
        """The report a person reads: a summary line, then the findings by check."""
        checked = ", ".join(f"{count} {name}" for name, count in self.sizes.items())
        if self.ok:
            return f"ledger audit: everything holds ({checked} checked)\n"
        lines = [f"ledger audit: {len(self.findings)} problem(s) in {checked}"]
        for check, found in self.by_check().items():
            lines.append(f"\n{CHECKS[check]} ({len(found)}):")
            lines.extend(f"  - {finding.text}" for finding in found)
        return "\n".join(lines) + "\n"


def rub(kopecks: int) -> str:
    return f"{kopecks / 100:.2f} RUB"


async def audit_ledger(session: AsyncSession, now: datetime) -> AuditReport:
    """Run every check; nothing is written."""
    report = AuditReport(sizes=await ledger.sizes(session))
    for check in (_totals, _payments, _orphans, _unpaid_confirmed, _price_lines, _overlaps):
        report.findings.extend(await check(session))
    report.findings.extend(await _stuck(session, now))
    report.findings.extend(
        Finding(*problem) for problem in await certificate_problems(session, now)
    )
    return report


async def _totals(session: AsyncSession) -> list[Finding]:
    """A booking's `paid` and `refunded` against the payments and refunds they sum."""
    out: list[Finding] = []
    for check, rows, summed in (
        ("paid", await ledger.paid_mismatches(session), "its paid payments"),
        ("refunded", await ledger.refunded_mismatches(session), "its succeeded refunds"),
    ):
        out.extend(
            Finding(
                check,
                row.code,
                f"booking {row.code} (id {row.id}): {check} {rub(row.stored)}, {summed} add "
                f"up to {rub(row.summed)}",
            )
            for row in rows
        )
    return out


async def _payments(session: AsyncSession) -> list[Finding]:
    out = []
    for row in await ledger.payment_refund_totals(session):
        took = row.amount if row.status in PAID_STATUSES else 0
        where = f"payment {row.id} (booking id {row.booking_id}, {row.status})"
        if row.held > took or (row.smallest is not None and row.smallest <= 0):
            out.append(
                Finding(
                    "refund_above_payment",
                    None,
                    f"{where}: refunds of {rub(row.held)} (smallest "
                    f"{rub(row.smallest or 0)}) against {rub(took)} taken",
                )
            )
        if row.refunded != row.held:
            out.append(
                Finding(
                    "payment_refunded",
                    None,
                    f"{where}: refunded {rub(row.refunded)}, its refunds made or under way "
                    f"add up to {rub(row.held)}",
                )
            )
        if not row.applied and row.status in PAID_STATUSES and row.held < row.amount:
            out.append(
                Finding(
                    "unused_payment",
                    None,
                    f"{where}: took {rub(row.amount)}, counts in no booking, and only "
                    f"{rub(row.held)} of it is returned or being returned",
                )
            )
    return out


async def _orphans(session: AsyncSession) -> list[Finding]:
    out = [
        Finding("orphan", None, f"payment {row.id}: its booking id {row.booking_id} is missing")
        for row in await ledger.orphan_payments(session)
    ]
    for row in await ledger.misplaced_refunds(session):
        owner = (
            "missing"
            if row.payment_booking_id is None
            else f"of booking id {row.payment_booking_id}"
        )
        out.append(
            Finding(
                "orphan",
                None,
                f"refund {row.id} of booking id {row.booking_id}: its payment "
                f"{row.payment_id} is {owner}",
            )
        )
    return out


async def _unpaid_confirmed(session: AsyncSession) -> list[Finding]:
    candidates = await ledger.confirmed_without_money(session)
    by_hand = {
        row.booking_id
        for row in await ledger.confirmation_payloads(session, [row.id for row in candidates])
        if (row.payload or {}).get("by") == "admin"
    }
    return [
        Finding(
            "unpaid_confirmed",
            row.code,
            f"booking {row.code} (id {row.id}) is {row.status} at {rub(row.total)} with no "
            "paid payment and no admin's confirmation",
        )
        for row in candidates
        if row.id not in by_hand
    ]


async def _price_lines(session: AsyncSession) -> list[Finding]:
    out = []
    for row in await ledger.priced_bookings(session):
        if row.price_lines is None:
            continue
        summed = sum(int(line["amount"]) for line in row.price_lines)
        if summed != row.total:
            out.append(
                Finding(
                    "price_lines",
                    row.code,
                    f"booking {row.code} (id {row.id}): total {rub(row.total)}, its price "
                    f"lines add up to {rub(summed)}",
                )
            )
    return out


async def _overlaps(session: AsyncSession) -> list[Finding]:
    """One pass per hall in start order: a booking that starts before the furthest-reaching
    one before it ends (buffer included) overlaps that one."""
    out = []
    reach: Any = None
    for row in await ledger.live_spans(session):
        same_hall = reach is not None and reach.hall_id == row.hall_id
        if same_hall and row.start_at < reach.blocked_until:
            out.append(
                Finding(
                    "overlap",
                    row.code,
                    f"bookings {reach.code} (id {reach.id}) and {row.code} (id {row.id}) of "
                    f"hall {row.hall_id} overlap: {row.start_at:%Y-%m-%d %H:%M} UTC is before "
                    f"{reach.blocked_until:%Y-%m-%d %H:%M} UTC",
                )
            )
        if not same_hall or row.blocked_until > reach.blocked_until:
            reach = row
    return out


async def _stuck(session: AsyncSession, now: datetime) -> list[Finding]:
    shortest = min(PAYMENT_LIFETIME.values()) + STUCK_GRACE
    return [
        Finding(
            "stuck_payment",
            row.code,
            f"payment {row.id} of booking {row.code} ({row.gateway}, {rub(row.amount)}) "
            f"waits since {row.created_at:%Y-%m-%d %H:%M} UTC and no admin was told",
        )
        for row in await ledger.waiting_payments(session, now - shortest)
        if row.created_at < stuck_before(row.gateway, now)
    ]


def summary(report: AuditReport, limit: int = 5) -> dict[str, list[str]]:
    """For the admins' notice: per check, the bookings (or lines) concerned, at most
    `limit` each."""
    out: dict[str, list[str]] = {}
    for check, found in report.by_check().items():
        out[check] = _first(
            (finding.booking or finding.text.split(":")[0] for finding in found), limit
        )
    return out


def _first(items: Iterable[str], limit: int) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
        if len(seen) == limit:
            break
    return seen
