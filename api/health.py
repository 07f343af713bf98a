"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from api.errors import error_response, json_response
from api.keys import SESSIONMAKER

routes = web.RouteTableDef()


@routes.get("/health")
async def health(_: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/ready")
async def ready(request: web.Request) -> web.Response:
    try:
        async with request.app[SESSIONMAKER]() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # the point is to report any failure, not to crash
        return error_response(503, "database_unavailable", "The database does not answer.")
    return json_response({"status": "ready"})
