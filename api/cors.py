"""CORS for the websites named in CORS_ORIGINS: they may call the JSON API from a browser.

Only an `Origin` in the list is echoed back; any other origin gets no CORS header at all,
so the browser keeps the answer from its page. A preflight (`OPTIONS` with
`Access-Control-Request-Method`) is answered here, before routing: 204 for a named origin,
403 `origin_not_allowed` for any other.
"""

from __future__ import annotations

from aiohttp import web

from api.errors import error_response
from api.keys import SETTINGS
from api.middlewares import Handler

METHODS = "GET, POST, DELETE, OPTIONS"
HEADERS = "Authorization, Content-Type, Idempotency-Key"
#: How long a browser may reuse a preflight's answer, in seconds.
MAX_AGE = "600"


def _allowed(request: web.Request) -> str | None:
    origin = request.headers.get("Origin")
    if not origin or not request.path.startswith("/api/"):
        return None
    return origin if origin.lower() in request.app[SETTINGS].server.cors_origins else None


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    origin = _allowed(request)
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    if preflight and request.path.startswith("/api/"):
        if origin is None:
            return error_response(403, "origin_not_allowed", "This website may not call the API.")
        response: web.StreamResponse = web.Response(status=204)
        response.headers.update(
            {
                "Access-Control-Allow-Methods": METHODS,
                "Access-Control-Allow-Headers": HEADERS,
                "Access-Control-Max-Age": MAX_AGE,
            }
        )
    else:
        response = await handler(request)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        response.headers.add("Vary", "Origin")
    return response
