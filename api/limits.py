"""Per-address limits of the website's API: how fast one address may create bookings and
payments (429 with Retry-After), and the address the hold limit counts.

The address is the peer's, or the X-Forwarded-For entry added by a proxy in
TRUSTED_PROXIES (api/remote.py). An IPv6 client usually has a whole /64 network to pick
addresses from, so IPv6 addresses count by their /64. Requests with the admin token are
the studio's own and are not limited.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from api.auth import is_admin
from api.errors import ApiError
from api.keys import DEPS, SETTINGS
from api.rate_limiter import RateLimiter, rate_limiter_for
from api.remote import client_address
from settings import Settings

PERIOD = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class RateLimits:
    limiter: RateLimiter
    per_minute: dict[str, int]


RATE_LIMITS = web.AppKey("rate_limits", RateLimits)


def address_key(address: str | None) -> str | None:
    """The address as the limits count it: IPv4 as is, IPv6 as its /64 network."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]  # not an address (a proxy's oddity): counted as given
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def caller_address(request: web.Request) -> str | None:
    """The caller's address key (see address_key)."""
    return address_key(client_address(request, request.app[SETTINGS].server.trusted_proxies))


async def check_rate(request: web.Request, kind: str) -> None:
    """Count one request of `kind` ("bookings", "payments", "quotes") for the caller's address;
    429 with Retry-After when the address has used its minute's share."""
    address = caller_address(request)
    if address is None or is_admin(request):
        return
    limits = request.app[RATE_LIMITS]
    now = request.app[DEPS].now()
    wait = await limits.limiter.take(f"{kind}:{address}", limits.per_minute[kind], PERIOD, now)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "rate_limited",
            f"This address has sent too many requests ({kind}), refused ones included; "
            f"try again in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )


def rate_limits(settings: Settings) -> RateLimits:
    """The app's limits, from HOLD settings and REDIS_URL.

    Redis keys are named after the studio's database, so the processes of one studio share
    their buckets and two studios on one Redis never meet."""
    studio = hashlib.sha256(settings.db.database_url.encode()).hexdigest()[:12]
    return RateLimits(
        rate_limiter_for(settings.bot.redis_url, f"studio:rate:{studio}"),
        {
            "bookings": settings.holds.booking_rate_per_minute,
            "payments": settings.holds.payment_rate_per_minute,
            # Looking a certificate code up counts like a payment: guessing codes is slow.
            "certificate lookups": settings.holds.payment_rate_per_minute,
            "quotes": settings.holds.quote_rate_per_minute,
        },
    )


async def close_rate_limits(app: web.Application) -> None:
    await app[RATE_LIMITS].limiter.close()
