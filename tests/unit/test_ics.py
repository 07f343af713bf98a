"""notifications.ics: the .ics produced for a booking, parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from notifications.ics import PRODID, booking_ics

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2025, 3, 14, 12, 0, tzinfo=MSK)  # 09:00 UTC
END = datetime(2025, 3, 14, 14, 30, tzinfo=MSK)
CREATED = datetime(2025, 3, 1, 10, 15, 30, tzinfo=UTC)
STAMP = datetime(2025, 3, 1, 10, 16, tzinfo=UTC)
SUMMARY = "Съёмка в зале «Лофт»"
LONG_DESCRIPTION = (
    "Бронь №42: зал «Лофт», 2,5 часа; предоплата 50 %.\n"
    "Пожалуйста, приходите за 10 минут до начала — гримёрка открыта с 11:30. " * 4
).strip()


def make(**overrides: object) -> bytes:
    kwargs: dict[str, object] = {
        "uid": "booking-42@studio.example",
        "summary": SUMMARY,
        "description": LONG_DESCRIPTION,
        "location": "Москва, ул. Станкостроителей, 5",
        "start": START,
        "end": END,
        "created": CREATED,
        "stamp": STAMP,
    }
    kwargs.update(overrides)
    return booking_ics(**kwargs)  # type: ignore[arg-type]


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(calendar: Calendar) -> Any:
    """The single VEVENT (typed loosely: tests read properties of many types)."""
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_calendar_headers() -> None:
    calendar = parse(make())
    assert str(calendar["PRODID"]) == PRODID == "-//Studio Booking//RU"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_event_fields_round_trip() -> None:
    event = only_event(parse(make(sequence=3)))
    assert str(event["UID"]) == "booking-42@studio.example"
    assert str(event["SUMMARY"]) == SUMMARY
    assert str(event["DESCRIPTION"]) == LONG_DESCRIPTION
    assert str(event["LOCATION"]) == "Москва, ул. Станкостроителей, 5"
    assert int(event["SEQUENCE"]) == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "ORGANIZER" not in event


def test_times_are_written_in_utc() -> None:
    data = make()
    text = data.decode("utf-8")
    assert "DTSTART:20250314T090000Z\r\n" in text
    assert "DTEND:20250314T113000Z\r\n" in text
    assert "CREATED:20250301T101530Z\r\n" in text
    assert "DTSTAMP:20250301T101600Z\r\n" in text
    assert "VTIMEZONE" not in text

    event = only_event(parse(data))
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert start == START and end == END
    assert start.utcoffset() == timedelta(0)
    assert event["CREATED"].dt == CREATED


def test_other_zones_and_microseconds_normalised() -> None:
    plus5 = timezone(timedelta(hours=5))
    event = only_event(
        parse(
            make(
                start=datetime(2025, 6, 1, 15, 0, 0, 999_999, tzinfo=plus5),
                end=datetime(2025, 6, 1, 16, 0, tzinfo=plus5),
            )
        )
    )
    assert event["DTSTART"].dt == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2025, 6, 1, 11, 0, tzinfo=UTC)


def test_display_alarm_two_hours_before() -> None:
    event = only_event(parse(make()))
    alarms = event.walk("VALARM")
    assert len(alarms) == 1
    alarm = alarms[0]
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(hours=-2)
    assert str(alarm["DESCRIPTION"]) == SUMMARY
    assert "TRIGGER:-PT2H\r\n" in make().decode()


def test_long_lines_are_folded_at_75_octets() -> None:
    data = make()
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert any(line.startswith(b" ") for line in lines), "the description should be folded"
    # Folding never splits a multi-byte UTF-8 character.
    for line in lines:
        line.decode("utf-8")
    # Unfolded, the escaped text is intact (commas, semicolons and newlines escaped).
    unfolded = data.replace(b"\r\n ", b"").decode()
    assert "Бронь №42: зал «Лофт»\\, 2\\,5 часа\\; предоплата 50 %.\\n" in unfolded


def test_organizer() -> None:
    event = only_event(parse(make(organizer_email="studio@example.com")))
    assert str(event["ORGANIZER"]) == "mailto:studio@example.com"


def test_cancelled_variant() -> None:
    calendar = parse(make(cancelled=True, sequence=1))
    assert str(calendar["METHOD"]) == "CANCEL"
    event = only_event(calendar)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "booking-42@studio.example"
    assert int(event["SEQUENCE"]) == 1
    assert event["DTSTART"].dt == START
    assert event.walk("VALARM") == []


def test_empty_description_and_location_are_omitted() -> None:
    event = only_event(parse(make(description="", location="")))
    assert "DESCRIPTION" not in event
    assert "LOCATION" not in event


def test_deterministic_with_explicit_stamp() -> None:
    assert make() == make()


@pytest.mark.parametrize("field", ["start", "end", "created", "stamp"])
def test_naive_datetimes_rejected(field: str) -> None:
    naive = {
        "start": datetime(2025, 3, 14, 12, 0),
        "end": datetime(2025, 3, 14, 14, 0),
        "created": datetime(2025, 3, 1),
        "stamp": datetime(2025, 3, 1),
    }[field]
    with pytest.raises(ValueError, match=f"{field} must be timezone-aware"):
        make(**{field: naive})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end": START}, "end must be after start"),
        ({"end": START - timedelta(hours=1)}, "end must be after start"),
        ({"sequence": -1}, "sequence"),
        ({"uid": "  "}, "uid"),
        ({"summary": ""}, "summary"),
        ({"organizer_email": "not an address"}, "organizer_email"),
        ({"organizer_email": "a@b\r\nX-EVIL:1"}, "organizer_email"),
    ],
)
def test_invalid_input_rejected(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(**overrides)
