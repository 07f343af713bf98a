"""The caller's address, trusting X-Forwarded-For only from the operator's own proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web


def _in(address: str, networks: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)
    except ValueError:
        return False


def from_trusted_proxy(request: web.Request, trusted_proxies: Sequence[str]) -> bool:
    """Whether the connection comes from one of the operator's own proxies."""
    peer = request.remote
    return peer is not None and bool(trusted_proxies) and _in(peer, trusted_proxies)


def client_address(request: web.Request, trusted_proxies: Sequence[str]) -> str | None:
    """Walk X-Forwarded-For from the right, skipping trusted proxies; else the peer."""
    peer = request.remote
    if not from_trusted_proxy(request, trusted_proxies):
        return peer
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([f for f in forwarded if f]):
        if not _in(hop, trusted_proxies):
            return hop
    return peer
