"""The admin router alone, polled from the Bot API fake, for the admin command tests: the
client routers are left out, and a stand-in gives their catch-all answer."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiogram import Dispatcher, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from bot.middlewares import InFlight, LanguageMiddleware, UpdateContextMiddleware
from handlers.admin import create_router
from settings import Settings
from tests.fakes.telegram_api import FakeTelegram, FakeUser

#: The stand-in's answer to anything the admin router leaves.
UNKNOWN = "Неизвестная команда"


def fallback_router() -> Router:
    """Stands in for the client routers' catch-all answer."""
    router = Router(name="fallback")

    @router.message()
    async def unknown(message: Message) -> None:
        await message.answer(UNKNOWN)

    return router


@contextlib.asynccontextmanager
async def admin_router_polled(
    tg: FakeTelegram,
    settings: Settings,
    deps: BookingDeps,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[None]:
    """The admin router behind the bot's update middlewares, polling `tg` while open."""
    dp = Dispatcher(deps=deps, settings=settings, sessionmaker=sessionmaker)
    dp.update.outer_middleware(UpdateContextMiddleware(sessionmaker, InFlight()))
    dp.update.outer_middleware(LanguageMiddleware())
    dp.include_routers(create_router(), fallback_router())
    async with tg.polling(dp, tg.make_bot()):
        yield


async def ask(tg: FakeTelegram, user: FakeUser, text: str) -> str:
    """Send a command as `user`; the bot's reply."""
    await user.send_text(text)
    call = await tg.wait_for("sendMessage", chat_id=user.id)
    assert call.ok, call
    return str(call.result["text"])
