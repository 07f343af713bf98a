"""Pressing through the booking picker as a user would, for the bot tests and the benchmark."""

from __future__ import annotations

from typing import Any

from tests.bot.conftest import Studio
from tests.fakes.telegram_api import Call, FakeTelegram, FakeUser

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
    await studio.press(user, button(user, words[mode]))


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
