"""PAYMENT_ENV: which gateways are offered, refused starts, and mock mode's own formats."""

from __future__ import annotations

import json
from typing import Any

import pytest
from yookassa import Configuration

from db.models import Payment
from payments.base import GatewayError, PaymentRequest
from payments.mock import MockProvider
from payments.mock_gateways import simulator_of
from payments.registry import build_providers, close_providers
from payments.sberpay import SberProvider
from payments.tinkoff import TinkoffProvider
from payments.yookassa import YooKassaProvider
from settings import PaymentSettings, SettingsError, load_settings
from tests.payments.helpers import GATEWAYS, Fakes, events, payment_of, refund
from tests.support import Running, free_port

KEYS: dict[str, Any] = {
    "yookassa_shop_id": "1",
    "yookassa_secret_key": "k",
    "tinkoff_terminal_key": "TDEMO",
    "tinkoff_password": "p",
    "sber_username": "u",
    "sber_password": "p",
    "sber_callback_token": "t",
}


#: The gateways' names on the test checkout page: Russian, English.
NAMES = {
    "yookassa": ("ЮKassa", "YooKassa"),
    "tinkoff": ("Т-Банк", "T-Bank"),
    "sberpay": ("SberPay", "SberPay"),
}


def _error(**values: Any) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(**values)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_test_mode_without_any_keys_is_refused() -> None:
    message = _error(payment_env="test")
    assert message.startswith("invalid setting PAYMENT_ENV:")
    assert "TINKOFF_TERMINAL_KEY" in message
    assert "PRODUCTION" in _error(payment_env="production").upper()


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"tinkoff_terminal_key": "TDEMO"}, "TINKOFF_PASSWORD"),
        ({"yookassa_secret_key": "k"}, "YOOKASSA_SHOP_ID"),
        ({"sber_username": "u", "sber_password": "p"}, "SBER_CALLBACK_TOKEN"),
        ({"tinkoff_terminal_key": "TDEMO", "tinkoff_password": ""}, "TINKOFF_PASSWORD"),
    ],
)
def test_partly_set_gateway_is_refused_naming_the_missing_variable(
    given: dict[str, Any], missing: str
) -> None:
    for env in ("test", "mock"):
        assert _error(payment_env=env, **given).startswith(f"invalid setting {missing}:")


def test_receipts_for_tinkoff_need_a_tax_system_and_a_known_vat_code() -> None:
    keys = {"tinkoff_terminal_key": "TDEMO", "tinkoff_password": "p"}
    message = _error(payment_env="test", receipt_vat_code=1, **keys)
    assert message.startswith("invalid setting RECEIPT_TAX_SYSTEM:")
    message = _error(payment_env="test", receipt_vat_code=7, receipt_tax_system=1, **keys)
    assert message.startswith("invalid setting RECEIPT_VAT_CODE:")
    only_yookassa = {"yookassa_shop_id": "1", "yookassa_secret_key": "k"}
    assert load_settings(payment_env="test", receipt_vat_code=7, **only_yookassa)


def test_bad_networks_and_urls_are_refused() -> None:
    assert "YOOKASSA_WEBHOOK_NETWORKS" in _error(yookassa_webhook_networks="10.0.0.0/33")
    assert "TINKOFF_API_URL" in _error(tinkoff_api_url="ftp://x")
    assert "TRUSTED_PROXIES" in _error(trusted_proxies="10.0.0.1, nginx")
    settings = PaymentSettings(yookassa_webhook_networks="127.0.0.1/32, ::1")
    assert settings.yookassa_webhook_networks == ["127.0.0.1/32", "::1"]
    assert PaymentSettings().yookassa_webhook_networks[0] == "185.71.76.0/27"


async def test_only_configured_gateways_are_offered() -> None:
    settings = PaymentSettings(
        payment_env="production", tinkoff_terminal_key="TDEMO", tinkoff_password="p"
    )
    providers = build_providers(settings, "https://studio.example")
    assert list(providers) == ["tinkoff"]  # no mock in production, no unconfigured gateway
    assert isinstance(providers["tinkoff"], TinkoffProvider)
    await close_providers(providers)
    settings = PaymentSettings(payment_env="test", **KEYS)
    providers = build_providers(settings, "https://studio.example")
    assert sorted(providers) == sorted(GATEWAYS)
    assert isinstance(providers["yookassa"], YooKassaProvider)
    assert isinstance(providers["sberpay"], SberProvider)
    assert all(simulator_of(p) is None for p in providers.values())
    await close_providers(providers)


async def test_unconfigured_gateway_is_not_payable(running: Running) -> None:
    offered = {k: v for k, v in running.deps.providers.items() if k != "sberpay"}
    running.deps.providers = offered  # as if SBER_* were not set
    booking = await running.api.booked()
    status, body = await running.api.call(
        "POST",
        "/api/payments",
        json={"booking_id": booking["id"], "gateway": "sberpay"},
        token=booking["access_token"],
    )
    assert status == 400 and body["error"]["code"] == "unknown_gateway"
    status, _ = await running.api.call("POST", "/api/payments/webhook/sberpay", data=b"x")
    assert status == 404


