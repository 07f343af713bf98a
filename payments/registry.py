"""Which providers this process offers, by PAYMENT_ENV and the keys that are set."""

from __future__ import annotations

from payments.base import PaymentProvider
from payments.mock import MockProvider
from settings import PaymentEnv, PaymentSettings

GATEWAYS = ("yookassa", "tinkoff", "sberpay")


def build_providers(settings: PaymentSettings, base_url: str) -> dict[str, PaymentProvider]:
    """In `mock` mode every gateway name is simulated by the local checkout page."""
    key = settings.mock_signing_key.get_secret_value()
    if settings.payment_env == PaymentEnv.MOCK:
        providers: dict[str, PaymentProvider] = {"mock": MockProvider(base_url, key)}
        for name in GATEWAYS:
            providers[name] = MockProvider(base_url, key, name=name)
        return providers
    raise NotImplementedError("real gateways are configured in payments.gateways")
