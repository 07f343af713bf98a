"""The OpenAPI document of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from webhooks.errors import json_response

routes = web.RouteTableDef()

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Studio booking API", "version": "1.0.0"},
    "paths": {},
}


@routes.get("/api/openapi.json")
async def openapi(_: web.Request) -> web.Response:
    return json_response(DOCUMENT)
