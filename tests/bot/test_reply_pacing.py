"""Everything the bot sends to a chat keeps Telegram's one-a-second limit together: a
handler's replies (a short burst allowed) and the confirmation the delivery job sends a
moment later, against the fake Bot API with Telegram's own burst of three."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot

from bot.pacing import PacedReplies
from notifications.pacing import Pacer
from tests.bot.flows import Studio, book, url_of
from tests.bot.test_telegram_delivery import VirtualTime
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
def telegram_options() -> dict[str, Any]:
    # Telegram's limits as the fake models them (three at once, then one a second), not the
    # bot tests' usual burst of ten for users who tap faster than people.
    return {"chat_burst": 3, "strict_urls": False}


async def test_replies_go_in_a_short_burst_and_notifications_wait_for_a_rested_chat() -> None:
    vt = VirtualTime()
    pacer = Pacer(chat_interval=1.05, clock=vt.clock, sleep=vt.sleep)
    started: list[tuple[str, float]] = []
    for _ in range(3):  # a handler sends three messages in a row
        async with pacer.reply(7, deadline=vt.now + 60):
            started.append(("reply", vt.now))
    async with pacer.chat(7):  # a confirmation queued meanwhile
        await pacer.turn(7, deadline=vt.now + 60)
        started.append(("notice", vt.now))
        pacer.done(7)
    async with pacer.reply(7, deadline=vt.now + 60):  # the person taps right after it
        started.append(("reply", vt.now))
    first = started[0][1]
    assert [(kind, round(t - first, 2)) for kind, t in started] == [
        ("reply", 0.0),
        ("reply", 0.0),  # two at once: a tap's answer does not wait
        ("reply", 1.05),  # the third waits an interval
        ("notice", 3.15),  # only once the chat rested: nothing sent there for an interval
        ("reply", 3.15),  # a reply may follow it at once (a burst of two)
    ]


@pytest.fixture
async def paced_bot(tg: FakeTelegram) -> AsyncIterator[tuple[Bot, Pacer]]:
    bot, pacer = tg.make_bot(), Pacer()
    bot.session.middleware(PacedReplies(pacer))
    yield bot, pacer
    await bot.session.close()


async def test_a_reply_telegram_answers_429_is_sent_after_the_wait(
    tg: FakeTelegram, paced_bot: tuple[Bot, Pacer]
) -> None:
    bot, pacer = paced_bot
    anna = tg.user(8101)
    tg.fail_next("sendMessage", 429, retry_after=1)
    await bot.send_message(anna.id, "Выберите зал")
    calls = tg.calls("sendMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 1.0  # waited out, not hammered
    assert [m["text"] for m in anna.messages()] == ["Выберите зал"]


async def test_edits_and_callback_answers_are_not_held_back(tg: FakeTelegram) -> None:
    """Only new messages count in a chat's limit: an edit right after two messages goes
    without the pacer making it wait (a third message would wait for the chat's interval)."""
    waits: list[float] = []

    async def sleep(delay: float) -> None:
        waits.append(delay)
        await asyncio.sleep(delay)

    bot = tg.make_bot()
    bot.session.middleware(PacedReplies(Pacer(sleep=sleep)))
    try:
        anna = tg.user(8102)
        first = await bot.send_message(anna.id, "раз")
        await bot.send_message(anna.id, "два")
        before = len(waits)
        await bot.edit_message_text("раз!", chat_id=anna.id, message_id=first.message_id)
        assert waits[before:] == []
    finally:
        await bot.session.close()
    assert [m["text"] for m in anna.messages()] == ["раз!", "два"]


async def test_a_confirmation_right_after_the_booking_replies_gets_no_429(
    studio: Studio, tg: FakeTelegram
) -> None:
    """The phone prompt, "got your phone" and the hold come within a second; the payment
    and its confirmation follow at once, as a quick payer's do."""
    anna = studio.user(8103)
    hold = await book(studio, anna)
    result = await studio.checkout(url_of(hold))
    assert result["webhook_statuses"] == [200]
    await studio.deliver()
    texts = [str(m.get("text") or m.get("caption") or "") for m in anna.messages()]
    assert any(text.startswith("⏳") for text in texts)
    assert tg.calls("sendDocument")[-1].ok  # the confirmation with its calendar file
    assert tg.stats.rate_limited == 0, [(c.method, c.status) for c in tg.calls() if not c.ok]
