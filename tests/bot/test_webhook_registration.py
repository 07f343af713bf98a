"""Several processes of one bot (REDIS_URL set): the webhook and the command menus are
registered once between them, and a process that would register another webhook address
than a running one's refuses to start."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from bot.factory import create_bot, create_dispatcher
from bot.runner import BotRunner
from settings import BotSettings, SettingsError
from tests.bot.flows import Studio
from tests.support import REDIS_URL

SECRET = "s3cret-Token_42"


@pytest.fixture
def bot_env(redis: Redis) -> dict[str, Any]:
    return {"bot_mode": "webhook", "telegram_webhook_secret": SECRET, "redis_url": REDIS_URL}


def another_process(studio: Studio, **changes: Any) -> BotRunner:
    """The bot of a second process with the same settings, but for `changes`."""
    settings: BotSettings = studio.settings.bot.model_copy(update=changes)
    bot = create_bot(settings)
    assert bot is not None
    dp = create_dispatcher(studio.settings, studio.sessionmaker, studio.deps)
    return BotRunner(bot, dp, settings, studio.settings.server.base_url())


async def test_a_second_process_registers_nothing_again(studio: Studio) -> None:
    tg, first = studio.tg, studio.service.bot
    assert first is not None
    await first.check_address()
    webhooks, menus = len(tg.calls("setWebhook")), len(tg.calls("setMyCommands"))
    assert webhooks == 1 and menus > 0
    second = another_process(studio)
    try:
        await second.check_address()
        await second.start()
    finally:
        await second.stop()
        await second.close()
    assert len(tg.calls("setWebhook")) == webhooks
    assert len(tg.calls("setMyCommands")) == menus
    assert tg.webhook_info()["url"] == first.webhook_url


async def test_a_webhook_deleted_at_telegram_is_set_again(studio: Studio) -> None:
    """The record says registered, Telegram says not (deleted by hand): set it."""
    tg, first = studio.tg, studio.service.bot
    assert first is not None
    await first.bot.delete_webhook()
    webhooks = len(tg.calls("setWebhook"))
    second = another_process(studio)
    try:
        await second.start()
    finally:
        await second.stop()
        await second.close()
    assert len(tg.calls("setWebhook")) == webhooks + 1
    assert tg.webhook_info()["url"] == first.webhook_url


async def test_a_changed_secret_is_registered(studio: Studio) -> None:
    tg = studio.tg
    second = another_process(studio, telegram_webhook_secret=SecretStr("another-Secret_7"))
    try:
        await second.start()
    finally:
        await second.stop()
        await second.close()
    assert tg.calls("setWebhook")[-1].params["secret_token"] == "another-Secret_7"


async def test_a_process_with_an_address_of_its_own_is_refused(studio: Studio) -> None:
    tg, first = studio.tg, studio.service.bot
    assert first is not None
    await first.check_address()
    webhooks = len(tg.calls("setWebhook"))
    own = another_process(studio, webhook_base_url="https://10.0.0.7:8443")
    try:
        with pytest.raises(SettingsError) as refused:
            await own.check_address()
    finally:
        await own.close()
    message = str(refused.value)
    assert message.startswith("invalid setting WEBHOOK_BASE_URL")
    assert first.webhook_url in message and "https://10.0.0.7:8443/telegram/webhook" in message
    assert len(tg.calls("setWebhook")) == webhooks
    assert tg.webhook_info()["url"] == first.webhook_url
