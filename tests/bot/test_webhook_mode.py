"""Webhook mode: the bot sets its webhook on start; the fake Bot API delivers updates to
/telegram/webhook on the service with the secret; a wrong or missing secret is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import runner
from tests.bot.flows import Studio
from tests.support import eventually

SECRET = "s3cret-Token_42"


@pytest.fixture
def bot_env() -> dict[str, Any]:
    return {"bot_mode": "webhook", "telegram_webhook_secret": SECRET}


async def test_updates_arrive_through_the_webhook(studio: Studio) -> None:
    tg = studio.tg
    info = tg.webhook_info()
    assert info["url"] == f"{studio.settings.server.base_url()}/telegram/webhook"
    set_call = tg.calls("setWebhook")[-1]
    assert set_call.params["secret_token"] == SECRET
    assert set(set_call.params["allowed_updates"]) >= {"message", "callback_query"}
    assert tg.calls("getUpdates") == []

    anna = studio.user()
    reply = await studio.send(anna, "/start")
    assert reply.result["text"].startswith("Здравствуйте")
    await studio.press(anna, "📅 Забронировать")
    assert anna.last_message()["text"] == "Выберите зал:"  # type: ignore[index]
    assert all(d.status == 200 for d in tg.webhook_deliveries)
    assert len(tg.webhook_deliveries) == 2


async def test_a_wrong_or_missing_secret_is_refused(studio: Studio) -> None:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1001, "type": "private", "first_name": "Mallory"},
            "from": {"id": 1001, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    url = f"{studio.settings.server.base_url()}/telegram/webhook"
    for secret in ("wrong-secret", SECRET[:-1], None):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with studio.http.post(url, data=json.dumps(update), headers=headers) as response:
            assert response.status == 401
    await studio.settle()
    assert studio.tg.calls("sendMessage") == []


async def test_a_failed_set_webhook_is_tried_again(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram unreachable when the service starts: the webhook is set once it is back,
    without a restart."""
    monkeypatch.setattr(runner, "RETRY_FIRST_SECONDS", 0.05)
    tg, service_bot = studio.tg, studio.service.bot
    assert service_bot is not None
    await service_bot.bot.delete_webhook()
    tg.fail_next("setWebhook", 502, times=2)
    calls = len(tg.calls("setWebhook"))
    await service_bot.start()
    await eventually(lambda: _webhook_set(studio))
    assert len(tg.calls("setWebhook")) == calls + 3
    anna = studio.user()
    assert (await studio.send(anna, "/start")).result["text"].startswith("Здравствуйте")


async def _webhook_set(studio: Studio) -> bool:
    return bool(studio.tg.webhook_info()["url"])
