"""The OpenAPI 3.1 document, served at /api/openapi.json, generated at import from the request
and answer models (`api/inputs.py`, `api/query_params.py`, `api/outputs.py`,
`api/hall_outputs.py` and `api/ops_outputs.py`) and the route table (`api/route_table.py`):
nothing here describes a field by hand."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema

from api.errors import json_response
from api.outputs import Error
from api.route_table import PATH_PARAMETERS, ROUTES, Route

routes = web.RouteTableDef()
Schema = dict[str, Any]
REF = "#/components/schemas/{model}"

STATUS_TEXT = {
    400: "Bad input or a broken booking rule.",
    401: "No `Authorization: Bearer` header.",
    403: "Refused: not the admin token, or the gateway's signature does not hold.",
    404: "Not found.",
    409: "Taken, or not in a state that allows this.",
    413: "The body is larger than MAX_BODY_BYTES.",
    429: "Too many unpaid holds or requests from this client; `Retry-After` says when to retry.",
    502: "The gateway failed; nothing was charged.",
    503: "Not now; try again later.",
}
#: A booking's owner routes answer another's token as they answer a missing id (404).
AUTH_ERRORS = {
    "public": {},
    "owner": {401: "unauthorized"},
    "admin": {401: "unauthorized", 403: "forbidden"},
}
ADMIN_ONLY: list[dict[str, list[str]]] = [{"adminToken": []}]
SECURITY = {"public": [], "owner": [{"bookingToken": []}, *ADMIN_ONLY], "admin": ADMIN_ONLY}
DESCRIPTION = """The JSON API of the studio's booking service. Money is `{"value": "1500.00",
"currency": "RUB"}`; times are ISO 8601 with the studio's offset; dates `YYYY-MM-DD` in the
studio's zone. Every error is `{"error": {"code", "message"}}`; any route can also answer 404
`not_found`, 405 `method_not_allowed` (with `Allow`) and 500 `internal_error`."""


class _NoTitles(GenerateJsonSchema):
    """Field titles repeat the field names; the page reads better without them."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def _content(media: tuple[str, ...], schema: Schema | None = None) -> Schema:
    return {kind: {"schema": schema} if schema else {} for kind in media}


def _parameters(route: Route, refs: dict[Any, Schema], schemas: Schema) -> list[Any]:
    names = re.findall(r"\{(\w+)\}", route.path)  # `/calendar/{token}.ics` too
    found = [
        {"name": name, "in": "path", "required": True, "schema": _adapter(PATH_PARAMETERS[name])}
        for name in names
    ]
    if route.query is not None:
        model = schemas[_name(refs[route.query])]
        for name, schema in model["properties"].items():
            # An absent parameter is the default; "null" has no meaning in a query string.
            schema = next((s for s in schema.get("anyOf", []) if s != {"type": "null"}), schema)
            required = name in model.get("required", ())
            found.append({"name": name, "in": "query", "required": required, "schema": schema})
    return found


def _name(ref: Schema) -> str:
    return str(ref["$ref"]).rsplit("/", 1)[1]


def _adapter(kind: Any) -> Schema:
    return TypeAdapter(kind).json_schema(ref_template=REF, schema_generator=_NoTitles)


def _responses(route: Route, refs: dict[Any, Schema]) -> Schema:
    answer = route.answer
    if isinstance(answer, tuple):
        content = _content(answer)
    else:
        content = _content(("application/json",), refs[answer] if answer else None)
        if route.form:
            content["text/html"] = {}
    found: Schema = {str(route.status): {"description": route.summary, "content": content}}
    errors = {**AUTH_ERRORS[route.auth], **route.errors}
    if route.method in ("post", "put", "patch", "delete"):
        errors[413] = "body_too_large"
    for status, codes in sorted(errors.items()):
        listed = ", ".join(f"`{code}`" for code in codes.split())
        found[str(status)] = {
            "description": f"{STATUS_TEXT[status]} Codes: {listed}.",
            "content": _content(("text/html",))
            if route.html_errors
            else _content(("application/json",), refs[Error]),
        }
        if status == 429:
            seconds = {"schema": {"type": "integer", "minimum": 1}, "description": "Seconds."}
            found[str(status)]["headers"] = {"Retry-After": seconds}
    return found


def _operation(route: Route, refs: dict[Any, Schema], schemas: Schema) -> Schema:
    op: Schema = {
        "operationId": re.sub(r"\W+", "_", f"{route.method}{route.path}").strip("_"),
        "summary": route.summary,
        "tags": [route.tag],
        "security": SECURITY[route.auth],
        "parameters": _parameters(route, refs, schemas),
        "responses": _responses(route, refs),
    }
    if route.body is not None:
        media = "application/x-www-form-urlencoded" if route.form else "application/json"
        op["requestBody"] = {
            "required": not route.body_optional,
            "content": {media: {"schema": refs[route.body]}},
        }
    return op


def build() -> Schema:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Error, "serialization")]
    for route in ROUTES:
        models += [(model, "validation") for model in (route.body, route.query) if model]
        if isinstance(route.answer, type):
            models.append((route.answer, "serialization"))
    keyed, top = models_json_schema(models, ref_template=REF, schema_generator=_NoTitles)
    refs: dict[Any, Schema] = {model: ref for (model, _), ref in keyed.items()}
    schemas = top["$defs"]
    paths: Schema = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method] = _operation(route, refs, schemas)
    for route in ROUTES:  # their fields are parameters now
        if route.query is not None:
            schemas.pop(_name(refs[route.query]), None)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Studio booking API", "version": "1.0.0", "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer"},
                "bookingToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The `access_token` POST /api/bookings returned. In the "
                    "Telegram Mini App, `Authorization: tma <initData>` opens every booking "
                    "of that Telegram user instead (those made with the bot too).",
                },
            },
        },
    }


DOCUMENT = build()


@routes.get("/api/openapi.json")
async def openapi(_: web.Request) -> web.Response:
    return json_response(DOCUMENT)
