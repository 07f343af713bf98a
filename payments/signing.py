"""Signatures and source-address checks for gateway webhooks (stdlib only).

- T-Bank: the SHA-256 ``Token`` over root-level scalars plus the terminal password.
- Sber (legacy RBS gateway): the symmetric HMAC-SHA256 callback ``checksum``.
- YooKassa (unsigned) and T-Bank: the published source networks.

See the payments protocol reference, sections 1.4, 2.5, 2.6 and 3.5.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping, Sequence

__all__ = [
    "TINKOFF_NETWORKS",
    "YOOKASSA_NETWORKS",
    "in_networks",
    "sber_checksum",
    "tinkoff_token",
    "verify_sber_checksum",
    "verify_tinkoff_token",
]

#: YooKassa webhook sources as published in the docs (wider IPv6 range than the SDK's list).
YOOKASSA_NETWORKS: tuple[str, ...] = (
    "185.71.76.0/27",
    "185.71.77.0/27",
    "77.75.153.0/25",
    "77.75.156.11",
    "77.75.156.35",
    "77.75.154.128/25",
    "2a02:5180::/32",
)

#: T-Bank notification sources (EACQ protocol v1.8).
TINKOFF_NETWORKS: tuple[str, ...] = (
    "91.194.226.0/23",
    "91.218.132.0/22",
    "212.233.80.0/22",
)

_SBER_UNSIGNED = frozenset({"checksum", "sign_alias"})


def _tinkoff_value_text(value: object) -> str:
    """Render one scalar the way T-Bank concatenates it (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tinkoff_token(fields: Mapping[str, object], password: str) -> str:
    """Compute the T-Bank ``Token`` for a request or notification.

    Root-level scalars only: nested objects and arrays, ``Token`` and nulls are dropped;
    ``Password`` is added; values are concatenated in key order; SHA-256, lowercase hex.
    """
    pairs: dict[str, str] = {}
    for key, value in fields.items():
        if key == "Token" or value is None:
            continue
        # What JSON gives first (bool is an int): the check against the Mapping ABC is
        # slower than the rest of a scalar's work.
        if isinstance(value, str | int | float) or not isinstance(value, Mapping | list | tuple):
            pairs[key] = _tinkoff_value_text(value)
    pairs["Password"] = password
    joined = "".join(pairs[key] for key in sorted(pairs))
    # A lone surrogate (JSON allows "\ud800") cannot be UTF-8; kept as its bytes, it makes a
    # token that matches nothing instead of an error.
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def verify_tinkoff_token(fields: Mapping[str, object], password: str) -> bool:
    """Check the ``Token`` in ``fields`` in constant time; False when it is missing."""
    received = fields.get("Token")
    if not isinstance(received, str) or not received:
        return False
    expected = tinkoff_token(fields, password)
    return hmac.compare_digest(
        expected.encode("ascii"), received.lower().encode("utf-8", "surrogatepass")
    )


def _sber_signed_string(params: Mapping[str, str]) -> str:
    """Build ``name1;value1;...;nameN;valueN;`` from the signed parameters."""
    names = sorted(name for name in params if name not in _SBER_UNSIGNED)
    return "".join(f"{name};{params[name]};" for name in names)


def sber_checksum(params: Mapping[str, str], key: str) -> str:
    """Compute the Sber callback checksum: HMAC-SHA256 with the callback token, UPPER hex.

    ``params`` are the URL-decoded callback parameters; ``checksum`` and ``sign_alias``
    are ignored.
    """
    message = _sber_signed_string(params).encode("utf-8")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest().upper()


def verify_sber_checksum(params: Mapping[str, str], key: str) -> bool:
    """Check the ``checksum`` in ``params`` in constant time, ignoring hex case."""
    received = params.get("checksum")
    if not isinstance(received, str) or not received:
        return False
    expected = sber_checksum(params, key)
    return hmac.compare_digest(expected.encode("ascii"), received.upper().encode("utf-8"))


def _network(spec: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Parse a network or a single address (``strict=False`` allows host bits)."""
    return ipaddress.ip_network(spec.strip(), strict=False)


def in_networks(address: str, networks: Sequence[str]) -> bool:
    """Tell whether ``address`` (IPv4 or IPv6) lies in any of ``networks``.

    Unparseable addresses give False; an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) is
    checked as IPv4. A lone string in ``networks`` counts as one network. A malformed entry
    is a configuration error and raises ``ValueError``.
    """
    if isinstance(networks, str):
        networks = (networks,)
    try:
        ip = ipaddress.ip_address(address.strip())
    except (ValueError, TypeError, AttributeError):
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in _network(spec) for spec in networks)
