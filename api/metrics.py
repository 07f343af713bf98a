"""`GET /metrics` in Prometheus' text format: the process's counters and the database's
figures read at this scrape.

Closed unless the operator opens it: with METRICS_TOKEN it answers a matching bearer token;
with METRICS_PORT it is served, without a token, on a port of its own that the operator keeps
off the public network (`metrics_app`). Otherwise it is not there (404).
"""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from api.auth import bearer
from api.errors import error_response
from api.keys import DEPS, SESSIONMAKER, SETTINGS
from ops.gauges import read_gauges
from ops.metrics import REGISTRY

routes = web.RouteTableDef()


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.StreamResponse:
    expected = request.app[SETTINGS].ops.metrics_token
    if expected is None:
        return error_response(404, "not_found", "Not Found")
    given = bearer(request) or ""
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        return error_response(401, "unauthorized", "The metrics need their token.")
    return await exposition(request)


async def exposition(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        snapshot = await read_gauges(session, request.app[DEPS].now())
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(snapshot)
    body = generate_latest(REGISTRY) + generate_latest(scraped)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_app(main_app: web.Application) -> web.Application:
    """The metrics alone, open, for METRICS_PORT (bind it to a private address)."""
    app = web.Application()
    app[SETTINGS] = main_app[SETTINGS]
    app[SESSIONMAKER] = main_app[SESSIONMAKER]
    app[DEPS] = main_app[DEPS]
    app.router.add_get("/metrics", exposition)
    return app
