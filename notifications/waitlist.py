"""Time freed on a day someone waits for: the first ones waiting get one message each, with
a button (Telegram) or a link (e-mail) to book it.

Called by the outbox renderer for the events that free a slot. Each message's dedupe key
names the wait and the freed slot (hall and start), so a slot freed twice (a hold lapses,
is taken again, is cancelled) reaches nobody twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.waitlist import first_waiting
from db.outbox import Notification
from i18n.catalogs import N_, use_language
from i18n.catalogs import gettext as _
from i18n.formats import date_with_year
from notifications.queueing import add_notification

FREED = N_("🔔 Time has freed up: {hall}, {date}. Book it before someone else does.")
FREED_MAIL = N_(
    "Time has freed up: {hall}, {date}.\nBook it before someone else does: {link}\n\n"
    "You asked to be told when time frees up on this day. This is the only message about "
    "this time."
)
SUBJECT = N_("Time has freed up: {hall}, {date}")
BOOK = N_("📅 Book")


def day_action(hall_id: int, ordinal: int) -> str:
    """The menu action of the message's button: that day's free starts (handlers/waitlist)."""
    return f"day-{hall_id}-{ordinal}"


async def waitlist_notices(
    session: AsyncSession,
    deps: BookingDeps,
    *,
    telegram: bool,
    email: bool,
    hall_id: int,
    start: datetime,
    event_id: int | None,
) -> list[Notification]:
    """Queue the messages to those first waiting for `start`'s day, if it has free time."""
    try:
        hall, day, entries = await first_waiting(session, deps, hall_id, start)
    except DomainError:  # the hall is gone
        return []
    slot = int(start.timestamp()) // 60
    link = f"{deps.base_url.rstrip('/')}/book/{hall.slug}"
    out: list[Notification] = []
    for entry in entries:
        with use_language(entry.language) as lang:
            name = (hall.name_en or hall.name) if lang == "en" else hall.name
            values = {"hall": name, "date": date_with_year(day), "link": link}
            if telegram and entry.telegram_id is not None:
                item = await add_notification(
                    session,
                    dedupe_key=f"wait:{entry.id}:{hall_id}:{slot}",
                    channel="telegram",
                    recipient=str(entry.telegram_id),
                    body=_(FREED).format(**values),
                    event_id=event_id,
                    extra={"menu_button": [_(BOOK), day_action(hall_id, day.toordinal())]},
                )
            elif email and entry.email:
                item = await add_notification(
                    session,
                    dedupe_key=f"wait:{entry.id}:{hall_id}:{slot}",
                    channel="email",
                    recipient=entry.email,
                    subject=_(SUBJECT).format(**values),
                    body=_(FREED_MAIL).format(**values),
                    event_id=event_id,
                )
            else:
                item = None
        out += [item] if item else []
    return out
