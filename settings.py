"""Configuration from environment variables and `.env`, one class per concern.

The variable names are the contract of DESIGN.md (flat, no prefixes). `load_settings()` is
called once by `main.py`; everything else receives the objects it needs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


class _Base(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )


class PaymentEnv(StrEnum):
    MOCK = "mock"
    TEST = "test"
    PRODUCTION = "production"


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class BotSettings(_Base):
    """Telegram: no token means the bot is off and the rest runs."""

    bot_token: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    telegram_api_server: str | None = None
    bot_mode: BotMode = BotMode.POLLING
    webhook_base_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    redis_url: str | None = None
    reminder_hours: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [24, 2])

    @field_validator("admin_ids", "reminder_hours", mode="before")
    @classmethod
    def _split_ints(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("bot_token", "telegram_webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None


class DatabaseSettings(_Base):
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'studio.db'}"
    database_echo: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class ServerSettings(_Base):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = ""
    admin_api_token: SecretStr | None = None
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    def base_url(self) -> str:
        """Where gateways and payers reach this server."""
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")


class StudioSettings(_Base):
    """The studio's booking rules that are not per hall."""

    studio_timezone: str = "Europe/Moscow"
    studio_file: Path = ROOT / "studio" / "example.json"
    hold_minutes: int = Field(default=15, ge=1, le=24 * 60)
    prepayment_percent: int = Field(default=50, ge=1, le=100)
    min_notice_minutes: int = Field(default=60, ge=0)
    booking_horizon_days: int = Field(default=90, ge=1, le=730)
    cancellation_tiers: str = "48:100,24:50,0:0"

    @field_validator("studio_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("cancellation_tiers")
    @classmethod
    def _tiers(cls, value: str) -> str:
        try:
            pairs = [tuple(int(x) for x in part.split(":")) for part in value.split(",")]
        except ValueError as exc:
            raise ValueError("expected HOURS:PERCENT pairs, e.g. 48:100,24:50,0:0") from exc
        if not pairs or any(len(p) != 2 or not 0 <= p[1] <= 100 or p[0] < 0 for p in pairs):
            raise ValueError("expected HOURS:PERCENT pairs, e.g. 48:100,24:50,0:0")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.studio_timezone)


class PaymentSettings(_Base):
    payment_env: PaymentEnv = PaymentEnv.MOCK
    yookassa_shop_id: str | None = None
    yookassa_secret_key: SecretStr | None = None
    yookassa_api_url: str = "https://api.yookassa.ru/v3"
    tinkoff_terminal_key: str | None = None
    tinkoff_password: SecretStr | None = None
    tinkoff_api_url: str = "https://securepay.tinkoff.ru/v2"
    sber_username: str | None = None
    sber_password: SecretStr | None = None
    sber_callback_token: SecretStr | None = None
    sber_api_url: str = "https://securepayments.sberbank.ru/payment/rest"
    payment_return_url: str | None = None
    mock_signing_key: SecretStr = SecretStr("mock-signing-key")
    receipt_tax_system: int | None = Field(default=None, ge=1, le=6)
    receipt_vat_code: int | None = Field(default=None, ge=1, le=12)


class SmtpSettings(_Base):
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "studio@localhost"
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_timeout: float = 10.0
    admin_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host)


class Settings:
    """All settings, built once at start."""

    def __init__(self, **overrides: Any) -> None:
        def pick(cls: type[_Base]) -> Any:
            fields = {k: v for k, v in overrides.items() if k in cls.model_fields}
            return cls(**fields)

        self.bot: BotSettings = pick(BotSettings)
        self.db: DatabaseSettings = pick(DatabaseSettings)
        self.server: ServerSettings = pick(ServerSettings)
        self.studio: StudioSettings = pick(StudioSettings)
        self.payments: PaymentSettings = pick(PaymentSettings)
        self.smtp: SmtpSettings = pick(SmtpSettings)


class SettingsError(Exception):
    """A bad or missing variable, with a one-line message naming it."""


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise SettingsError naming the first bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "?"
        raise SettingsError(f"invalid setting {name}: {error['msg']}") from None
