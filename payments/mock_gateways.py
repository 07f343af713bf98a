"""In-process stand-ins for the real gateways: with PAYMENT_ENV=mock their adapters talk to
these (payments.registry wires them).

Each stand-in answers the adapter's API calls the way its gateway does (idempotency, order
numbers, refunds) and, when the payer presses Pay or Decline on the local checkout page,
produces the webhook that gateway would send, in its own format and signed its own way: a
T-Bank notification with a Token made with a local terminal password, a Sber callback with a
checksum, a ЮKassa notification body (which the adapter checks by fetching the payment back
from the stand-in). So the real verification code runs on one machine with no keys.

This module holds what the stand-ins share (the simulated webhook and how the checkout page
finds a stand-in); each gateway's is in payments.mock_tinkoff, payments.mock_sber and
payments.mock_yookassa.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class SimulatedWebhook:
    """What the checkout page sends to this app's webhook route."""

    method: str
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class GatewaySimulator(Protocol):
    def complete(
        self, gateway_payment_id: str, our_payment_id: int, amount: int, order: str, paid: bool
    ) -> SimulatedWebhook:
        """The payer paid (or declined): change the state and render the gateway's webhook."""
        ...


def simulator_of(provider: object) -> GatewaySimulator | None:
    simulator = getattr(provider, "simulator", None)
    return simulator if isinstance(simulator, GatewaySimulator) else None


def checkout_url(base_url: str, gateway_id: str) -> str:
    return f"{base_url.rstrip('/')}/mock/checkout/{gateway_id}"


def json_webhook(payload: dict[str, Any]) -> SimulatedWebhook:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return SimulatedWebhook("POST", body, {}, {"Content-Type": "application/json"})
