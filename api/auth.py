"""Who is calling: the admin (ADMIN_API_TOKEN), a booking's owner (its access token), or the
Telegram user of the Mini App (a valid initData, checked by api.telegram_auth)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import select

from api.errors import ApiError
from api.keys import SETTINGS
from api.middlewares import db
from api.telegram_auth import telegram_user
from booking.errors import NotFound
from booking.events import acting_as
from booking.tokens import token_matches
from db.models import Booking, Client


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
    """The bearer token; "" for the Mini App's user, who is known by the initData."""
    token = bearer(request)
    if token is None and telegram_user(request) is not None:
        return ""
    if token is None:
        raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.")
    return token


def require_admin(request: web.Request) -> None:
    require_token(request)
    if not is_admin(request):
        raise ApiError(403, "forbidden", "This needs the admin token.")


async def require_owner_or_admin(
    request: web.Request, booking: Booking, missing: NotFound | None = None
) -> None:
    """Another's booking is answered as a missing one (`missing`, by default
    booking_not_found): a token must not tell which ids exist. The Mini App's user owns
    the bookings made for their Telegram account."""
    token = require_token(request)
    if is_admin(request) or (token and token_matches(token, booking.access_token_hash)):
        return
    user = telegram_user(request)
    if user is not None:
        owner = await db(request).scalar(
            select(Client.telegram_id).where(Client.id == booking.client_id)
        )
        if owner == user.id:
            return
    raise missing or NotFound("booking_not_found", "No such booking.")


@web.middleware
async def admin_actor_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Events recorded while the admin token calls say so (`actor: admin_api`)."""
    if not is_admin(request):
        return await handler(request)
    with acting_as(actor="admin_api"):
        return await handler(request)
