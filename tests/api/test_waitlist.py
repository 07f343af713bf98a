"""The waitlist of a full day through the API: a website client asks to be told, and hears
once per freed slot, by e-mail, when a hold lapses or a booking is cancelled; the first
ones waiting are told, and a wait ends with its day."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from booking import waitlist
from db.waitlist import WaitlistEntry
from tests.fakes.smtp_server import FakeSmtpServer
from tests.support import Running, moscow, table_counts

pytestmark = pytest.mark.email

DAY = "2026-12-03"  # a Thursday: 09:00-22:00


async def fill_the_day(running: Running, **client: Any) -> dict[str, Any]:
    """A hold of the white hall from opening to closing (the client's own, unpaid)."""
    body = {
        "hall_id": 1,
        "start": moscow(3, 9),
        "end": moscow(3, 22),
        "payment_mode": "prepay",
        "client": {"name": "Анна", "phone": "+79991234567", **client},
    }
    status, booking = await running.api.call("POST", "/api/bookings", json=body)
    assert status == 201, booking
    return dict(booking)


async def wait(running: Running, email: str, day: str = DAY) -> tuple[int, Any]:
    return await running.api.call(
        "POST",
        "/api/waitlist",
        json={"hall_id": 1, "date": day, "client": {"name": "Ждущий", "email": email}},
    )


async def told(running: Running, smtp: FakeSmtpServer, email: str) -> list[str]:
    await running.jobs.relay()
    await running.jobs.deliver()
    return [str(m.message["Subject"]) for m in smtp.messages if m.rcpt_tos == (email,)]


async def waits(running: Running) -> int:
    async with running.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(WaitlistEntry)) or 0)


FREED = "Освободилось время: Белый зал, 03.12.2026"


async def test_a_lapsed_hold_tells_those_waiting_once(
    running: Running, smtp: FakeSmtpServer
) -> None:
    await fill_the_day(running)
    status, entry = await wait(running, "wait@example.com")
    assert status == 201, entry
    assert entry["date"] == DAY and entry["ends_at"] == "2026-12-04T00:00:00+03:00"
    assert entry["already_waiting"] is False
    status, again = await wait(running, "wait@example.com")
    assert (status, again["id"]) == (201, entry["id"])  # one wait per client and day
    assert again["already_waiting"] is True
    assert await told(running, smtp, "wait@example.com") == []
    running.clock.advance(minutes=16)
    await running.jobs.expire()
    assert await told(running, smtp, "wait@example.com") == [FREED]
    mail = next(m for m in smtp.messages if m.rcpt_tos == ("wait@example.com",)).message
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "/book/white" in body.get_content()
    # The same slot held again and let go again: nobody hears of it twice.
    taken = await fill_the_day(running)
    await running.api.cancel(taken)
    assert await told(running, smtp, "wait@example.com") == [FREED]


async def test_a_cancellation_tells_the_first_ones_waiting(
    running: Running, smtp: FakeSmtpServer
) -> None:
    booking = await fill_the_day(running)
    emails = [f"w{n}@example.com" for n in range(waitlist.TOLD_PER_SLOT + 1)]
    for email in emails:
        status, _ = await wait(running, email)
        assert status == 201
    await running.api.cancel(booking)
    heard = [await told(running, smtp, email) for email in emails]
    assert heard == [[FREED]] * waitlist.TOLD_PER_SLOT + [[]]


async def test_a_freed_slot_taken_again_at_once_tells_nobody(
    running: Running, smtp: FakeSmtpServer
) -> None:
    booking = await fill_the_day(running)
    await wait(running, "wait@example.com")
    await running.api.cancel(booking)
    await fill_the_day(running)  # before the outbox relay ran
    assert await told(running, smtp, "wait@example.com") == []


