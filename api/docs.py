"""`/api/docs`: the OpenAPI document as a readable page (Swagger UI), served from the files of
the installed `swagger-ui-py` package, so the page works without any outside network."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from aiohttp import web

from api.errors import ApiError

routes = web.RouteTableDef()

#: The only files served, with their types: nothing else of the package is reachable.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}

# Relative links: the page also works when a proxy serves the API under a prefix.
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Studio booking API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", validatorUrl: null});
</script>
</body>
</html>
"""


def static_dir() -> Path:
    """The package's static folder, found without importing it (it imports Jinja2 and YAML,
    which only its own framework glue uses)."""
    spec = find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0]) / "static"


@routes.get("/api/docs")
async def docs_page(_: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


@routes.get("/api/docs/{asset}")
async def docs_asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["asset"]
    if name not in ASSETS:
        raise ApiError(404, "not_found", "No such file.")
    return web.FileResponse(static_dir() / name, headers={"Content-Type": ASSETS[name]})
