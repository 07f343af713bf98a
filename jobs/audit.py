"""The daily money audit: the admins hear when the ledger and the bookings disagree."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.audit import AuditReport, audit_ledger, summary
from booking.deps import BookingDeps
from booking.events import EventType, record_event
from ops.metrics import AUDIT_RUNS

log = logging.getLogger(__name__)


async def audit_job(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> AuditReport:
    """Run the audit; if something does not hold, record the event that tells the admins
    (once a day: each process that runs it writes one, their notices share a key)."""
    now = deps.now()
    async with sessionmaker() as session:
        report = await audit_ledger(session, now)
        AUDIT_RUNS.labels("ok" if report.ok else "failed").inc()
        if report.ok:
            log.info("money audit: everything holds", extra=report.sizes)
            return report
        day = now.astimezone(deps.rules.tz).date().isoformat()
        record_event(
            session,
            EventType.AUDIT_FAILED,
            day=day,
            count=len(report.findings),
            checks=summary(report),
        )
        await session.commit()
    log.warning("money audit: %d problem(s)\n%s", len(report.findings), report.render().rstrip())
    return report