async def test_a_wait_is_refused_when_it_makes_no_sense(running: Running) -> None:
    await fill_the_day(running)
    before = await table_counts(running.sessionmaker)
    assert await waits(running) == 0
    status, body = await wait(running, "wait@example.com", day="2026-12-04")
    assert (status, body["error"]["code"]) == (409, "day_not_full")
    status, body = await wait(running, "wait@example.com", day="2026-11-30")
    assert (status, body["error"]["code"]) == (400, "bad_date")
    status, body = await wait(running, "wait@example.com", day="2027-01-01")  # New Year closure
    assert (status, body["error"]["code"]) == (400, "bad_date")
    status, body = await running.api.call(
        "POST",
        "/api/waitlist",
        json={"hall_id": 1, "date": DAY, "client": {"name": "Без почты", "phone": "+79990001122"}},
    )
    assert (status, body["error"]["code"]) == (400, "no_contact")
    status, body = await wait(running, "not-an-address", day=DAY)
    assert (status, body["error"]["code"]) == (400, "bad_email")
    assert await table_counts(running.sessionmaker) == before and await waits(running) == 0


async def test_a_wait_ends_with_its_day(running: Running, smtp: FakeSmtpServer) -> None:
    booking = await fill_the_day(running)
    await wait(running, "wait@example.com")
    running.clock.now = running.clock.now.replace(day=4, hour=0)  # 03:00 on the 4th in Moscow
    async with running.sessionmaker() as session:
        _hall, _day, waiting = await waitlist.first_waiting(
            session, running.deps, 1, running.clock.now.replace(day=3, hour=10)
        )
    assert waiting == []
    await running.api.admin("DELETE", f"/api/bookings/{booking['id']}")
    assert await told(running, smtp, "wait@example.com") == []
    await running.jobs.complete()  # ended waits are dropped
    assert await waits(running) == 0


async def test_a_booking_moved_away_frees_its_old_slot(
    running: Running, smtp: FakeSmtpServer
) -> None:
    """A move frees the booking's old time: the old day's waitlist hears of it, once."""
    booking = await fill_the_day(running)
    await running.api.checkout(await running.api.start_payment(booking), "succeeded")
    await wait(running, "wait@example.com")
    status, moved = await running.api.admin(
        "POST",
        f"/api/bookings/{booking['id']}/reschedule",
        json={"start": moscow(5, 12), "end": moscow(5, 14), "hall_id": 1},
    )
    assert status == 200 and moved["start"].startswith("2026-12-05T12:00"), moved
    assert await told(running, smtp, "wait@example.com") == [FREED]
    assert await told(running, smtp, "wait@example.com") == [FREED]


async def test_a_lapsed_extend_tells_those_waiting(running: Running, smtp: FakeSmtpServer) -> None:
    """The day is full with a booking and the time held for its extend; once the extend
    lapses unpaid, that time is free again and the client waiting hears of it."""
    api = running.api
    booking = await api.booked(day=3, hour=9, hours=4, mode="full", email="a@example.com")
    await api.checkout(await api.start_payment(booking), "succeeded")
    status, asked = await api.call(
        "POST", f"/api/bookings/{booking['id']}/extend", json={"minutes": 540},
        token=booking["access_token"],
    )  # fmt: skip
    assert status == 200 and asked["due_kind"] == "change", asked  # 09:00-22:00 taken
    status, entry = await wait(running, "wait@example.com")
    assert status == 201, entry
    assert await told(running, smtp, "wait@example.com") == []
    running.clock.advance(minutes=16)
    await running.jobs.expire()
    assert await told(running, smtp, "wait@example.com") == [FREED]


async def test_the_admin_lists_who_waits(running: Running) -> None:
    await fill_the_day(running)
    for email in ("first@example.com", "second@example.com", "first@example.com"):
        status, _ = await wait(running, email)
        assert status == 201
    status, body = await running.api.admin("GET", f"/api/waitlist?hall_id=1&date={DAY}")
    assert status == 200, body
    assert [(w["email"], w["name"], w["date"]) for w in body["waits"]] == [
        ("first@example.com", "Ждущий", DAY),
        ("second@example.com", "Ждущий", DAY),
    ]
    assert body["waits"][0]["telegram_id"] is None
    status, body = await running.api.admin("GET", "/api/waitlist?date=2026-12-04")
    assert (status, body) == (200, {"waits": []})
    status, body = await running.api.call("GET", "/api/waitlist")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    status, body = await running.api.admin("GET", "/api/waitlist?date=tomorrow")
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    running.clock.now = running.clock.now.replace(day=4, hour=0)  # the day is over
    status, body = await running.api.admin("GET", "/api/waitlist")
    assert (status, body) == (200, {"waits": []})
