"""A moved booking's mail: the calendar file again, same UID and a higher SEQUENCE, the new
time; the admins are told who moved it and from where; a cancellation after it goes higher."""

from __future__ import annotations

import pytest

from tests.fakes.smtp_server import FakeSmtpServer
from tests.support import Running, moscow

pytestmark = pytest.mark.email


def calendar_files(smtp: FakeSmtpServer, to: str) -> list[bytes]:
    return [
        bytes(part.get_payload(decode=True))
        for m in smtp.messages
        if m.rcpt_tos == (to,)
        for part in m.message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]


async def test_a_move_resends_the_calendar_event_and_tells_the_admins(
    running: Running, smtp: FakeSmtpServer
) -> None:
    api = running.api
    booking = await api.booked(email="anna@example.com", mode="full")
    await api.checkout(await api.start_payment(booking), "succeeded")
    await running.jobs.relay()
    await running.jobs.deliver()
    status, body = await api.call(
        "POST",
        f"/api/bookings/{booking['id']}/reschedule",
        json={"start": moscow(3, 16), "end": moscow(3, 18)},
        token=booking["access_token"],
    )
    assert status == 200, body
    await running.jobs.relay()
    await running.jobs.deliver()
    await api.cancel(booking)
    await running.jobs.relay()
    await running.jobs.deliver()
    to_client = [m for m in smtp.messages if m.rcpt_tos == ("anna@example.com",)]
    subjects = [m.message["Subject"] for m in to_client]
    assert f"Бронь {booking['code']} перенесена" in subjects
    confirmed, moved, cancelled = calendar_files(smtp, "anna@example.com")
    assert b"SEQUENCE:0" in confirmed and b"DTSTART:20261203T090000Z" in confirmed
    assert b"SEQUENCE:1" in moved and b"DTSTART:20261203T130000Z" in moved
    assert b"METHOD:PUBLISH" in moved
    assert b"SEQUENCE:2" in cancelled and b"METHOD:CANCEL" in cancelled
    uids = {
        line
        for ics in (confirmed, moved, cancelled)
        for line in ics.splitlines()
        if line.startswith(b"UID:")
    }
    assert len(uids) == 1
    to_admins = [
        m.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        for m in smtp.messages
        if m.rcpt_tos == ("owner@studio.test",)
    ]
    assert any(
        f"Бронь {booking['code']} перенесена клиентом" in text and "было " in text
        for text in to_admins
    ), to_admins


async def test_two_moves_in_a_row_are_each_told_as_they_happened(
    running: Running, smtp: FakeSmtpServer
) -> None:
    """The notices are written after both moves: each still names its own times."""
    api = running.api
    booking = await api.booked(email="anna@example.com", mode="full")
    await api.checkout(await api.start_payment(booking), "succeeded")
    for hour in (16, 18):
        status, body = await api.admin(
            "POST",
            f"/api/bookings/{booking['id']}/reschedule",
            json={"start": moscow(3, hour), "end": moscow(3, hour + 2)},
        )
        assert status == 200, body
    await running.jobs.relay()
    await running.jobs.deliver()
    to_admins = [
        m.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        for m in smtp.messages
        if m.rcpt_tos == ("owner@studio.test",)
    ]
    to_admins = [text for text in to_admins if "перенесена" in text]
    assert len(to_admins) == 2, to_admins
    first, second = sorted(to_admins, key=lambda text: "было 03.12.2026 12:00" not in text)
    assert "теперь Белый зал, 03.12.2026 16:00–18:00" in first, first
    assert "было 03.12.2026 16:00–18:00" in second, second
    assert "теперь Белый зал, 03.12.2026 18:00–20:00" in second, second
