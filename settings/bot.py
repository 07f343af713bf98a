"""The Telegram bot: its token, its admins, polling or webhooks, and the reminders it sends."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from settings.base import EnvSettings


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


#: What @BotFather issues: the bot's id, a colon, and a secret of 35 URL-safe characters
#: (20 at the least here, for local Bot API servers' test tokens).
BOT_TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,}")


class BotSettings(EnvSettings):
    """Telegram: no token means the bot is off and the rest runs."""

    bot_token: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    #: Who may change prices, hours, halls, the rules and roles (OWNER_IDS). Owners are admins
    #: too; with no owners named every admin is one, as in a studio run by one person.
    owner_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    #: Refunds above this many rubles (one command's refund, a cancellation's included) need
    #: an owner (ADMIN_REFUND_LIMIT).
    admin_refund_limit: int = Field(default=10_000, ge=0, le=100_000_000)
    telegram_api_server: str | None = None
    bot_mode: BotMode = BotMode.POLLING
    webhook_base_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    redis_url: str | None = None
    reminder_hours: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [24, 2])
    #: How old a Mini App's initData may be (seconds since its auth_date), default one day.
    webapp_max_age: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)

    @field_validator("admin_ids", "owner_ids", "reminder_hours", mode="before")
    @classmethod
    def _split_ints(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("bot_token", "telegram_webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not BOT_TOKEN_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError(
                "not a Telegram bot token (digits, a colon, then letters, digits, - and _): "
                "copy it from @BotFather as it is, without quotes or spaces"
            )
        return value

    @property
    def staff_ids(self) -> tuple[int, ...]:
        """Everyone with the admin commands: the owners first, then the other admins."""
        return tuple(dict.fromkeys([*self.owner_ids, *self.admin_ids]))

    @property
    def owners(self) -> tuple[int, ...]:
        """Who has the owner's rights: OWNER_IDS, or every admin when none is named."""
        return tuple(self.owner_ids) if self.owner_ids else tuple(self.admin_ids)

    @property
    def refund_limit(self) -> int:
        """ADMIN_REFUND_LIMIT in kopecks, as money is counted inside."""
        return self.admin_refund_limit * 100

    def role_of(self, user_id: int) -> str:
        """ "owner", "admin" or "client": what /whoami tells."""
        if user_id in self.owners and user_id in self.staff_ids:
            return "owner"
        return "admin" if user_id in self.staff_ids else "client"

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None
