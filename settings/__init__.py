"""Configuration from environment variables and `.env`, one module per concern.

The variable names are the contract of DESIGN.md (flat, no prefixes). `load_settings()` is
called once by `main.py` and builds the one `Settings` object; everything else receives the
parts it needs. Each part reads its own variables: `settings.bot` (Telegram),
`settings.db` (the database), `settings.server` (HTTP, the public address, the admin token),
`settings.studio` (the booking rules), `settings.payments` (gateways and receipts),
`settings.smtp` (e-mail), `settings.holds` (limits on holds) and `settings.ops` (metrics,
backups, outgoing webhooks).
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr, ValidationError

from settings.base import ROOT, EnvSettings
from settings.bot import BotMode, BotSettings
from settings.database import DatabaseSettings
from settings.holds import HoldSettings
from settings.ops import OpsSettings, WebhookSubscriber
from settings.payments import PaymentEnv, PaymentSettings, validate_payment_settings
from settings.server import ServerSettings, is_loopback_url
from settings.smtp import SmtpSettings
from settings.studio import StudioSettings

__all__ = [
    "ROOT",
    "BotMode",
    "BotSettings",
    "DatabaseSettings",
    "HoldSettings",
    "OpsSettings",
    "PaymentEnv",
    "PaymentSettings",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "SmtpSettings",
    "StudioSettings",
    "is_loopback_url",
    "load_settings",
    "validate_payment_settings",
    "WebhookSubscriber",
]


class Settings:
    """All settings, built once at start."""

    def __init__(self, **overrides: Any) -> None:
        def pick(cls: type[EnvSettings]) -> Any:
            fields = {k: v for k, v in overrides.items() if k in cls.model_fields}
            return cls(**fields)

        self.bot: BotSettings = pick(BotSettings)
        self.db: DatabaseSettings = pick(DatabaseSettings)
        self.server: ServerSettings = pick(ServerSettings)
        self.studio: StudioSettings = pick(StudioSettings)
        self.payments: PaymentSettings = pick(PaymentSettings)
        self.smtp: SmtpSettings = pick(SmtpSettings)
        self.holds: HoldSettings = pick(HoldSettings)
        self.ops: OpsSettings = pick(OpsSettings)

    def parts(self) -> tuple[EnvSettings, ...]:
        return (
            self.bot,
            self.db,
            self.server,
            self.studio,
            self.payments,
            self.smtp,
            self.holds,
            self.ops,
        )

    def secret_values(self) -> list[str]:
        """Every secret that is set, so the log formatter can mask it wherever it appears."""
        values = []
        for part in self.parts():
            for name in type(part).model_fields:
                value = getattr(part, name)
                if isinstance(value, SecretStr) and value.get_secret_value():
                    values.append(value.get_secret_value())
        values.extend(sub.secret.get_secret_value() for sub in self.ops.outgoing_webhooks)
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
