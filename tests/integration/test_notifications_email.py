"""Events become e-mails through the outbox and the notification log, over real SMTP."""

from __future__ import annotations

import pytest

from booking.events import EventType, record_event
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking, Payment, Refund
from notifications.delivery import MAX_ATTEMPTS
from tests.fakes.smtp_server import FakeSmtpServer
from tests.support import Running, msk

pytestmark = pytest.mark.email


async def notifications(running: Running) -> list[dict]:
    status, body = await running.api.admin("GET", "/api/notifications?limit=500")
    assert status == 200
    return list(reversed(body["notifications"]))


async def test_confirmation_email_with_calendar_file(
    running: Running, smtp: FakeSmtpServer
) -> None:
    api = running.api
    booking = await api.booked(email="anna@example.com")
    await api.checkout(await api.start_payment(booking), "succeeded")
    await running.jobs.relay()
    await running.jobs.deliver()
    to_client = [m for m in smtp.messages if m.rcpt_tos == ("anna@example.com",)]
    subjects = [m.message["Subject"] for m in to_client]
    # Nothing before the payment (the address was not proven), the confirmation after it.
    assert subjects == [f"Бронь {booking['code']} подтверждена"]
    confirmed = to_client[0].message
    plain = confirmed.get_body(preferencelist=("plain",))
    assert plain is not None
    body = plain.get_content()
    assert "Оплачено 2\u00a0500\u00a0₽ из 5\u00a0000\u00a0₽." in body
    # A website's client has no bot: the balance is paid at the studio.
    assert "Остаток 2 500 ₽ можно оплатить в студии." in body.replace("\u00a0", " ")
    assert "в боте" not in body
    calendars = [
        p for p in confirmed.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    assert len(calendars) == 1
    ics = calendars[0].get_payload(decode=True)
    assert b"DTSTART:20261203T090000Z" in ics
    assert b"ORGANIZER:mailto:studio@test" in ics
    assert any(m.rcpt_tos == ("owner@studio.test",) for m in smtp.messages)
    log = await notifications(running)
    assert {n["status"] for n in log} == {"sent"}
    # Running the jobs again sends nothing twice.
    count = len(smtp.messages)
    await running.jobs.relay()
    await running.jobs.deliver()
    assert len(smtp.messages) == count


async def test_a_chat_booking_is_told_its_balance_can_be_paid_in_the_bot(
    running: Running, smtp: FakeSmtpServer
) -> None:
    """The balance sentence follows the booking's channel: a booking made in the chat (with
    an e-mail the client gave there) can pay the rest in the bot."""
    request = HoldRequest(
        hall_id=1,
        start=msk(3, 12),
        end=msk(3, 14),
        payment_mode=PaymentMode.PREPAY,
        client=ClientInfo(name="Анна", telegram_id=5551, email="anna@example.com"),
        source=Source.TELEGRAM,
        accept_rules=True,
    )
    async with running.sessionmaker() as session:
        held, token = await hold_booking(session, running.deps, request)
        booking = {"id": held.id, "access_token": token}
    await running.api.checkout(await running.api.start_payment(booking), "succeeded")
    await running.jobs.relay()
    await running.jobs.deliver()
    [mail] = [m.message for m in smtp.messages if m.rcpt_tos == ("anna@example.com",)]
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    said = plain.get_content().replace("\u00a0", " ")
    assert "Остаток 2 500 ₽ можно оплатить в боте или в студии." in said


async def test_a_website_booking_in_english_gets_english_emails(
    running: Running, smtp: FakeSmtpServer
) -> None:
    """`language: "en"` in POST /api/bookings: the client's e-mails (and the calendar file)
    are English, with the studio's English address; the admins' stay Russian."""
    api = running.api
    body = {
        "hall_id": 1,
        "start": "2026-12-03T12:00:00+03:00",
        "end": "2026-12-03T14:00:00+03:00",
        "client": {"name": "John", "phone": "+7 999 123-45-67", "email": "john@example.com"},
    }
    status, _ = await api.call("POST", "/api/bookings", json={**body, "language": "de"})
    assert status == 400
    status, booking = await api.call("POST", "/api/bookings", json={**body, "language": "en"})
    assert status == 201, booking
    await api.checkout(await api.start_payment(booking), "succeeded")
    await running.jobs.relay()
    await running.jobs.deliver()
    to_client = [m.message for m in smtp.messages if m.rcpt_tos == ("john@example.com",)]
    code = booking["code"]
    assert [m["Subject"] for m in to_client] == [f"Booking {code} confirmed"]  # mail once paid
    plain = to_client[0].get_body(preferencelist=("plain",))
    assert plain is not None
    assert (
        plain.get_content()
        .replace("\r\n", "\n")
        .startswith(
            f"Booking {code} is confirmed ✅\nWhite hall, Thu, 3 December 2026, 12:00–14:00.\n"
            "Moscow\nPaid 2,500\u00a0₽ of 5,000\u00a0₽."
        )
    )
    ics = next(
        p for p in to_client[0].iter_attachments() if p.get_content_type() == "text/calendar"
    )
    assert b"SUMMARY:Photo studio: White hall" in ics.get_payload(decode=True)
    to_admin = [m.message for m in smtp.messages if m.rcpt_tos == ("owner@studio.test",)]
    # The admins' mail stays Russian, and tells of the paid booking (holds: the digest).
    assert [m.get_content().split(" ")[0] for m in to_admin] == ["💳"]
    assert "Оплачена бронь" in to_admin[0].get_content()


async def test_cancellation_email_removes_the_event_with_its_organizer(
    running: Running, smtp: FakeSmtpServer
) -> None:
    """Calendar apps honour a CANCEL only from the event's organizer (RFC 5546): the file
    names the studio's address, as the confirmation's did."""
    api = running.api
    booking = await api.booked(email="anna@example.com")
    await api.checkout(await api.start_payment(booking), "succeeded")
    await running.jobs.relay()  # the confirmation, written while the booking stands
    await api.cancel(booking)
    await running.jobs.relay()
    await running.jobs.deliver()
    to_client = [m.message for m in smtp.messages if m.rcpt_tos == ("anna@example.com",)]
    files: list[bytes] = [
        bytes(part.get_payload(decode=True))
        for message in to_client
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]
    assert len(files) == 2
    published, cancelled = files
    assert b"METHOD:PUBLISH" in published and b"METHOD:CANCEL" in cancelled
    assert b"STATUS:CANCELLED" in cancelled and b"SEQUENCE:1" in cancelled
    assert all(b"ORGANIZER:mailto:studio@test" in ics for ics in files)
    uids = {line for ics in files for line in ics.splitlines() if line.startswith(b"UID:")}
    assert len(uids) == 1  # the same event


async def test_temporary_failure_is_retried_with_backoff(
    running: Running, smtp: FakeSmtpServer
) -> None:
    status, _ = await running.api.admin(
        "POST",
        "/api/notifications/send",
        json={"channel": "email", "recipient": "bob@example.com", "text": "Тест"},
    )
    assert status == 202
    smtp.fail_next_rcpt(451)
    await running.jobs.deliver()
    [item] = await notifications(running)
    assert item["status"] == "pending" and item["attempts"] == 1
    assert "451" in item["last_error"]
    await running.jobs.deliver()  # not due yet: backoff
    assert len(smtp.messages) == 0
    running.clock.advance(seconds=31)
    await running.jobs.deliver()
    [item] = await notifications(running)
    assert item["status"] == "sent" and item["attempts"] == 2
    assert [m.rcpt_tos for m in smtp.messages] == [("bob@example.com",)]


async def test_permanent_failure_is_recorded_not_retried(
    running: Running, smtp: FakeSmtpServer
) -> None:
    await running.api.admin(
        "POST",
        "/api/notifications/send",
        json={"channel": "email", "recipient": "gone@example.com", "text": "Тест"},
    )
    smtp.fail_next_rcpt(550)
    await running.jobs.deliver()
    [item] = await notifications(running)
    assert item["status"] == "failed" and "550" in item["last_error"]


async def test_gives_up_after_max_attempts(running: Running, smtp: FakeSmtpServer) -> None:
    await running.api.admin(
        "POST",
        "/api/notifications/send",
        json={"channel": "email", "recipient": "flaky@example.com", "text": "Тест"},
    )
    for _ in range(MAX_ATTEMPTS):
        smtp.fail_next_rcpt(451)
        await running.jobs.deliver()
        running.clock.advance(hours=2)
    [item] = await notifications(running)
    assert item["status"] == "failed" and item["attempts"] == MAX_ATTEMPTS


async def test_expiry_and_cancellation_mails(running: Running, smtp: FakeSmtpServer) -> None:
    api = running.api
    held = await api.booked(day=3, email="a@example.com")
    paid = await api.booked(day=4, email="b@example.com")
    await api.checkout(await api.start_payment(paid), "succeeded")
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    await api.call("DELETE", f"/api/bookings/{paid['id']}", token=paid["access_token"])
    await running.jobs.relay()
    await running.jobs.deliver()
    subjects = {(m.rcpt_tos[0], m.message["Subject"]) for m in smtp.messages}
    assert not [to for to, _ in subjects if to == "a@example.com"]  # never paid: no mail
    assert held["status"] == "pending_payment"
    assert ("b@example.com", f"Бронь {paid['code']} отменена") in subjects
    assert ("b@example.com", f"Возврат по брони {paid['code']}") in subjects


async def test_holds_never_paid_mail_nobody(running: Running, smtp: FakeSmtpServer) -> None:
    """A website hold's address is whatever was typed: no mail goes there, and none to the
    admins, whether the hold is let go or lapses; a hold confirmed by hand is mailed."""
    api = running.api
    let_go = await api.booked(day=3, email="stranger@example.org")
    await api.cancel(let_go)
    await api.booked(day=4, email="stranger@example.org")
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    await running.jobs.relay()
    await running.jobs.deliver()
    assert smtp.messages == []
    cash = await api.booked(day=5, email="cash@example.com")
    status, _ = await api.admin("POST", f"/api/bookings/{cash['id']}/confirm")
    assert status == 200
    await running.jobs.relay()
    await running.jobs.deliver()
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == [
        "cash@example.com",
        "owner@studio.test",
    ]


async def test_admins_hear_how_to_settle_a_refund_in_doubt(
    running: Running, smtp: FakeSmtpServer
) -> None:
    """A refund that cannot tell whether it was made reaches the admins with its number and
    the route that settles it, not with "it will be retried"."""
    api = running.api
    booking = await api.booked(email="anna@example.com")
    payment = await api.start_payment(booking)
    await api.checkout(payment, "succeeded")
    status, refund = await api.admin(
        "POST", f"/api/payments/{payment['id']}/refund", json={"amount": "100.00"}
    )
    assert status == 201
    async with running.sessionmaker() as session:
        row = await session.get(Refund, refund["id"])
        paid = await session.get(Payment, payment["id"])
        held = await session.get(Booking, booking["id"])
        assert row is not None and paid is not None and held is not None
        record_event(
            session,
            EventType.REFUND_FAILED,
            booking=held,
            payment=paid,
            refund=row,
            error="the records cannot tell apart",
            needs_admin=True,
        )
        await session.commit()
    await running.jobs.relay()
    await running.jobs.deliver()
    to_admin = [m.message for m in smtp.messages if m.rcpt_tos == ("owner@studio.test",)]
    bodies = []
    for message in to_admin:
        plain = message.get_body(preferencelist=("plain",))
        assert plain is not None
        bodies.append(plain.get_content())
    [notice] = [b for b in bodies if "ждёт проверки" in b]
    assert f"POST /api/refunds/{refund['id']}/settle" in notice
    assert f"/settle {refund['id']} да|нет" in notice
    assert "Повтор будет автоматически" not in notice


async def test_a_confirmation_not_yet_written_when_the_booking_is_cancelled_is_not_sent(
    running: Running, smtp: FakeSmtpServer
) -> None:
    """Messages are written when the outbox relays their events: a booking paid and then
    cancelled before that gets the cancellation alone, not a "confirmed ✅" saying "paid 0 ₽
    of …, refunded …"."""
    api = running.api
    booking = await api.booked(email="anna@example.com")
    await api.checkout(await api.start_payment(booking), "succeeded")
    await api.cancel(booking)
    await running.jobs.relay()
    await running.jobs.deliver()
    to_client = [m.message for m in smtp.messages if m.rcpt_tos == ("anna@example.com",)]
    subjects = [m["Subject"] for m in to_client]
    assert subjects and all("подтверждена" not in s for s in subjects), subjects
    assert any("отменена" in s for s in subjects), subjects
    to_admins = [m.message for m in smtp.messages if m.rcpt_tos == ("owner@studio.test",)]
    assert to_admins and all("✅" not in str(m.get_body()) for m in to_admins)
