"""Configuration from environment variables and `.env`, one class per concern.

The variable names are the contract of DESIGN.md (flat, no prefixes). `load_settings()` is
called once by `main.py`; everything else receives the objects it needs.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from payments.signing import YOOKASSA_NETWORKS

ROOT = Path(__file__).resolve().parent


class _Base(BaseSettings):
    model_config = SettingsConfigDict(
        # The project's .env, then one in the working directory (which wins).
        env_file=(ROOT / ".env", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )


class PaymentEnv(StrEnum):
    MOCK = "mock"
    TEST = "test"
    PRODUCTION = "production"


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


#: What @BotFather issues: the bot's id, a colon, and a secret of 35 URL-safe characters
#: (20 at the least here, for local Bot API servers' test tokens).
BOT_TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,}")


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
    #: How old a Mini App's initData may be (seconds since its auth_date), default one day.
    webapp_max_age: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)

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
    def enabled(self) -> bool:
        return self.bot_token is not None


class DatabaseSettings(_Base):
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'studio.db'}"
    database_echo: bool = False

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


DATABASE_EXAMPLES = (
    "sqlite+aiosqlite:////var/lib/studio/studio.db or "
    "postgresql+asyncpg://USER:PASSWORD@HOST:5432/NAME"
)


def database_url_problem(url: str) -> str | None:
    """What is wrong with a DATABASE_URL, naming the fix; None when it can be used."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return f"not a database URL; write it as {DATABASE_EXAMPLES}"
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql", "postgres"):
        return f"{backend!r} is not a supported database; use {DATABASE_EXAMPLES}"
    if backend == "sqlite" and parsed.drivername != "sqlite+aiosqlite":
        path = url.partition("://")[2]
        return (
            f"{parsed.drivername}:// is not the driver the service uses; "
            f"write sqlite+aiosqlite://{path}"
        )
    if backend != "sqlite" and parsed.drivername != "postgresql+asyncpg":
        return (
            f"{parsed.drivername}:// is not the driver the service uses; write "
            "postgresql+asyncpg://USER:PASSWORD@HOST:5432/NAME"
        )
    if backend == "postgresql" and not parsed.database:
        return "names no database; write postgresql+asyncpg://USER:PASSWORD@HOST:5432/NAME"
    return None


