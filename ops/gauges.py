"""Figures the database holds, read at each scrape with a few grouped counts (each an index
scan or a small table), so that every process reports the same and nothing is kept in step
by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.models import Booking, Payment, Refund
from db.outbox import Event, Notification, WebhookDelivery


class Snapshot(Collector):
    """The families read once, handed to prometheus_client's exposition as a collector."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.families


async def read_gauges(session: AsyncSession, now: datetime) -> Snapshot:
    bookings = GaugeMetricFamily("studio_bookings", "Bookings by state", labels=["status"])
    for status, count in await session.execute(
        select(Booking.status, func.count()).group_by(Booking.status)
    ):
        bookings.add_metric([status], count)

    holds = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.status == "pending_payment", Booking.hold_expires_at > now)
    )
    live_holds = GaugeMetricFamily(
        "studio_holds", "Unpaid holds still taking their slot", value=holds or 0
    )

    payments = GaugeMetricFamily(
        "studio_payments", "Payments by gateway and state", labels=["gateway", "status"]
    )
    for gateway, status, count in await session.execute(
        select(Payment.gateway, Payment.status, func.count()).group_by(
            Payment.gateway, Payment.status
        )
    ):
        payments.add_metric([gateway, status], count)

    refunds = GaugeMetricFamily(
        "studio_refunds", "Refunds by gateway and state", labels=["gateway", "status"]
    )
    for gateway, status, count in await session.execute(
        select(Payment.gateway, Refund.status, func.count())
        .join(Payment, Payment.id == Refund.payment_id)
        .group_by(Payment.gateway, Refund.status)
    ):
        refunds.add_metric([gateway, status], count)
    in_doubt = await session.scalar(
        select(func.count())
        .select_from(Refund)
        .where(Refund.status == "pending", Refund.error.is_not(None))
    )
    doubt = GaugeMetricFamily(
        "studio_refunds_in_doubt",
        "Refunds still pending after a failed attempt: retried, and perhaps to settle by hand",
        value=in_doubt or 0,
    )
    return Snapshot(
        [bookings, live_holds, payments, refunds, doubt, *await _backlog(session, now)]
    )


async def _backlog(session: AsyncSession, now: datetime) -> list[GaugeMetricFamily]:
    events, oldest = (
        await session.execute(
            select(func.count(), func.min(Event.created_at)).where(Event.processed_at.is_(None))
        )
    ).one()
    outbox = GaugeMetricFamily(
        "studio_outbox_backlog", "Events not yet turned into notifications", value=events
    )
    age = GaugeMetricFamily(
        "studio_outbox_oldest_seconds",
        "Age of the oldest event not yet relayed (0 when none)",
        value=_age(oldest, now),
    )
    waiting = await _pending_by(
        session,
        GaugeMetricFamily(
            "studio_notifications_pending",
            "Notifications waiting to be sent, by channel",
            labels=["channel"],
        ),
        Notification.channel,
        Notification.status,
    )
    hooks = await _pending_by(
        session,
        GaugeMetricFamily(
            "studio_outgoing_webhooks_pending",
            "Events not yet delivered to a subscriber of the outgoing webhooks",
            labels=["subscriber"],
        ),
        WebhookDelivery.subscriber,
        WebhookDelivery.status,
    )
    return [outbox, age, waiting, hooks]


async def _pending_by(
    session: AsyncSession,
    family: GaugeMetricFamily,
    label: InstrumentedAttribute[str],
    status: InstrumentedAttribute[str],
) -> GaugeMetricFamily:
    """Rows still `pending`, counted by one column (the family's one label)."""
    for value, count in await session.execute(
        select(label, func.count()).where(status == "pending").group_by(label)
    ):
        family.add_metric([value], count)
    return family


def _age(moment: datetime | None, now: datetime) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (now - moment).total_seconds())
