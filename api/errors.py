"""JSON errors: one shape for every failure, `{"error": {"code", "message"}}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web
from pydantic import ValidationError

from api.input_errors import describe
from api.outputs import Error, ErrorDetail
from booking.errors import (
    BookingRuleError,
    DomainError,
    Forbidden,
    GatewayUnavailable,
    InvalidTransition,
    NotFound,
    PaymentMismatch,
    SlotTakenError,
    SoldOut,
    TooManyHolds,
)
from booking.studio_checks import StudioConflict

STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (SlotTakenError, 409),
    (SoldOut, 409),
    (TooManyHolds, 429),
    (InvalidTransition, 409),
    (GatewayUnavailable, 502),
    (PaymentMismatch, 400),
    (BookingRuleError, 400),
)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    bookings: list[str] | None = None,
) -> web.Response:
    body = Error(error=ErrorDetail(code=code, message=message, bookings=bookings))
    return json_response(body.model_dump(mode="json", exclude_none=True), status, headers)


class ApiError(Exception):
    """An edge-level failure (auth, malformed input) with its HTTP status."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers


def domain_error_response(exc: DomainError) -> web.Response:
    if isinstance(exc, TooManyHolds):  # says when one of the holds lapses
        headers = {"Retry-After": str(exc.retry_after)}
        return error_response(429, exc.code, exc.message, headers)
    if isinstance(exc, StudioConflict):  # names the bookings in the way
        return error_response(409, exc.code, exc.message, bookings=exc.bookings or None)
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return error_response(status, exc.code, exc.message)
    return error_response(400, exc.code, exc.message)


def validation_error_response(exc: ValidationError) -> web.Response:
    """The first wrong field and what is wrong with it (api.input_errors)."""
    return error_response(400, "invalid_input", describe(exc.errors()[0]))
