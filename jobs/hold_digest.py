"""The admins' digest of holds that ended unpaid: one message per admin and period
(HOLD_DIGEST_MINUTES, default an hour; 0 turns it off), none when there were none.

A studio owner wants to hear of every paid booking at once (the outbox does that), and of a
hold nobody paid for only as a lead: who tried, when, and their phone, to call back the
clients who gave up. One message a period says that; one message a hold would bury the
paid bookings under the abandoned ones, and under hundreds when a script floods the form.

Periods are aligned to the studio's midnight (the setting divides a day), and the digest of
a period is queued by the first run after it ends, whichever process makes it: its
notifications' dedupe keys name the period, so it is queued once. A period that ended while
no process was running is not digested.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.domain.states import BookingStatus
from db.models import Booking, Client, Hall
from db.outbox import Notification
from i18n.catalogs import gettext as _
from i18n.catalogs import ngettext, use_language
from notifications.channels import Channels
from notifications.queueing import add_notification, admin_languages

log = logging.getLogger(__name__)

LISTED = 10  # holds named in one digest; the rest are counted
EVERY_SECONDS = 60.0


def period_end(now: datetime, minutes: int, tz: ZoneInfo) -> datetime:
    """The end of the last whole period before `now`, periods counted from local midnight."""
    midnight = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz).astimezone(UTC)
    step = timedelta(minutes=minutes)
    return midnight + (now - midnight) // step * step


def _ended_unpaid(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Holds never paid nor confirmed whose hold lapsed, or that were let go, in [start, end);
    the studio's own holds are left out."""
    lapsed = and_(
        Booking.status.in_((BookingStatus.PENDING_PAYMENT, BookingStatus.EXPIRED)),
        Booking.hold_expires_at >= start,
        Booking.hold_expires_at < end,
    )
    let_go = and_(
        Booking.status == BookingStatus.CANCELLED,
        Booking.cancelled_at >= start,
        Booking.cancelled_at < end,
    )
    return and_(
        Booking.confirmed_at.is_(None),
        Booking.source != "admin",
        Booking.change_id.is_(None),  # time held for a change of a booking: no one's hold
        or_(lapsed, let_go),
    )


async def queue_hold_digest(
    session: AsyncSession, deps: BookingDeps, channels: Channels, minutes: int
) -> int:
    """Queue the last period's digest to every admin not yet sent it; returns how many
    messages were queued. Commits."""
    recipients = [("telegram", str(admin)) for admin in channels.admin_telegram_ids]
    recipients = recipients if channels.telegram else []
    recipients += [("email", email) for email in channels.admin_emails if channels.email]
    if not recipients or minutes <= 0:
        return 0
    tz = deps.rules.tz
    end = period_end(deps.now(), minutes, tz)
    start = end - timedelta(minutes=minutes)
    stamp = f"digest:{end:%Y%m%dT%H%M}"
    keys = {f"{stamp}:{channel}:{to}": (channel, to) for channel, to in recipients}
    sent = set(
        await session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys))
        )
    )
    if len(sent) == len(keys):
        return 0
    where = _ended_unpaid(start, end)
    count = await session.scalar(select(func.count()).select_from(Booking).where(where)) or 0
    if not count:
        return 0
    stmt = (
        select(Booking, Hall, Client)
        .join(Hall, Hall.id == Booking.hall_id)
        .join(Client, Client.id == Booking.client_id)
        .where(where)
        .order_by(Booking.start_at, Booking.id)
        .limit(LISTED)
    )
    listed = [(row[0], row[1], row[2]) for row in await session.execute(stmt)]
    languages = await admin_languages(session, channels)
    queued = 0
    for key, (channel, to) in keys.items():
        if key in sent:
            continue
        # Each admin's own language in Telegram; e-mail in Russian, as the outbox writes it.
        language = languages.get(int(to)) if channel == "telegram" else None
        with use_language(language) as lang:
            body = digest_text(lang, tz, start, end, count, listed)
            subject = _("Unpaid bookings: {count}").format(count=count)
        await add_notification(
            session, dedupe_key=key, channel=channel, recipient=to, body=body, subject=subject
        )
        queued += 1
    try:
        await session.commit()
    except IntegrityError:  # another process queued this period's digest first
        await session.rollback()
        return 0
    log.info("hold digest queued", extra={"holds": count, "messages": queued})
    return queued


def digest_text(
    lang: str,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    count: int,
    listed: Sequence[tuple[Booking, Hall, Client]],
) -> str:
    first, last = start.astimezone(tz), end.astimezone(tz)
    period = f"{first:%d.%m} {first:%H:%M}–{last:%H:%M}"
    lines = [
        ngettext(
            "🕓 {count} booking left unpaid in {period}.",
            "🕓 {count} bookings left unpaid in {period}.",
            count,
        ).format(period=period, count=count)
    ]
    for booking, hall, client in listed:
        at, until = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
        hall_name = hall.name if lang == "ru" else (hall.name_en or hall.name)
        who = " ".join(x for x in (client.name, client.phone or "") if x)
        when = f"{at:%d.%m.%Y} {at:%H:%M}–{until:%H:%M}"
        lines.append(f"• {booking.code}: {hall_name}, {when}, {who}")
    if count > len(listed):
        lines.append(_("…and {more} more.").format(more=count - len(listed)))
    return "\n".join(lines)


def hold_digest_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    channels: Channels,
    minutes: int,
) -> tuple[str, Callable[[], Awaitable[object]], float]:
    """An entry for `JobContext.extra_jobs`: (name, coroutine function, interval seconds)."""

    async def queue_digest() -> int:
        async with sessionmaker() as session:
            return await queue_hold_digest(session, deps, channels, minutes)

    return "hold_digest", queue_digest, EVERY_SECONDS
