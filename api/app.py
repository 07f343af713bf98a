"""The aiohttp application factory; `main.py` and the tests build the app with it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import ClientSession, ClientTimeout, web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import (
    admin,
    admin_webhooks,
    booking_changes,
    bookings,
    calendar_feed,
    certificates,
    clients,
    docs,
    health,
    metrics,
    payments,
    sales,
    studio,
    waitlist,
)
from api.auth import admin_actor_middleware
from api.cors import cors_middleware
from api.keys import (
    DEPS,
    HTTP,
    SESSIONMAKER,
    SETTINGS,
)
from api.limits import RATE_LIMITS, close_rate_limits, rate_limits
from api.middlewares import (
    error_middleware,
    latency_middleware,
    request_id_middleware,
    session_middleware,
)
from api.openapi import routes as openapi_routes
from api.telegram_auth import telegram_auth_middleware
from booking.deps import BookingDeps
from settings import Settings
from web import pages
from webhooks import checkout, gateways


def create_app(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    deps: BookingDeps,
) -> web.Application:
    app = web.Application(
        client_max_size=settings.server.max_body_bytes,
        middlewares=[
            request_id_middleware,
            latency_middleware,
            cors_middleware,
            error_middleware,
            telegram_auth_middleware,
            session_middleware,
            admin_actor_middleware,
        ],
    )
    app[SETTINGS] = settings
    app[SESSIONMAKER] = sessionmaker
    app[DEPS] = deps
    app.cleanup_ctx.append(_http_client)
    app[RATE_LIMITS] = rate_limits(settings)
    app.on_cleanup.append(close_rate_limits)
    for table in (
        health.routes,
        metrics.routes,
        openapi_routes,
        docs.routes,
        bookings.routes,
        booking_changes.routes,
        payments.routes,
        admin.routes,
        clients.routes,
        admin_webhooks.routes,
        calendar_feed.routes,
        sales.routes,
        certificates.routes,
        studio.routes,
        waitlist.routes,
        gateways.routes,
        checkout.routes,
        pages.routes,
    ):
        app.add_routes(table)
    return app


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    """One client session for the app's own outgoing calls (the mock checkout's webhooks)."""
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        app[HTTP] = session
        yield
