"""Order numbers for gateways that key a payment by the merchant's order (T-Bank, Sber).

The order number is our payment's idempotency key, so a retry asks for the same order and a
gateway's (signed or fetched) order number names our payment. When a create's outcome was
unknown and the gateway then refuses the number as used, a new registration gets the key
with an attempt suffix, `-r2`, `-r3`; `order_key` strips it again.
"""

from __future__ import annotations

import re

from payments.base import GatewayError

_ATTEMPT = re.compile(r"-r(\d{1,2})$")
MAX_ATTEMPTS = 3


def order_ref(key: str, attempt: int, limit: int) -> str:
    """The order number of `attempt` (1, 2, ...), at most `limit` characters."""
    if not key:
        raise GatewayError("a payment needs an idempotency key to become an order")
    ref = key if attempt == 1 else f"{key}-r{attempt}"
    if len(ref) > limit:
        raise GatewayError(f"order number {ref!r} is longer than {limit} characters")
    return ref


def order_key(ref: str) -> str:
    """Our idempotency key back from an order number."""
    return _ATTEMPT.sub("", ref)


def int_or_none(value: object) -> int | None:
    """Our payment id from a metadata value, if it is one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
