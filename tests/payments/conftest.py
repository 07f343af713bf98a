"""The real app with PAYMENT_ENV=test, its three gateways pointed at the local fakes (the
fakes, `Gate` and the credentials are in tests/payments/helpers.py).

Gives `settings_env` of tests/conftest.py the gateways' settings, so `settings`, `running`
and `api` serve the real adapters here. A test marked `mock_gateways` gets PAYMENT_ENV=mock
instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.sber_api import FakeSber
from tests.fakes.yookassa_api import FakeYooKassa
from tests.payments.helpers import (
    GATEWAYS,
    LATE,
    SB_PASSWORD,
    SB_TOKEN,
    SB_USER,
    SECRET_KEY,
    SHOP_ID,
    SHORT_TIMEOUT,
    TB_PASSWORD,
    TERMINAL,
    TIMEOUT,
    Fakes,
    FakeTinkoffWithCheckOrder,
    Gate,
)
from tests.support import Running


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mock_gateways: PAYMENT_ENV=mock instead of test")
    config.addinivalue_line(
        "markers", "short_gateway_timeout: the app waits SHORT_TIMEOUT for a gateway"
    )


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    async with (
        FakeYooKassa(SHOP_ID, SECRET_KEY, timeout_delay=LATE) as yk,
        FakeTinkoffWithCheckOrder(TERMINAL, TB_PASSWORD, timeout_delay=LATE) as tb,
        FakeSber(SB_USER, SB_PASSWORD, SB_TOKEN, timeout_delay=LATE) as sb,
    ):
        yield Fakes(yk, tb, sb)


@pytest.fixture
def settings_env(request: pytest.FixtureRequest, fakes: Fakes) -> dict[str, Any]:
    env: dict[str, Any] = {
        "payment_gateway_timeout": (
            SHORT_TIMEOUT if request.node.get_closest_marker("short_gateway_timeout") else TIMEOUT
        ),
        "receipt_vat_code": 1,
        "receipt_tax_system": 2,
        # The fakes call from 127.0.0.1; a test can pose as another sender through this proxy.
        "trusted_proxies": ["127.0.0.1"],
        "yookassa_webhook_networks": ["127.0.0.1/32"],
        # Many clients from one address and phone; the limits have their own tests.
        "max_active_holds": 1000,
        "booking_rate_per_minute": 100_000,
        "quote_rate_per_minute": 100_000,
        "payment_rate_per_minute": 100_000,
    }
    if request.node.get_closest_marker("mock_gateways"):
        return {**env, "payment_env": "mock"}
    return {
        **env,
        "payment_env": "test",
        "yookassa_shop_id": SHOP_ID,
        "yookassa_secret_key": SECRET_KEY,
        "yookassa_api_url": fakes.yk.api_url,
        "tinkoff_terminal_key": TERMINAL,
        "tinkoff_password": TB_PASSWORD,
        "tinkoff_api_url": fakes.tb.api_url,
        "sber_username": SB_USER,
        "sber_password": SB_PASSWORD,
        "sber_callback_token": SB_TOKEN,
        "sber_api_url": fakes.sb.api_url,
    }


@pytest.fixture(params=GATEWAYS)
def gate(request: pytest.FixtureRequest, fakes: Fakes, running: Running) -> Gate:
    return Gate(request.param, fakes, running)
