"""Who is calling: the admin (ADMIN_API_TOKEN) or a booking's owner (its access token)."""

from __future__ import annotations

import hmac

from aiohttp import web

from api.errors import ApiError
from api.keys import SETTINGS
from booking.errors import NotFound
from booking.tokens import token_matches
from db.models import Booking


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_admin(request: web.Request) -> bool:
    expected = request.app[SETTINGS].server.admin_api_token
    token = bearer(request)
    if expected is None or token is None:
        return False
    return hmac.compare_digest(token.encode(), expected.get_secret_value().encode())


def require_token(request: web.Request) -> str:
    token = bearer(request)
    if token is None:
        raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.")
    return token


def require_admin(request: web.Request) -> None:
    require_token(request)
    if not is_admin(request):
        raise ApiError(403, "forbidden", "This needs the admin token.")


def require_owner_or_admin(
    request: web.Request, booking: Booking, missing: NotFound | None = None
) -> None:
    """Another's booking is answered as a missing one (`missing`, by default
    booking_not_found): a token must not tell which ids exist."""
    token = require_token(request)
    if is_admin(request) or token_matches(token, booking.access_token_hash):
        return
    raise missing or NotFound("booking_not_found", "No such booking.")
