"""The real app with PAYMENT_ENV=test, its three gateways pointed at the local fakes.

Overrides `settings` and `providers` of tests/conftest.py, so `running` and `api` serve the
real adapters here. A test marked `mock_gateways` gets PAYMENT_ENV=mock instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from db.models import Payment
from payments.base import PaymentProvider
from payments.registry import build_providers, close_providers
from settings import ROOT, Settings
from tests.conftest import ADMIN_TOKEN, Running
from tests.fakes.sber_api import FakeSber
from tests.fakes.tinkoff_api import JSON, FakeTinkoff
from tests.fakes.yookassa_api import FakeYooKassa

SHOP_ID, SECRET_KEY = "123456", "test_SECRET"
TERMINAL, TB_PASSWORD = "1234567890DEMO", "secret_pw_1"
SB_USER, SB_PASSWORD, SB_TOKEN = "studio-api", "sb-pass", "test-callback-token"

#: The app gives up on a gateway after TIMEOUT (SHORT_TIMEOUT in tests marked
#: `short_gateway_timeout`); a fake's "timeout" answers after LATE, within 4 x SHORT_TIMEOUT.
TIMEOUT = 10.0
SHORT_TIMEOUT = 1.0
LATE = 1.3
GATEWAYS = ("yookassa", "tinkoff", "sberpay")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mock_gateways: PAYMENT_ENV=mock instead of test")
    config.addinivalue_line(
        "markers", "short_gateway_timeout: the app waits SHORT_TIMEOUT for a gateway"
    )


class FakeTinkoffWithCheckOrder(FakeTinkoff):
    """The T-Bank fake plus CheckOrder (EACQ §2.3), which the shared fake does not serve."""

    async def start(self) -> str:
        if self._runner is not None:
            raise RuntimeError("already started")
        self._stopping = asyncio.Event()
        app = web.Application()
        handlers = {
            "Init": self._init,
            "GetState": self._get_state,
            "Confirm": self._confirm,
            "Cancel": self._cancel,
            "CheckOrder": self._check_order,
        }
        for name, handler in handlers.items():
            for prefix in ("", "/v2"):
                app.router.add_post(f"{prefix}/{name}", self._op(name, handler))
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, self.host, 0).start()
        self._runner = runner
        self._base_url = f"http://{self.host}:{runner.addresses[0][1]}"
        return self._base_url

    def _check_order(self, body: JSON) -> JSON:
        order_id = body.get("OrderId")
        found = [p for p in self._payments.values() if p.order_id == order_id]
        return {
            "Success": True,
            "ErrorCode": "0",
            "TerminalKey": self.terminal_key,
            "OrderId": order_id,
            "Payments": [
                {"PaymentId": p.payment_id, "Amount": p.amount, "Status": p.status} for p in found
            ],
        }


@dataclass
class Fakes:
    yk: FakeYooKassa
    tb: FakeTinkoffWithCheckOrder
    sb: FakeSber


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    async with (
        FakeYooKassa(SHOP_ID, SECRET_KEY, timeout_delay=LATE) as yk,
        FakeTinkoffWithCheckOrder(TERMINAL, TB_PASSWORD, timeout_delay=LATE) as tb,
        FakeSber(SB_USER, SB_PASSWORD, SB_TOKEN, timeout_delay=LATE) as sb,
    ):
        yield Fakes(yk, tb, sb)


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, database_url: str, port: int, fakes: Fakes
) -> Settings:
    base: dict[str, Any] = {
        "database_url": database_url,
        "port": port,
        "public_base_url": f"http://127.0.0.1:{port}",
        "admin_api_token": ADMIN_TOKEN,
        "studio_file": ROOT / "studio" / "example.json",
        "min_notice_minutes": 60,
        "hold_minutes": 15,
        "prepayment_percent": 50,
        "booking_horizon_days": 90,
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
        "payment_rate_per_minute": 100_000,
    }
    if request.node.get_closest_marker("mock_gateways"):
        return Settings(**base, payment_env="mock")
    return Settings(
        **base,
        payment_env="test",
        yookassa_shop_id=SHOP_ID,
        yookassa_secret_key=SECRET_KEY,
        yookassa_api_url=fakes.yk.api_url,
        tinkoff_terminal_key=TERMINAL,
        tinkoff_password=TB_PASSWORD,
        tinkoff_api_url=fakes.tb.api_url,
        sber_username=SB_USER,
        sber_password=SB_PASSWORD,
        sber_callback_token=SB_TOKEN,
        sber_api_url=fakes.sb.api_url,
    )


@pytest.fixture
async def providers(settings: Settings) -> AsyncIterator[dict[str, PaymentProvider]]:
    built = build_providers(settings.payments, settings.server.base_url())
    yield built
    await close_providers(built)


@dataclass
class Gate:
    """One gateway's fake as the tests drive it: pay, decline, send its webhook."""

    name: str
    fakes: Fakes
    running: Running

    @property
    def fake(self) -> Any:
        return {"yookassa": self.fakes.yk, "tinkoff": self.fakes.tb, "sberpay": self.fakes.sb}[
            self.name
        ]

    @property
    def webhook_url(self) -> str:
        return self.running.api.url(f"/api/payments/webhook/{self.name}")

    async def gateway_id(self, payment: dict[str, Any]) -> str:
        async with self.running.sessionmaker() as session:
            row = await session.get(Payment, payment["id"])
            assert row is not None and row.gateway_payment_id is not None
            return row.gateway_payment_id

    async def pay(self, payment: dict[str, Any]) -> None:
        self.fake.pay(await self.gateway_id(payment))

    async def decline(self, payment: dict[str, Any]) -> None:
        self.fake.decline(await self.gateway_id(payment))

    async def notify(self, payment: dict[str, Any], **overrides: Any) -> tuple[int, str]:
        """The gateway's webhook for the payment's current state at the fake."""
        gid = await self.gateway_id(payment)
        if self.name == "yookassa":
            return await self.fakes.yk.send_webhook(self.webhook_url, gid, **overrides)
        if self.name == "tinkoff":
            return await self.fakes.tb.send_notification(self.webhook_url, gid, **overrides)
        order = self.fakes.sb.order(gid)
        operation = "deposited" if order["orderStatus"] == 2 else "declinedByTimeout"
        status = 1 if order["orderStatus"] == 2 else 0
        return await self.fakes.sb.send_callback(
            self.webhook_url, gid, operation, status, **overrides
        )

    def payments_created(self) -> int:
        if self.name == "yookassa":
            return self.fakes.yk.payments_created
        if self.name == "tinkoff":
            return self.fakes.tb.payments_created
        return self.fakes.sb.orders_created

    def refunds_made(self) -> int:
        if self.name == "yookassa":
            return self.fakes.yk.refunds_created
        if self.name == "tinkoff":
            return self.fakes.tb.refunds_made
        return self.fakes.sb.refunds_made

    def fail_next(self, operation: str, failure: int | str) -> None:
        """`operation` is "create" or "refund"; failure is a status, "timeout" or "garbage"."""
        names = {
            "yookassa": {"create": "payments.create", "refund": "refunds.create"},
            "tinkoff": {"create": "Init", "refund": "Cancel"},
            "sberpay": {"create": "register", "refund": "refund"},
        }[self.name]
        self.fake.fail_next(names[operation], failure)


@pytest.fixture(params=GATEWAYS)
def gate(request: pytest.FixtureRequest, fakes: Fakes, running: Running) -> Gate:
    return Gate(request.param, fakes, running)
