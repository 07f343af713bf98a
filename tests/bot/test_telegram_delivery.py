"""The Telegram channel of the notification log against the fake Bot API over real HTTP:
pacing, 429s, blocked users, server errors, restarts, and the admins' notices."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.cancel import cancel_booking
from booking.deps import BookingDeps
from booking.events import EventType, record_event
from db.models import Booking, Client
from db.outbox import Notification
from jobs.outbox import relay_events
from notifications.channels import Channels
from notifications.delivery import (
    LEASE,
    PER_RECIPIENT,
    Attachment,
    DeliveryError,
    Outgoing,
    claim_due,
    deliver_due,
    record_result,
)
from notifications.queueing import add_notification
from notifications.telegram import Pacer, TelegramChannel, Throttled
from ops.metrics import REGISTRY
from tests.fakes.telegram_api import FakeTelegram
from tests.support import FakeClock, count, eventually, fetch, make_booking, msk, rows

ADMINS = (901, 902)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(chat_burst=1) as fake:  # strict: two sends in 1 s to a chat: 429
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.make_bot()
    yield bot
    await bot.session.close()


@pytest.fixture
def channel(bot: Bot, sessionmaker: async_sessionmaker[AsyncSession]) -> TelegramChannel:
    return TelegramChannel(bot, sessionmaker)


async def queue(
    sessionmaker: async_sessionmaker[AsyncSession], chat_id: int, text: str, key: str
) -> int:
    async with sessionmaker() as session:
        item = await add_notification(
            session, dedupe_key=key, channel="telegram", recipient=str(chat_id), body=text
        )
        await session.commit()
        assert item is not None
        return item.id


def texts(tg: FakeTelegram, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption", "") for m in tg.messages(chat_id)]


# ------------------------------------------------------------------------------ pacing


class VirtualTime:
    """A clock that sleeping moves forward: pacing maths without waiting. `lateness` is how
    much later than asked a sleeper wakes (a busy event loop)."""

    def __init__(self, lateness: float = 0.0) -> None:
        self.now = 1000.0
        self.lateness = lateness

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += max(0.0, delay) + self.lateness
        await asyncio.sleep(0)


def most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


async def test_pacer_spaces_sends_overall_and_per_chat() -> None:
    vt = VirtualTime()
    pacer = Pacer(rate=28, chat_interval=1.05, catch_up=0, clock=vt.clock, sleep=vt.sleep)
    sent: list[tuple[int, float]] = []
    for n in range(90):
        chat = n % 30  # every chat three times
        async with pacer.chat(chat):
            await pacer.turn(chat, deadline=vt.now + 60)
            sent.append((chat, vt.now))
            pacer.done(chat)
    times = [t for _, t in sent]
    assert all(b - a >= 1 / 28 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert most_in_one_second(times) <= 28
    assert (times[-1] - times[0]) == pytest.approx(89 / 28)
    chat_zero = [t for chat, t in sent if chat == 0]
    assert all(b - a >= 1.05 for a, b in zip(chat_zero, chat_zero[1:], strict=False))


@pytest.mark.parametrize("lateness", [0.005, 0.05])
async def test_pacer_keeps_the_rate_when_the_loop_wakes_late(lateness: float) -> None:
    vt = VirtualTime(lateness=lateness)
    pacer = Pacer(rate=28, clock=vt.clock, sleep=vt.sleep)  # catches up 2 slots (71 ms)
    times = []
    for n in range(200):
        async with pacer.chat(n):
            await pacer.turn(n, deadline=vt.now + 60)
            times.append(vt.now)
            pacer.done(n)
        if n == 100:
            vt.now += 0.5  # a long stall: lost, not made up in a burst
    assert most_in_one_second(times) <= 29
    assert max(Counter(times).values()) <= 3  # the largest burst
    # Late wake-ups cost (almost) nothing: the rate outside the stall stays near 28/s.
    sending = times[-1] - times[0] - 0.5
    assert (27.5 if lateness < 0.01 else 26.5) <= 199 / sending <= 28.8


async def test_pacer_caps_what_the_server_can_see_in_one_second() -> None:
    """Requests still unanswered, or answered within the last second, may all land in one
    second at the server: never more than 29 of them."""
    vt = VirtualTime()
    pacer = Pacer(rate=28, clock=vt.clock, sleep=vt.sleep)
    for chat in range(29):  # answers delayed: all still in flight
        async with pacer.chat(chat):
            await pacer.turn(chat, deadline=vt.now + 60)
    async with pacer.chat(99):
        with pytest.raises(Throttled):
            await pacer.turn(99, deadline=vt.now + 5)
    pacer.done(0)  # one answered now: it may still land in the server's current second
    answered = vt.now
    async with pacer.chat(99):
        await pacer.turn(99, deadline=vt.now + 5)
    assert vt.now == pytest.approx(answered + 1.0)


async def test_pacer_pause_and_deadline() -> None:
    vt = VirtualTime()
    pacer = Pacer(clock=vt.clock, sleep=vt.sleep)
    async with pacer.chat(1):
        await pacer.turn(1, deadline=vt.now + 60)
        pacer.pause(1, 3)  # "retry after 3" for one chat holds every chat
    started = vt.now
    async with pacer.chat(2):
        await pacer.turn(2, deadline=vt.now + 60)
    assert vt.now - started == pytest.approx(3)
    pacer.pause(2, 30)
    async with pacer.chat(3):
        with pytest.raises(Throttled):
            await pacer.turn(3, deadline=vt.now + 10)


async def test_a_long_queue_for_one_chat_is_refused_not_waited_past_the_lease(
    bot: Bot, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    vt = VirtualTime()
    pacer = Pacer(chat_interval=1.05, clock=vt.clock, sleep=vt.sleep)
    channel = TelegramChannel(bot, sessionmaker, pacer=pacer, max_wait=1.5)
    release = asyncio.Event()

    async def busy() -> None:
        async with pacer.chat(5):
            await release.wait()

    holders = [asyncio.create_task(busy()) for _ in range(2)]  # one sending, one waiting
    await asyncio.sleep(0)
    with pytest.raises(DeliveryError, match="throttled: 2 message") as refused:
        await channel.deliver(Outgoing(9, "telegram", "5", "", "hi", None))
    assert not refused.value.permanent  # back to pending, tried again later
    release.set()
    await asyncio.gather(*holders)


# ------------------------------------------------------------------------------ the channel


async def test_text_splits_and_attachment_as_captioned_document(
    tg: FakeTelegram, bot: Bot, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tg.rate_limits = False
    anna = tg.user(811)
    channel = TelegramChannel(bot, sessionmaker, pacer=Pacer(chat_interval=0))
    ics = Attachment("booking-X.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    await channel.deliver(Outgoing(1, "telegram", str(anna.id), "", "Бронь <b>X</b>", 1, (ics,)))
    await channel.deliver(Outgoing(2, "telegram", str(anna.id), "", "я" * 5000, None))
    messages = tg.messages(anna.id)
    assert messages[0]["caption"] == "Бронь <b>X</b>"  # plain text, not parsed as HTML
    assert tg.document(messages[0]).data == ics.content
    assert [len(m.get("text", "")) for m in messages[1:]] == [4096, 904]
    # Telegram counts UTF-16 code units: an emoji such as 📸 is two.
    await channel.deliver(Outgoing(4, "telegram", str(anna.id), "", "📸" * 3000, None))
    assert [len(m.get("text", "")) for m in tg.messages(anna.id)[3:]] == [2048, 952]
    with pytest.raises(DeliveryError) as bad:
        await channel.deliver(Outgoing(3, "telegram", "anna@example.com", "", "hi", None))
    assert bad.value.permanent


async def test_a_part_sent_before_a_failure_is_not_sent_again(
    tg: FakeTelegram, bot: Bot, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tg.rate_limits = False
    anna = tg.user(812)
    channel = TelegramChannel(bot, sessionmaker, pacer=Pacer(chat_interval=0))
    ics = Attachment("b.ics", b"BEGIN:VCALENDAR\r\n", "text/calendar")
    message = Outgoing(7, "telegram", str(anna.id), "", "x" * 2000, 1, (ics,))  # > caption
    tg.fail_next("sendDocument", 502)
    with pytest.raises(DeliveryError) as failed:
        await channel.deliver(message)
    assert not failed.value.permanent
    await channel.deliver(message)  # the retry sends only the document
    assert [("text" in m, "document" in m) for m in tg.messages(anna.id)] == [
        (True, False),
        (False, True),
    ]


# ------------------------------------------------------------------------------ delivery


def sample(name: str) -> float:
    labels = {"channel": "telegram", "result": "sent"} if "sent" in name else {}
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_429_retry_after_is_waited_out_then_delivered_once(
    tg: FakeTelegram,
    bot: Bot,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    vt = VirtualTime()  # the pacer's clock: the wait is counted, not waited
    channel = TelegramChannel(bot, sessionmaker, pacer=Pacer(clock=vt.clock, sleep=vt.sleep))
    anna, boris = tg.user(821), tg.user(822)
    first = await queue(sessionmaker, anna.id, "Напоминание", "t429:1")
    await queue(sessionmaker, boris.id, "Напоминание", "t429:2")
    tg.fail_next("sendMessage", 429, retry_after=3)
    started = vt.now
    counted = (sample("studio_telegram_429_total"), sample("studio_notifications_sent_total"))
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 2
    # /metrics counts the 429 waited out and the two messages sent
    assert sample("studio_telegram_429_total") - counted[0] == 1
    assert sample("studio_notifications_sent_total") - counted[1] == 2
    calls = tg.calls("sendMessage")
    assert sorted(c.status for c in calls) == [200, 200, 429]
    refused, retried = [c for c in calls if c.params["chat_id"] == anna.id]
    assert refused.status == 429 and retried.status == 200
    assert vt.now - started >= 3  # the retry_after, longer than any pacing between sends
    assert texts(tg, anna.id) == ["Напоминание"] and texts(tg, boris.id) == ["Напоминание"]
    item = await fetch(sessionmaker, Notification, first)
    assert (item.status, item.attempts) == ("sent", 1)


async def test_blocked_user_is_marked_and_never_retried(
    tg: FakeTelegram,
    channel: TelegramChannel,
    deps: BookingDeps,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    anna = tg.user(831)
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), telegram_id=anna.id)
    await anna.block()
    item = await queue(sessionmaker, anna.id, "Напоминание", "blocked:1")
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 0
    notification = await fetch(sessionmaker, Notification, item)
    assert notification.status == "failed" and "blocked" in (notification.last_error or "")
    assert (await fetch(sessionmaker, Client, booking.client_id)).bot_blocked
    clock.advance(days=1)
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 0
    assert len(tg.calls("sendMessage")) == 1
    # Nothing new is queued for her in Telegram (render_event skips blocked clients).
    async with sessionmaker() as session:
        fresh = await session.get(Booking, booking.id)
        assert fresh is not None
        record_event(session, EventType.REMINDER_DUE, booking=fresh, hours=24)
        await session.commit()
    await relay_events(sessionmaker, deps, Channels(telegram=True))
    assert await count(sessionmaker, Notification, Notification.recipient == str(anna.id)) == 1


async def test_one_message_a_second_per_chat(
    tg: FakeTelegram,
    channel: TelegramChannel,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    anna = tg.user(841)
    others = [tg.user(842 + n) for n in range(3)]
    for n in range(3):
        if n < 2:
            await queue(sessionmaker, anna.id, f"Анне {n}", f"rate:anna:{n}")
        await queue(sessionmaker, others[n].id, "Другим", f"rate:other:{n}")
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 5
    stats = tg.stats
    assert stats.rate_limited == 0 and stats.max_per_chat_per_second == 1
    assert texts(tg, anna.id) == ["Анне 0", "Анне 1"]  # in order
    sent = [c.index for c in tg.calls("sendMessage") if c.params["chat_id"] == anna.id]
    others_done = max(c.index for c in tg.calls("sendMessage") if c.params["chat_id"] != anna.id)
    assert others_done < sent[1]  # other chats did not queue behind Anna's


async def test_a_backlog_for_one_chat_is_claimed_a_few_at_a_time(
    deps: BookingDeps, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Twelve notices for one admin's chat: a claim takes the first few (they go out in a
    few seconds at a message a second, inside their lease), no other claim touches that chat
    while they are being sent, and the next claim after them takes the next few in order."""
    for n in range(12):
        await queue(sessionmaker, 900, f"notice {n}", f"backlog:{n}")
    await queue(sessionmaker, 1, "other", "backlog:other")
    first = await claim_due(sessionmaker, deps, ["telegram"], 100)
    assert [m.text for m in first if m.recipient == "900"] == [
        f"notice {n}" for n in range(PER_RECIPIENT)
    ]
    assert [m.text for m in first if m.recipient == "1"] == ["other"]
    # Another process meanwhile: the chat is being sent to, the rest waits.
    assert await claim_due(sessionmaker, deps, ["telegram"], 100) == []
    for message in first:
        await record_result(sessionmaker, deps, message, None)
    second = await claim_due(sessionmaker, deps, ["telegram"], 100)
    assert [m.text for m in second] == [
        f"notice {n}" for n in range(PER_RECIPIENT, 2 * PER_RECIPIENT)
    ]