def url_problem(url: str) -> str | None:
    """What is wrong with a base URL people and gateways are sent to; None if nothing."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https"):
        if not parts.scheme or "." in parts.scheme or parts.netloc == "":
            return f"is not a URL: write https://{url.split('://')[-1]}"
        return f"must start with https:// or http://, not {parts.scheme}://"
    if not parts.hostname or port == 0:
        return "names no host"
    if parts.query or parts.fragment or any(c.isspace() for c in url):
        return "must be a plain address, without a query, a fragment or spaces"
    return None


def is_loopback_url(url: str) -> bool:
    """Whether the URL names this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServerSettings(_Base):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = ""
    admin_api_token: SecretStr | None = None
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Websites (scheme://host[:port]) whose pages may call the JSON API; no others get CORS.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024

    @field_validator("trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an address or a network") from None
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin.rstrip("/"))
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
                raise ValueError(f"{origin!r} is not an origin like https://studio.example")
        return [origin.rstrip("/").lower() for origin in value]

    @field_validator("public_base_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        problem = url_problem(value) if value else None
        if problem is not None:
            raise ValueError(f"{value!r} {problem}")
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

    @field_validator("studio_file")
    @classmethod
    def _file(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(
                f"no file {str(value)!r}; point STUDIO_FILE at the studio's JSON file "
                f"(an example: {ROOT / 'studio' / 'example.json'})"
            )
        return value

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
    """Gateways: which mode, their keys and base URLs, and 54-FZ receipts.

    In `test` and `production` a gateway is offered only when all its keys are set; keys set
    in part, or none at all, refuse the start (see `validate_payment_settings`).
    """

    payment_env: PaymentEnv = PaymentEnv.MOCK
    #: Mock payments on an address others can reach (a demo): its checkout confirms bookings
    #: with no money, so it must be asked for.
    allow_mock_payments: bool = False
    yookassa_shop_id: str | None = None
    yookassa_secret_key: SecretStr | None = None
    yookassa_api_url: str = "https://api.yookassa.ru/v3"
    #: Where ЮKassa notifications may come from (the published list); tests add 127.0.0.1/32.
    yookassa_webhook_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(YOOKASSA_NETWORKS)
    )
    tinkoff_terminal_key: str | None = None
    tinkoff_password: SecretStr | None = None
    tinkoff_api_url: str = "https://securepay.tinkoff.ru/v2"
    tinkoff_language: Literal["ru", "en"] = "ru"
    sber_username: str | None = None
    sber_password: SecretStr | None = None
    sber_callback_token: SecretStr | None = None
    sber_api_url: str = "https://securepayments.sberbank.ru/payment/rest"
    payment_return_url: str | None = None
    #: Seconds to wait for a gateway's answer before the outcome counts as unknown.
    payment_gateway_timeout: float = Field(default=15.0, gt=0, le=120)
    mock_signing_key: SecretStr = SecretStr("mock-signing-key")
    receipt_tax_system: int | None = Field(default=None, ge=1, le=6)
    receipt_vat_code: int | None = Field(default=None, ge=1, le=12)

    @field_validator(
        "yookassa_shop_id",
        "yookassa_secret_key",
        "tinkoff_terminal_key",
        "tinkoff_password",
        "sber_username",
        "sber_password",
        "sber_callback_token",
        "payment_return_url",
        "receipt_tax_system",
        "receipt_vat_code",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        """`TINKOFF_PASSWORD=` in a .env means "not set", not an empty password."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("yookassa_webhook_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("yookassa_webhook_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for spec in value:
            try:
                ipaddress.ip_network(spec, strict=False)
            except ValueError as exc:
                raise ValueError(f"{spec!r} is not an address or a network") from exc
        return value

    @field_validator("yookassa_api_url", "tinkoff_api_url", "sber_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _complete(self) -> PaymentSettings:
        problem = validate_payment_settings(self)
        if problem is not None:
            variable, message = problem
            raise ValidationError.from_exception_data(
                "PaymentSettings",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("payment_settings", message),
                        loc=(variable,),
                        input=None,
                    )
                ],
            )
        return self

    def gateway_keys(self) -> dict[str, tuple[tuple[str, object], ...]]:
        """Each real gateway's variables and their values, in the order they are asked for."""
        return {
            "yookassa": (
                ("yookassa_shop_id", self.yookassa_shop_id),
                ("yookassa_secret_key", self.yookassa_secret_key),
            ),
            "tinkoff": (
                ("tinkoff_terminal_key", self.tinkoff_terminal_key),
                ("tinkoff_password", self.tinkoff_password),
            ),
            "sberpay": (
                ("sber_username", self.sber_username),
                ("sber_password", self.sber_password),
                ("sber_callback_token", self.sber_callback_token),
            ),
        }

    def configured_gateways(self) -> list[str]:
        """The real gateways whose keys are all set."""
        return [
            name
            for name, keys in self.gateway_keys().items()
            if all(value is not None for _, value in keys)
        ]


def validate_payment_settings(payments: PaymentSettings) -> tuple[str, str] | None:
    """The first problem as (variable, message), or None when the payments can start.

    A gateway with some keys set and others missing is refused, naming what is missing (a
    half-configured gateway is a typo, not a choice). In `test` and `production` at least one
    gateway must be complete. Receipts for T-Bank need RECEIPT_TAX_SYSTEM, and a VAT code
    that T-Bank and Sber have no verified name for is refused rather than guessed.
    """
    from payments.receipts import receipt_problem

    for keys in payments.gateway_keys().values():
        given = [name for name, value in keys if value is not None]
        missing = [name for name, value in keys if value is None]
        if given and missing:
            return missing[0], (
                f"{missing[0].upper()} is not set, but {given[0].upper()} is: "
                "set every key of the gateway, or none"
            )
    offered = payments.configured_gateways()
    if payments.payment_env != PaymentEnv.MOCK and not offered:
        return "payment_env", (
            f"PAYMENT_ENV={payments.payment_env} needs the keys of at least one gateway: "
            "YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY, TINKOFF_TERMINAL_KEY and "
            "TINKOFF_PASSWORD, or SBER_USERNAME, SBER_PASSWORD and SBER_CALLBACK_TOKEN"
        )
    if payments.payment_env == PaymentEnv.MOCK:
        offered = ["yookassa", "tinkoff", "sberpay"]
    return receipt_problem(payments.receipt_vat_code, payments.receipt_tax_system, offered)


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


class HoldSettings(_Base):
    """Holds and their abuse: how many live holds one client and one address may have, how
    fast one address may create bookings and payments, and how often the admins hear of
    holds that ended unpaid (0: never)."""

    max_active_holds: int = Field(default=2, ge=1, le=1000)
    booking_rate_per_minute: int = Field(default=10, ge=1, le=100_000)
    payment_rate_per_minute: int = Field(default=20, ge=1, le=100_000)
    hold_digest_minutes: int = Field(default=60, ge=0, le=24 * 60)

    @field_validator("hold_digest_minutes")
    @classmethod
    def _divides_a_day(cls, value: int) -> int:
        if value and (24 * 60) % value:
            raise ValueError("must divide a day into equal parts, e.g. 30, 60, 180 or 1440")
        return value


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
        self.holds: HoldSettings = pick(HoldSettings)

    def parts(self) -> tuple[_Base, ...]:
        return (self.bot, self.db, self.server, self.studio, self.payments, self.smtp, self.holds)

    def secret_values(self) -> list[str]:
        """Every secret that is set, so the log formatter can mask it wherever it appears."""
        values = []
        for part in self.parts():
            for name in type(part).model_fields:
                value = getattr(part, name)
                if isinstance(value, SecretStr) and value.get_secret_value():
                    values.append(value.get_secret_value())
        return values


class SettingsError(Exception):
    """A bad or missing variable, with a one-line message naming it."""


#: The shortest ADMIN_API_TOKEN accepted where money is real or rehearsed.
ADMIN_TOKEN_MIN = 24


def unsafe_combination(settings: Settings) -> str | None:
    """Settings each valid alone that together would be unsafe; the message names the fix.

    Mock payments confirm bookings with no money, so they run only where no one else can
    reach the checkout, unless ALLOW_MOCK_PAYMENTS asks for a demo. Real money needs the
    public https address gateways and payers are sent to, and an admin token not guessed.
    """
    payments, server = settings.payments, settings.server
    base_url = server.base_url()
    env = payments.payment_env
    if (
        env == PaymentEnv.MOCK
        and not payments.allow_mock_payments
        and not is_loopback_url(base_url)
    ):
        return (
            f"invalid setting PAYMENT_ENV: mock payments confirm bookings with no money, "
            f"and {base_url} is reachable from other machines; set PAYMENT_ENV=test or "
            "production with a gateway's keys, or ALLOW_MOCK_PAYMENTS=true for a demo"
        )
    if env == PaymentEnv.PRODUCTION and (
        not base_url.startswith("https://") or is_loopback_url(base_url)
    ):
        return (
            f"invalid setting PUBLIC_BASE_URL: PAYMENT_ENV=production sends payers and "
            f"gateways to {base_url}; set the service's public https:// address"
        )
    token = server.admin_api_token
    if env != PaymentEnv.MOCK and token is not None:
        length = len(token.get_secret_value())
        if length < ADMIN_TOKEN_MIN:
            return (
                f"invalid setting ADMIN_API_TOKEN: {length} characters, at least "
                f"{ADMIN_TOKEN_MIN} with PAYMENT_ENV={env}; make one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
    return None


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise SettingsError naming the first bad variable."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "?"
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
    problem = unsafe_combination(settings)
    if problem is not None:
        raise SettingsError(problem)
    return settings
