"""Building the Bot and the Dispatcher from the settings (no I/O happens here)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.studio_file import StudioInfo
from bot.middlewares import AnswerCallbacks, InFlight, LanguageMiddleware, UpdateContextMiddleware
from handlers import get_routers
from settings import BotSettings, Settings

IN_FLIGHT = "in_flight"

# aiogram validates every API answer as `Response[<method's result type>]`, and pydantic keeps
# parametrised models only in a weak cache: after each garbage collection the models of the
# methods the bot calls were built again, 2-13 ms each (measured: ~0.5 rebuilds per update
# under load). Holding them here keeps them built.
_PINNED: list[object] = []
_PINNED_METHODS = (
    "SendMessage",
    "SendDocument",
    "EditMessageText",
    "EditMessageReplyMarkup",
    "AnswerCallbackQuery",
    "DeleteMessage",
    "GetUpdates",
    "GetMe",
    "SetMyCommands",
    "SetWebhook",
    "DeleteWebhook",
)


def pin_response_types() -> None:
    if _PINNED:
        return
    from aiogram import methods
    from aiogram.client.session.base import Response

    generic: Any = Response
    for name in _PINNED_METHODS:
        _PINNED.append(generic[getattr(methods, name).__returning__])


def create_bot(settings: Settings | BotSettings) -> Bot | None:
    """The Bot, or None when BOT_TOKEN is unset; TELEGRAM_API_SERVER redirects its API calls."""
    bot_settings = settings.bot if isinstance(settings, Settings) else settings
    if bot_settings.bot_token is None:
        return None
    pin_response_types()
    server = bot_settings.telegram_api_server
    api = TelegramAPIServer.from_base(server) if server else PRODUCTION
    session = AiohttpSession(api=api)
    return Bot(
        bot_settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(link_preview_is_disabled=True),
    )


def create_storage(
    bot_settings: BotSettings, key_prefix: str = "fsm"
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis (shared by every instance, with a Redis lock per user, bot.isolation) when
    REDIS_URL is set; otherwise memory with a per-user asyncio lock. Either way one user's
    updates run one at a time, so two quick taps never race on the same state."""
    if bot_settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        from bot.isolation import RenewedRedisIsolation

        storage = RedisStorage.from_url(
            bot_settings.redis_url, key_builder=DefaultKeyBuilder(prefix=key_prefix)
        )
        # A short lock, renewed while the update runs: one left by a killed process lapses
        # in seconds, not aiogram's minute.
        return storage, RenewedRedisIsolation(storage.redis, storage.key_builder)
    return MemoryStorage(), SimpleEventIsolation()


def create_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
    *,
    studio: StudioInfo | None = None,
    key_prefix: str = "fsm",
) -> Dispatcher:
    """The Dispatcher with its storage, middlewares and routers.

    Workflow data every handler can ask for: `sessionmaker`, `deps`, `settings`, `studio`;
    per update: `session` (one per update); texts come in the user's language.
    """
    storage, isolation = create_storage(settings.bot, key_prefix)
    in_flight = InFlight()
    dp = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        sessionmaker=sessionmaker,
        deps=deps,
        settings=settings,
        studio=studio or StudioInfo(),
    )
    dp[IN_FLIGHT] = in_flight
    dp.update.outer_middleware(UpdateContextMiddleware(sessionmaker, in_flight))
    dp.update.outer_middleware(LanguageMiddleware())
    dp.callback_query.middleware(AnswerCallbacks())
    dp.include_routers(*get_routers())
    return dp
