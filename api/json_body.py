"""A request's body read as strict JSON and validated by its model: a body two parsers
could read differently is refused, not guessed at."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from api.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys repeat is ambiguous (parsers differ on which value wins)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(f"The key {key!r} appears more than once.")
        found[key] = value
    return found


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, no repeated keys in an object."""
    try:
        return json.loads(
            raw.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant
        )
    except _DuplicateKey as exc:
        raise ApiError(400, "malformed_json", str(exc)) from None
    except (ValueError, RecursionError):  # decoding, syntax, digits past the limit, depth
        raise ApiError(400, "malformed_json", "The body is not valid JSON.") from None


async def read_json(request: web.Request, model: type[Model], *, optional: bool = False) -> Model:
    """Parse and validate a JSON object body; oversized bodies are refused by the server."""
    raw = await request.read()
    if not raw.strip():
        if optional:
            return model()
        raise ApiError(400, "malformed_json", "A JSON object body is required.")
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "The body must be a JSON object.")
    return model.model_validate(data)
