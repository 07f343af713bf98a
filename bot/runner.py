"""Running the bot inside the service: polling as a task, or Telegram webhooks on the app.

Start after the web server is up; stop before it goes down. A stop lets the updates being
handled finish, then closes the FSM storage and the bot's HTTP session.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from typing import Any, Final

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.exceptions import RedisError

from bot.factory import IN_FLIGHT
from bot.middlewares import InFlight
from bot.registration import AddressConflict, SharedRegistration, fingerprint
from handlers.picker_views import mini_app_url
from i18n.catalogs import LANGUAGES, N_
from i18n.catalogs import gettext as _
from settings import BotMode, BotSettings, SettingsError

log = logging.getLogger("studio.bot")

WEBHOOK_PATH = "/telegram/webhook"
POLLING_TIMEOUT = 25
STOP_TIMEOUT = 10.0
#: The first pause before trying again (polling or setWebhook); it doubles up to a minute.
RETRY_FIRST_SECONDS = 1.0


CLIENT_COMMANDS: Final = (
    ("start", N_("Main menu")),
    ("book", N_("Book a hall")),
    ("my", N_("My bookings")),
    ("gift", N_("Buy a gift certificate")),
    ("help", N_("Contacts and help")),
    ("whoami", N_("My Telegram id and role")),
)


def client_commands(lang: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=_(text, lang=lang)) for name, text in CLIENT_COMMANDS
    ]


def admin_commands(lang: str, owner: bool = True) -> list[BotCommand]:
    """`handlers.admin.ADMIN_COMMANDS` ((name, marked description) pairs) when the admin
    module exists; a plain admin's menu leaves out the owners' commands (OWNER_ONLY)."""
    if importlib.util.find_spec("handlers.admin") is None:
        return []
    module = importlib.import_module("handlers.admin")
    found: Any = getattr(module, "ADMIN_COMMANDS", ())
    hidden: Any = frozenset() if owner else getattr(module, "OWNER_ONLY", frozenset())
    return [
        BotCommand(command=name, description=_(text, lang=lang))
        for name, text in found
        if name not in hidden
    ]


class BotRunner:
    """Owns the bot's lifecycle in the service process."""

    def __init__(self, bot: Bot, dp: Dispatcher, settings: BotSettings, base_url: str) -> None:
        self.bot, self.dp, self.settings = bot, dp, settings
        self.base_url = base_url
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        if settings.bot_mode == BotMode.WEBHOOK and settings.telegram_webhook_secret is None:
            raise SettingsError(
                "invalid setting TELEGRAM_WEBHOOK_SECRET: required in webhook mode"
            )
        self.shared: SharedRegistration | None = None
        if settings.redis_url:  # several processes: they register once between them
            bot_key = f"{settings.telegram_api_server or 'telegram'}|{bot.id}"
            self.shared = SharedRegistration.from_url(settings.redis_url, bot_key)

    @property
    def webhook(self) -> bool:
        return self.settings.bot_mode == BotMode.WEBHOOK

    @property
    def webhook_url(self) -> str:
        return (self.settings.webhook_base_url or self.base_url).rstrip("/") + WEBHOOK_PATH

    def attach(self, app: web.Application) -> None:
        """Add the webhook route (before the app starts); nothing in polling mode."""
        if not self.webhook:
            return
        secret = self.settings.telegram_webhook_secret
        assert secret is not None
        handler = SimpleRequestHandler(self.dp, self.bot, secret_token=secret.get_secret_value())
        handler.register(app, path=WEBHOOK_PATH)

    async def check_token(self) -> None:
        """Refuse to start with a token Telegram rejects (revoked, mistyped); an unreachable
        Telegram is not a reason to stop, as polling and setWebhook keep trying."""
        try:
            await self.bot.get_me()
        except TelegramUnauthorizedError:
            raise SettingsError(
                "invalid setting BOT_TOKEN: Telegram rejects it (401 Unauthorized); copy the "
                "bot's current token from @BotFather (/mybots, API Token)"
            ) from None
        except (TelegramAPIError, OSError) as exc:
            log.warning("getMe failed; the bot starts and keeps trying: %s", exc)

    async def check_address(self) -> None:
        """Refuse a webhook address that differs from another live process's: Telegram keeps
        one webhook, so the last process to register would take every update. The
        processes see each other through Redis (REDIS_URL); without it there is one."""
        if not self.webhook or self.shared is None:
            return
        try:
            await self.shared.announce(self.webhook_url)
        except AddressConflict as exc:
            raise SettingsError(
                "invalid setting WEBHOOK_BASE_URL: another running process of this bot "
                f"registers its Telegram webhook at {exc.theirs}, this one would at "
                f"{exc.ours}; set WEBHOOK_BASE_URL (or PUBLIC_BASE_URL) to the same public "
                "address, the load balancer's, in every process"
            ) from None
        except RedisError as exc:
            log.warning("cannot compare webhook addresses through Redis: %s", exc)

    async def start(self) -> None:
        async with self._registering() as needed:
            if needed:
                await self.set_commands()
                await self.set_menu_button()
                if not self.webhook or await self._set_webhook():
                    await self._record()
                else:
                    self._task = asyncio.create_task(
                        self._retry_set_webhook(), name="telegram-set-webhook"
                    )
        if self.webhook:
            return
        with contextlib.suppress(TelegramAPIError, OSError):
            await self.bot.delete_webhook()  # getUpdates is refused while a webhook is set
        self._task = asyncio.create_task(self._poll(), name="telegram-polling")

    def _fingerprint(self) -> str:
        secret = self.settings.telegram_webhook_secret
        return fingerprint(
            webhook=self.webhook_url if self.webhook else None,
            secret=secret.get_secret_value() if secret else None,
            updates=sorted(self.dp.resolve_used_update_types()),
            menu_button=mini_app_url(self.base_url),
            menus=[
                ([(c.command, c.description) for c in commands], scope.model_dump(), lang)
                for commands, scope, lang in self._command_calls()
            ],
        )

    @contextlib.asynccontextmanager
    async def _registering(self) -> AsyncIterator[bool]:
        """Whether this start must register (the webhook, the menus): always without Redis;
        with it, under its lock, only when what is registered differs from this process's
        settings, or Telegram's webhook is not the expected one."""
        if self.shared is None:
            yield True
            return
        try:
            async with self.shared.lock():
                yield await self._differs()
        except RedisError as exc:
            log.warning("registering without the shared record: %s", exc)
            yield True

    async def _differs(self) -> bool:
        assert self.shared is not None
        if await self.shared.registered() != self._fingerprint():
            return True
        if not self.webhook:
            return False
        try:
            info = await self.bot.get_webhook_info()
        except (TelegramAPIError, OSError):
            return True
        return info.url != self.webhook_url

    async def _record(self) -> None:
        if self.shared is not None:
            try:
                await self.shared.record(self._fingerprint())
            except RedisError as exc:
                log.warning("cannot record the registration in Redis: %s", exc)

    async def _set_webhook(self) -> bool:
        secret = self.settings.telegram_webhook_secret
        assert secret is not None
        try:
            await self.bot.set_webhook(
                self.webhook_url,
                secret_token=secret.get_secret_value(),
                allowed_updates=self.dp.resolve_used_update_types(),
            )
        except (TelegramAPIError, OSError):
            log.exception("setWebhook failed; no updates until it succeeds")
            return False
        log.info("telegram webhook set", extra={"url": self.webhook_url})
        return True

    async def _retry_set_webhook(self) -> None:
        """Until Telegram takes the webhook, with a growing pause: without it the bot hears
        nothing, and a network error at start must not leave it so until a restart."""
        delay = RETRY_FIRST_SECONDS
        while not self._stopping:
            await asyncio.sleep(delay)
            if await self._set_webhook():
                await self._record()
                return
            delay = min(delay * 2, 60.0)

    async def _poll(self) -> None:
        """Polling, restarted with a growing pause if it fails (e.g. Telegram unreachable)."""
        delay = RETRY_FIRST_SECONDS
        while not self._stopping:
            try:
                await self.dp.start_polling(
                    self.bot,
                    handle_signals=False,
                    close_bot_session=False,
                    polling_timeout=POLLING_TIMEOUT,
                )
                return
            except Exception:
                log.exception("telegram polling failed; retrying in %.0f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    async def set_commands(self) -> None:
        """The command menu: clients' commands per language, plus admin commands per admin."""
        for commands, scope, lang in self._command_calls():
            try:
                await self.bot.set_my_commands(commands, scope=scope, language_code=lang)
            except (TelegramAPIError, OSError) as exc:
                log.warning("setMyCommands failed: %s", exc)

    def _command_calls(self) -> list[tuple[list[BotCommand], Any, str | None]]:
        calls: list[tuple[list[BotCommand], Any, str | None]] = [
            (client_commands("ru"), BotCommandScopeDefault(), None),
            *[(client_commands(lang), BotCommandScopeDefault(), lang) for lang in LANGUAGES],
        ]
        for admin_id in self.settings.staff_ids:
            for lang in (None, *LANGUAGES):
                extra = admin_commands(lang or "ru", owner=admin_id in self.settings.owners)
                if extra:
                    scope = BotCommandScopeChat(chat_id=admin_id)
                    calls.append((client_commands(lang or "ru") + extra, scope, lang))
        return calls

    async def set_menu_button(self) -> None:
        """The menu button opens the booking page as a Mini App (Telegram wants https; over
        plain http the button stays the command list)."""
        url = mini_app_url(self.base_url)
        if url is None:
            return
        button = MenuButtonWebApp(text=_("Book", lang="ru"), web_app=WebAppInfo(url=url))
        try:
            await self.bot.set_chat_menu_button(menu_button=button)
        except (TelegramAPIError, OSError) as exc:
            log.warning("setChatMenuButton failed: %s", exc)

    async def stop(self) -> None:
        """Stop polling and let the updates being handled finish (webhook updates stop
        arriving when the web server stops)."""
        self._stopping = True
        if self._task is not None and self.webhook:  # still retrying setWebhook
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._task is not None:
            with contextlib.suppress(RuntimeError):  # not polling right now (between retries)
                await self.dp.stop_polling()
            done, _ = await asyncio.wait({self._task}, timeout=1.0)
            if not done:  # sleeping before a retry
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        in_flight: InFlight = self.dp[IN_FLIGHT]
        if not await in_flight.wait_idle(STOP_TIMEOUT):
            log.warning("bot stopped with %d updates still running", in_flight.count)

    async def close(self) -> None:
        """Close the FSM storage and the bot's HTTP session (after stop)."""
        await self.dp.storage.close()
        await self.dp.fsm.events_isolation.close()
        await self.bot.session.close()
        if self.shared is not None:
            await self.shared.close()
