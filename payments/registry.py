"""Which providers this process offers, by PAYMENT_ENV and the keys that are set.

- `mock`: the plain `mock` gateway, and `yookassa`, `tinkoff`, `sberpay` run by their real
  adapters against in-process stand-ins (`payments.mock_gateways`, one module a gateway); no
  keys, no network.
- `test` and `production`: the real adapters for each gateway whose keys are all set, at
  YOOKASSA_API_URL, TINKOFF_API_URL and SBER_API_URL; the `mock` gateway is not offered.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping

from pydantic import SecretStr

from payments.base import PaymentProvider
from payments.mock import MockProvider
from payments.mock_sber import LocalSber
from payments.mock_tinkoff import LocalTinkoff
from payments.mock_yookassa import LocalYooKassa
from payments.sber_api import SberHttpApi
from payments.sberpay import SberProvider
from payments.tinkoff import TinkoffHttpApi, TinkoffProvider
from payments.yookassa import YooKassaProvider
from payments.yookassa_sdk import SdkYooKassaApi
from settings import PaymentEnv, PaymentSettings, SettingsError, validate_payment_settings

log = logging.getLogger(__name__)

GATEWAYS = ("yookassa", "tinkoff", "sberpay")
MOCK_TERMINAL_KEY = "StudioMockTerminalDEMO"
LOOPBACK = ("127.0.0.0/8", "::1/128")


def build_providers(settings: PaymentSettings, base_url: str) -> dict[str, PaymentProvider]:
    """The offered gateways by name; raises SettingsError (one line) when keys are wrong."""
    problem = validate_payment_settings(settings)
    if problem is not None:
        variable, message = problem
        raise SettingsError(f"invalid setting {variable.upper()}: {message}")
    timeout = settings.payment_gateway_timeout
    if settings.payment_env == PaymentEnv.MOCK:
        key = settings.mock_signing_key
        providers: dict[str, PaymentProvider] = {
            "mock": MockProvider(base_url, key.get_secret_value())
        }
        providers.update(
            simulated_gateways(base_url, key, timeout, settings.yookassa_webhook_networks)
        )
        return providers
    offered = settings.configured_gateways()
    providers = {}
    if "yookassa" in offered:
        assert settings.yookassa_shop_id and settings.yookassa_secret_key
        api = SdkYooKassaApi(
            settings.yookassa_shop_id,
            settings.yookassa_secret_key,
            settings.yookassa_api_url,
            timeout,
        )
        providers["yookassa"] = YooKassaProvider(
            api, webhook_networks=settings.yookassa_webhook_networks
        )
    if "tinkoff" in offered:
        assert settings.tinkoff_terminal_key and settings.tinkoff_password
        providers["tinkoff"] = TinkoffProvider(
            settings.tinkoff_terminal_key,
            settings.tinkoff_password,
            TinkoffHttpApi(settings.tinkoff_api_url, timeout),
            timeout=timeout,
            language=settings.tinkoff_language,
        )
    if "sberpay" in offered:
        assert settings.sber_username and settings.sber_password and settings.sber_callback_token
        providers["sberpay"] = SberProvider(
            SberHttpApi(
                settings.sber_api_url, settings.sber_username, settings.sber_password, timeout
            ),
            settings.sber_callback_token,
            timeout=timeout,
        )
    log.info(
        "payment gateways",
        extra={"payments": str(settings.payment_env), "gateways": sorted(providers)},
    )
    return providers


# --- PAYMENT_ENV=mock ----------------------------------------------------------------


def derived_secret(key: SecretStr, purpose: str) -> SecretStr:
    """A separate local secret per simulated gateway, from MOCK_SIGNING_KEY."""
    digest = hmac.new(key.get_secret_value().encode(), purpose.encode(), hashlib.sha256)
    return SecretStr(digest.hexdigest()[:32])


class SimulatedTinkoffProvider(TinkoffProvider):
    def __init__(self, simulator: LocalTinkoff, password: SecretStr, timeout: float) -> None:
        super().__init__(MOCK_TERMINAL_KEY, password, simulator, timeout=timeout)
        self.simulator = simulator


class SimulatedSberProvider(SberProvider):
    def __init__(self, simulator: LocalSber, token: SecretStr, timeout: float) -> None:
        super().__init__(simulator, token, timeout=timeout)
        self.simulator = simulator


class SimulatedYooKassaProvider(YooKassaProvider):
    def __init__(self, simulator: LocalYooKassa, networks: tuple[str, ...]) -> None:
        super().__init__(simulator, webhook_networks=networks)
        self.simulator = simulator


def simulated_gateways(
    base_url: str, signing_key: SecretStr, timeout: float, yookassa_networks: list[str]
) -> dict[str, PaymentProvider]:
    """The three gateways as PAYMENT_ENV=mock offers them."""
    password = derived_secret(signing_key, "tinkoff-terminal")
    token = derived_secret(signing_key, "sber-callback")
    networks = (*LOOPBACK, *yookassa_networks)
    return {
        "yookassa": SimulatedYooKassaProvider(LocalYooKassa(base_url), networks),
        "tinkoff": SimulatedTinkoffProvider(
            LocalTinkoff(base_url, MOCK_TERMINAL_KEY, password), password, timeout
        ),
        "sberpay": SimulatedSberProvider(LocalSber(base_url, token), token, timeout),
    }


async def close_providers(providers: Mapping[str, PaymentProvider]) -> None:
    """Close the providers' HTTP sessions and worker threads (at shutdown)."""
    for provider in providers.values():
        close = getattr(provider, "aclose", None)
        if close is not None:
            await close()