async def test_admins_notices_due_together_are_one_message(
    tg: FakeTelegram,
    channel: TelegramChannel,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Seven bookings paid at once: the admin's chat gets the notices in two messages, in
    order (five claimed, then two), not one a second for seven seconds; each notice is
    recorded as sent."""
    admin = tg.user(905)
    ids = []
    for n in range(7):
        async with sessionmaker() as session:
            item = await add_notification(
                session,
                dedupe_key=f"group:{n}",
                channel="telegram",
                recipient=str(admin.id),
                body=f"💳 Бронь B{n} оплачена",
                extra={"group": True},
            )
            await session.commit()
            assert item is not None
            ids.append(item.id)
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 5
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 2
    assert texts(tg, admin.id) == [
        "\n\n".join(f"💳 Бронь B{n} оплачена" for n in range(5)),
        "💳 Бронь B5 оплачена\n\n💳 Бронь B6 оплачена",
    ]
    assert {(await fetch(sessionmaker, Notification, i)).status for i in ids} == {"sent"}


async def test_server_error_is_retried_later(
    tg: FakeTelegram,
    channel: TelegramChannel,
    deps: BookingDeps,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    anna = tg.user(851)
    item = await queue(sessionmaker, anna.id, "Напоминание", "5xx:1")
    tg.fail_next("sendMessage", 502, "Bad Gateway")
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 0
    pending = await fetch(sessionmaker, Notification, item)
    assert (pending.status, pending.attempts) == ("pending", 1)
    assert pending.next_attempt_at == clock.now + timedelta(seconds=30)
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 0
    clock.advance(seconds=30)
    assert await deliver_due(sessionmaker, deps, {"telegram": channel}) == 1
    assert texts(tg, anna.id) == ["Напоминание"]


async def test_restart_mid_delivery_sends_the_rest_once(
    tg: FakeTelegram,
    deps: BookingDeps,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    anna = tg.user(861)
    first = await queue(sessionmaker, anna.id, "Первое", "restart:1")
    second = await queue(sessionmaker, anna.id, "Второе", "restart:2")
    old_bot = tg.make_bot()
    old = TelegramChannel(old_bot, sessionmaker)
    run = asyncio.create_task(deliver_due(sessionmaker, deps, {"telegram": old}))
    await tg.wait_for("sendMessage", chat_id=anna.id)

    async def first_recorded() -> bool:
        return (await fetch(sessionmaker, Notification, first)).status == "sent"

    await eventually(first_recorded)
    run.cancel()  # the process dies while the second waits for Anna's next second
    with pytest.raises(asyncio.CancelledError):
        await run
    await old_bot.session.close()
    assert (await fetch(sessionmaker, Notification, second)).status == "sending"

    new_bot = tg.make_bot()  # the restarted process
    try:
        new = {"telegram": TelegramChannel(new_bot, sessionmaker)}
        assert await deliver_due(sessionmaker, deps, new) == 0  # still leased
        clock.advance(seconds=LEASE.total_seconds())
        assert await deliver_due(sessionmaker, deps, new) == 1
        clock.advance(hours=1)
        assert await deliver_due(sessionmaker, deps, new) == 0
    finally:
        await new_bot.session.close()
    assert texts(tg, anna.id) == ["Первое", "Второе"]
    assert (await fetch(sessionmaker, Notification, second)).attempts == 2


async def test_a_batch_held_up_leaves_the_rest_to_the_next_claim(
    deps: BookingDeps, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Messages a long 429 pause held up are not started once their lease is running out,
    so another process that claims them after the lease cannot send them a second time."""
    first = await queue(sessionmaker, 1, "one", "held:1")
    second = await queue(sessionmaker, 2, "two", "held:2")
    delivered: list[int] = []

    class SlowSender:
        async def deliver(self, message: Outgoing) -> None:
            delivered.append(message.id)
            clock.advance(seconds=31)  # e.g. Telegram said "retry after 31"

    sender = {"telegram": SlowSender()}
    assert await deliver_due(sessionmaker, deps, sender) == 1
    assert (await fetch(sessionmaker, Notification, second)).status == "sending"
    assert await deliver_due(sessionmaker, deps, sender) == 0  # still leased
    clock.advance(seconds=LEASE.total_seconds())
    assert await deliver_due(sessionmaker, deps, sender) == 1
    assert delivered == [first, second]


async def test_booking_confirmed_reaches_client_with_ics_and_admins(
    tg: FakeTelegram,
    channel: TelegramChannel,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    anna = tg.user(871, first_name="Анна")
    admins = [tg.user(admin_id) for admin_id in ADMINS]
    channels = Channels(telegram=True, admin_telegram_ids=ADMINS, studio_address="Москва")
    booking = await make_booking(sessionmaker, deps, start=msk(3, 12), telegram_id=anna.id)
    for _ in range(2):  # a second run (a restart) changes nothing
        await relay_events(sessionmaker, deps, channels)
        await deliver_due(sessionmaker, deps, {"telegram": channel})
    [message] = tg.messages(anna.id)
    assert message["caption"].startswith(f"Бронь {booking.code} подтверждена ✅\nБелый зал")
    ics = tg.document(message)
    assert ics.file_name == f"booking-{booking.code}.ics"
    assert ics.data is not None and ics.data.startswith(b"BEGIN:VCALENDAR")
    for admin in admins:
        assert [t.split(" ")[0] for t in texts(tg, admin.id)] == ["💳"]  # paid, not held
        assert booking.code in texts(tg, admin.id)[0]
    items = await rows(sessionmaker, Notification)
    assert {n.status for n in items} == {"sent"} and len(items) == 3
    assert tg.stats.rate_limited == 0


async def test_calendar_files_follow_their_messages(
    tg: FakeTelegram,
    channel: TelegramChannel,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A confirmation sent after the booking was cancelled still carries the event (the
    cancellation's file then removes it); an unpaid hold's cancellation carries no file;
    the file speaks the client's language."""
    john = tg.user(872, first_name="John", language_code="en")
    vera = tg.user(873, first_name="Вера")
    channels = Channels(telegram=True, studio_address="Moscow")
    paid = await make_booking(
        sessionmaker, deps, start=msk(3, 12), telegram_id=john.id, language="en"
    )
    await relay_events(sessionmaker, deps, channels)  # the confirmation, not yet sent
    unpaid = await make_booking(
        sessionmaker, deps, start=msk(3, 12), hall_id=2, telegram_id=vera.id, paid=None
    )
    async with sessionmaker() as session:
        for booking in (paid, unpaid):
            await cancel_booking(session, deps, booking.id, by_admin=True, reason="test")
    await relay_events(sessionmaker, deps, channels)
    await deliver_due(sessionmaker, deps, {"telegram": channel})
    confirmed, cancelled = [m for m in tg.messages(john.id) if "document" in m]
    first, second = tg.document(confirmed).data, tg.document(cancelled).data
    assert first is not None and second is not None
    assert b"METHOD:PUBLISH" in first and b"STATUS:CONFIRMED" in first
    assert b"SUMMARY:Photo studio: White hall" in first and b"DESCRIPTION:Booking " in first
    assert b"METHOD:CANCEL" in second and b"STATUS:CANCELLED" in second
    assert [m for m in tg.messages(vera.id) if "document" in m] == []
