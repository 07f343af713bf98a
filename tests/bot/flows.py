"""The bot tests' helpers: `Studio`, what the `studio` fixture yields (the service with its
bot, and the acts of a test on it), and pressing through the booking picker as a user would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp import ClientSession
from sqlalchemy import select

from bot.factory import IN_FLIGHT, create_bot, create_dispatcher
from bot.middlewares import InFlight
from bot.runner import BotRunner
from db.models import Booking, Payment
from service import Service
from settings import Settings
from tests.fakes.telegram_api import Call, FakeTelegram, FakeUser
from tests.support import FakeClock


@dataclass
class Studio:
    tg: FakeTelegram
    service: Service
    clock: FakeClock
    http: ClientSession
    settings: Settings

    @property
    def deps(self) -> Any:
        return self.service.deps

    @property
    def sessionmaker(self) -> Any:
        return self.service.sessionmaker

    @property
    def in_flight(self) -> InFlight:
        assert self.service.bot is not None
        flight: InFlight = self.service.bot.dp[IN_FLIGHT]
        return flight

    def user(self, id: int = 1001, first_name: str = "Анна", lang: str | None = "ru") -> FakeUser:
        return self.tg.user(id, first_name, language_code=lang)

    async def press(self, user: FakeUser, button: str, message_id: int | None = None) -> Call:
        """Press an inline button; returns the answerCallbackQuery (the handler's last call)."""
        query = await user.press(button, message_id)
        return await self.answered(query["id"])

    async def answered(self, query_id: str) -> Call:
        def answer(call: Call) -> bool:
            return (
                call.method == "answerCallbackQuery"
                and call.params.get("callback_query_id") == query_id
            )

        call: Call = await self.tg.wait_for(answer)
        return call

    async def send(self, user: FakeUser, text: str) -> Call:
        """Type a message; returns the bot's first reply to this chat."""
        await user.send_text(text)
        call: Call = await self.tg.wait_for("sendMessage", chat_id=user.id)
        return call

    async def settle(self) -> None:
        """Wait until no update is waiting in the fake or being handled by the bot."""

        def idle() -> bool:
            return not self.tg.pending_updates() and self.in_flight.count == 0

        await self.tg.wait_until(idle)

    async def deliver(self) -> None:
        """One run of the outbox relay and the notification delivery jobs."""
        await self.service.jobs.relay()
        await self.service.jobs.deliver()

    async def expire(self) -> None:
        await self.service.jobs.expire()

    async def checkout(self, url: str, outcome: str = "succeeded") -> Any:
        """Act as the payer on the mock checkout page (it sends the signed webhook)."""
        async with self.http.post(
            url, data={"outcome": outcome}, headers={"Accept": "application/json"}
        ) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def restart_bot(self) -> None:
        """Stop the bot and start a new Bot and Dispatcher (polling mode): memory state is
        lost, Redis state is kept, the database and the web server stay up."""
        old = self.service.bot
        assert old is not None and not old.webhook
        await old.stop()
        await close_http_now(old.bot)
        await old.close()
        bot = create_bot(self.settings)
        assert bot is not None
        dp = create_dispatcher(
            self.settings, self.sessionmaker, self.deps, studio=old.dp["studio"]
        )
        self.service.bot = BotRunner(bot, dp, self.settings.bot, old.base_url)
        polls = self.tg.polls_started
        await self.service.bot.start()
        await self.tg.wait_until(lambda: self.tg.polls_started > polls)

    async def bookings(self) -> list[Booking]:
        async with self.sessionmaker() as session:
            return list((await session.scalars(select(Booking).order_by(Booking.id))).all())

    async def payments(self) -> list[Payment]:
        async with self.sessionmaker() as session:
            return list((await session.scalars(select(Payment).order_by(Payment.id))).all())


async def close_http_now(bot: Bot) -> None:
    """Close the bot's HTTP client at once: plain HTTP to a local server has no TLS to drain,
    so aiogram's 250 ms graceful-close pause would only slow every test down."""
    if isinstance(bot.session, AiohttpSession):
        await (await bot.session.create_session()).close()


RU = {
    "book": "📅 Забронировать",
    "hall": "Белый зал",
    "prepay": "Предоплата",
    "full": "Полная оплата",
    "skip": "Пропустить",
    "pay": "💳 Оплатить",
}
EN = {
    "book": "📅 Book",
    "hall": "White hall",
    "prepay": "Prepayment",
    "full": "Full payment",
    "skip": "Skip",
    "pay": "💳 Pay",
}


def labels(user: FakeUser) -> dict[str, str]:
    return EN if (user.language_code or "ru")[:2] not in ("ru", "") else RU


def button(user: FakeUser, prefix: str, message: dict[str, Any] | None = None) -> str:
    """The text of the first button starting with `prefix` on `message`, or on the newest bot
    message that has one."""
    messages = [message] if message is not None else list(reversed(user.messages()))
    for candidate in messages:
        for row in user.buttons(candidate):
            for text in row:
                if text.startswith(prefix):
                    return text
    raise AssertionError(f"no button starting with {prefix!r}: {user.buttons(message)}")


def url_of(message: dict[str, Any]) -> str:
    """The URL of the (first) URL button of a message."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for item in row:
            if item.get("url"):
                return str(item["url"])
    raise AssertionError(f"no URL button: {FakeTelegram.buttons(message)}")


def picker(user: FakeUser) -> dict[str, Any]:
    """The newest bot message with inline buttons (as it is now)."""
    return next(m for m in reversed(user.messages()) if user.buttons(m))


async def choose_time(studio: Studio, user: FakeUser, time: str) -> None:
    """Press `time` in the slot view, switching part-of-day tabs when the day is split."""
    if any(time in row for row in user.buttons(picker(user))):
        await studio.press(user, time)
        return
    tabs = [text for text in user.buttons(picker(user))[0] if not text.startswith("•")]
    for tab in tabs:
        await studio.press(user, tab)
        if any(time in row for row in user.buttons(picker(user))):
            await studio.press(user, time)
            return
    raise AssertionError(f"no start {time} on this day: {user.buttons(picker(user))}")


async def to_gateway(
    studio: Studio,
    user: FakeUser,
    *,
    hall: str | None = None,
    day: str = "3",
    time: str = "12:00",
    length: str | None = None,
    mode: str = "prepay",
    start: bool = True,
) -> None:
    """From /start to the gateway choice."""
    words = labels(user)
    if start:
        await studio.send(user, "/start")
    await studio.press(user, words["book"])
    await studio.press(user, button(user, hall or words["hall"]))
    await studio.press(user, day)
    await choose_time(studio, user, time)
    await studio.press(user, length or ("2 ч" if words is RU else "2 h"))
    await past_extras(studio, user)
    await studio.press(user, button(user, words[mode]))


async def past_extras(studio: Studio, user: FakeUser) -> None:
    """Through the people and add-ons steps as they come, keeping what is offered by
    default (the number the price covers, no add-ons)."""
    rows = user.buttons(picker(user))
    marked = [text for row in rows for text in row if text.startswith("• ") and text[2].isdigit()]
    if marked:
        await studio.press(user, marked[0])
        rows = user.buttons(picker(user))
    next_label = "Далее ›" if labels(user) is RU else "Next ›"
    if any(next_label in row for row in rows):
        await studio.press(user, next_label)


async def to_phone(studio: Studio, user: FakeUser, gateway: str = "ЮKassa", **kw: Any) -> None:
    """From /start through the gateway and skipping the e-mail, to the phone step."""
    await to_gateway(studio, user, **kw)
    gateway = gateway if labels(user) is RU or gateway != "ЮKassa" else "YooKassa"
    await studio.press(user, gateway)
    await studio.press(user, labels(user)["skip"])


def is_hold(call: Call) -> bool:
    return call.method in ("sendMessage", "editMessageText") and str(
        call.params.get("text", "")
    ).startswith("⏳")


async def share_phone(studio: Studio, user: FakeUser, phone: str = "+79991234567") -> Call:
    """Share the contact at the phone step; returns the call that showed the hold."""
    await user.send_contact(phone)
    call: Call = await studio.tg.wait_for(is_hold, ok=True)
    await studio.settle()
    return call


async def book(studio: Studio, user: FakeUser, **kw: Any) -> dict[str, Any]:
    """A whole booking up to the hold message; returns that message."""
    await to_phone(studio, user, **kw)
    call = await share_phone(studio, user)
    return dict(call.result)


async def book_and_pay(studio: Studio, user: FakeUser, **kw: Any) -> dict[str, Any]:
    """A booking paid at the mock checkout; returns the hold message."""
    hold = await book(studio, user, **kw)
    result = await studio.checkout(url_of(hold))
    assert result["webhook_statuses"] == [200]
    return hold
