"""What the payment tests share: the gateways' test credentials and fakes, `Gate` (one
gateway's fake as a test drives it), and small steps."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from db.models import Payment
from tests.fakes.sber_api import FakeSber
from tests.fakes.tinkoff_api import JSON, FakeTinkoff
from tests.fakes.yookassa_api import FakeYooKassa
from tests.support import Api, Running

SHOP_ID, SECRET_KEY = "123456", "test_SECRET"
TERMINAL, TB_PASSWORD = "1234567890DEMO", "secret_pw_1"
SB_USER, SB_PASSWORD, SB_TOKEN = "studio-api", "sb-pass", "test-callback-token"

#: The app gives up on a gateway after TIMEOUT (SHORT_TIMEOUT in tests marked
#: `short_gateway_timeout`); a fake's "timeout" answers after LATE, within 4 x SHORT_TIMEOUT.
TIMEOUT = 10.0
SHORT_TIMEOUT = 1.0
LATE = 1.3
GATEWAYS = ("yookassa", "tinkoff", "sberpay")


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


async def events(api: Api, booking: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    status, body = await api.admin("GET", f"/api/integrations/events?booking_id={booking['id']}")
    assert status == 200, body
    return [e for e in body["events"] if e["type"] == kind]


async def payment_of(api: Api, payment: dict[str, Any]) -> dict[str, Any]:
    status, body = await api.admin("GET", f"/api/payments/{payment['id']}")
    assert status == 200, body
    return dict(body)


async def refund(api: Api, payment: dict[str, Any], amount: str | None = None) -> tuple[int, Any]:
    body: dict[str, Any] = {"reason": "test refund"}
    if amount is not None:
        body["amount"] = amount
    return await api.admin("POST", f"/api/payments/{payment['id']}/refund", json=body)


async def confirmed_payment(
    api: Api, gate: Gate, **book: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Book, pay at the fake, deliver its webhook: (booking, payment), confirmed."""
    booking = await api.booked(**book)
    payment = await api.start_payment(booking, gate.name)
    await gate.pay(payment)
    status, text = await gate.notify(payment)
    assert status == 200, text
    assert (await api.booking(booking))["status"] == "confirmed"
    return booking, payment
