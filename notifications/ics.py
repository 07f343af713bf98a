"""iCalendar (RFC 5545) files for booking e-mails, built with the `icalendar` library.

`booking_ics()` returns one VCALENDAR with one VEVENT. All times are written in UTC
(`...Z`), so no VTIMEZONE is needed and every client shows the slot in its own zone.
A booking update is the same UID with a higher `sequence`; a cancellation is the same UID
with `cancelled=True` (METHOD:CANCEL, STATUS:CANCELLED) and, again, a higher `sequence`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress

PRODID = "-//Studio Booking//RU"
REMINDER_BEFORE = timedelta(hours=2)

_EMAIL_SHAPE = re.compile(r"[^@\s:;,<>\"]+@[^@\s:;,<>\"]+")


def booking_ics(
    *,
    uid: str,
    summary: str,
    description: str,
    location: str,
    start: datetime,
    end: datetime,
    created: datetime,
    stamp: datetime,
    organizer_email: str | None = None,
    sequence: int = 0,
    cancelled: bool = False,
) -> bytes:
    """Serialize one booking as an .ics file (UTF-8, CRLF lines folded at 75 octets).

    `start`, `end`, `created` and `stamp` (the DTSTAMP: when the file was made, on the
    service's clock) must be timezone-aware; they are converted to UTC and truncated to
    whole seconds.
    A published event carries STATUS:CONFIRMED and a DISPLAY alarm 2 hours before the
    start; a cancelled one carries STATUS:CANCELLED and no alarm.

    Raises ValueError for naive datetimes, `end <= start`, a negative `sequence`, an empty
    `uid` or `summary`, or an `organizer_email` that is not shaped like an address.
    """
    if not uid.strip():
        raise ValueError("uid must not be empty")
    if not summary.strip():
        raise ValueError("summary must not be empty")
    if sequence < 0:
        raise ValueError("sequence must be >= 0")
    start_utc = _utc("start", start)
    end_utc = _utc("end", end)
    if end_utc <= start_utc:
        raise ValueError("end must be after start")
    created_utc = _utc("created", created)
    stamp_utc = _utc("stamp", stamp)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp_utc)
    event.add("created", created_utc)
    event.add("dtstart", start_utc)
    event.add("dtend", end_utc)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if organizer_email is not None:
        if not is_address(organizer_email):
            raise ValueError(f"organizer_email is not an e-mail address: {organizer_email!r}")
        event.add("organizer", vCalAddress(f"mailto:{organizer_email}"))

    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)

    calendar.add_component(event)
    return calendar.to_ical()


def is_address(value: str) -> bool:
    """Shaped like an e-mail address, with nothing that could break out of the property."""
    return _EMAIL_SHAPE.fullmatch(value) is not None


def _utc(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)