async def test_two_yookassa_shops_keep_their_own_settings(fakes: Fakes) -> None:
    """The SDK's global Configuration is never touched; each provider has its own client."""
    before = (Configuration.account_id, Configuration.api_url)
    good = PaymentSettings(
        payment_env="test",
        yookassa_shop_id="123456",
        yookassa_secret_key="test_SECRET",
        yookassa_api_url=fakes.yk.api_url,
    )
    wrong = good.model_copy(update={"yookassa_shop_id": "999"})
    first = build_providers(good, "http://127.0.0.1:1")["yookassa"]
    second = build_providers(wrong, "http://127.0.0.1:1")["yookassa"]
    request = PaymentRequest(
        payment_id=1,
        amount=10000,
        description="x",
        return_url="http://127.0.0.1:1/back",
        notification_url="http://127.0.0.1:1/hook",
        idempotency_key="pay-1-ABC",
    )
    created = await first.create_payment(request)
    assert created.confirmation_url.startswith("https://")
    with pytest.raises(Exception, match="UnauthorizedError"):
        await second.create_payment(request)
    assert (Configuration.account_id, Configuration.api_url) == before
    await close_providers({"a": first, "b": second})


# --- mock mode ----------------------------------------------------------------------------


@pytest.mark.mock_gateways
async def test_mock_mode_offers_plain_mock_and_simulated_gateways(running: Running) -> None:
    providers = running.deps.providers
    assert isinstance(providers["mock"], MockProvider)
    assert isinstance(providers["tinkoff"], TinkoffProvider)
    assert all(simulator_of(providers[name]) is not None for name in GATEWAYS)


@pytest.mark.mock_gateways
@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_mock_checkout_sends_the_gateways_own_webhook(
    running: Running, gateway: str
) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking, gateway)
    assert payment["confirmation_url"].startswith(api.base_url + "/mock/checkout/")
    path = payment["confirmation_url"].removeprefix(api.base_url)
    status, page = await api.call("GET", path)
    assert status == 200 and "2\u00a0500\u00a0₽" in page  # as money reads elsewhere
    # The gateway it stands in for by its name, the booking in a plain phrase.
    assert f"<title>Тестовая оплата — {NAMES[gateway][0]}" in page
    assert f"Бронь {booking['code']}, Белый зал, 03.12.2026 12:00" in page
    status, page = await api.call("GET", path, headers={"Accept-Language": "en"})
    assert f"<title>Test payment — {NAMES[gateway][1]}" in page
    assert f"Booking {booking['code']}, White hall, 03.12.2026 12:00" in page
    result = await api.checkout(payment, "succeeded", repeat=3)
    assert result["webhook_statuses"] == [200, 200, 200]
    assert (await api.booking(booking))["status"] == "confirmed"
    assert len(await events(api, booking, "booking.confirmed")) == 1
    status, body = await refund(api, payment, "500.00")
    assert status == 201 and body["status"] == "succeeded"
    assert (await payment_of(api, payment))["status"] == "partially_refunded"


@pytest.mark.mock_gateways
@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_mock_checkout_decline(running: Running, gateway: str) -> None:
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking, gateway)
    result = await api.checkout(payment, "canceled")
    assert result["webhook_statuses"] == [200]
    assert (await payment_of(api, payment))["status"] == "canceled"
    assert (await api.booking(booking))["status"] == "pending_payment"


@pytest.mark.mock_gateways
async def test_mock_mode_verifies_like_the_real_gateways(running: Running) -> None:
    """The simulated T-Bank signs with its local password; a forged Token is refused."""
    api = running.api
    booking = await api.booked()
    payment = await api.start_payment(booking, "tinkoff")
    provider = running.deps.providers["tinkoff"]
    simulator = simulator_of(provider)
    assert simulator is not None
    async with running.sessionmaker() as session:
        row = await session.get(Payment, payment["id"])
        assert row is not None and row.gateway_payment_id is not None
    delivery = simulator.complete(
        row.gateway_payment_id, row.id, row.amount, row.idempotency_key, paid=True
    )
    forged = json.loads(delivery.body)
    forged["Token"] = "f" * 64
    url = api.url("/api/payments/webhook/tinkoff")
    async with api.http.post(url, json=forged) as response:
        assert response.status == 403
    assert (await api.booking(booking))["status"] == "pending_payment"
    async with api.http.post(url, data=delivery.body, headers=dict(delivery.headers)) as response:
        assert response.status == 200 and await response.text() == "OK"
    assert (await api.booking(booking))["status"] == "confirmed"
    status, _ = await api.call(
        "POST",
        "/api/payments/webhook/yookassa",
        json={"type": "notification", "event": "payment.succeeded", "object": {"id": "x"}},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert status == 403  # not from ЮKassa's networks (nor this machine)


async def test_connection_refused_is_a_gateway_error() -> None:
    """The SDK raises AttributeError when nothing listens; every adapter says GatewayError.
    (The ЮKassa SDK retries a refused connection with pauses longer than any timeout here,
    so its call ends at the timeout: a short one keeps the test short.)"""
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = PaymentSettings(
        payment_env="test",
        **KEYS,
        yookassa_api_url=nowhere,
        tinkoff_api_url=nowhere,
        sber_api_url=nowhere,
        payment_gateway_timeout=1,
    )
    providers = build_providers(settings, "http://127.0.0.1:1")
    request = PaymentRequest(
        payment_id=1,
        amount=10000,
        description="x",
        return_url="http://127.0.0.1:1/back",
        notification_url="http://127.0.0.1:1/hook",
        idempotency_key="pay-1-ABC",
    )
    for provider in providers.values():
        with pytest.raises(GatewayError):
            await provider.create_payment(request)
        with pytest.raises(GatewayError):
            await provider.fetch_payment("2f1e9c3a-000f-5000-8000-000000000001")
    await close_providers(providers)
