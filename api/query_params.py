"""Query and path parameters: the query models declare, for the OpenAPI document, the
bounds that `query_int`, `query_limit` and `query_date` enforce, and the names that
`only_known` accepts (a misspelt filter must not silently list everything)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, get_args

from aiohttp import web
from pydantic import BaseModel, Field

from api.errors import ApiError
from api.input_errors import pattern
from api.inputs import Day, RowId
from api.ops_outputs import NotificationStatus
from booking.domain.calendar import SUPPORTED_YEARS
from booking.domain.states import BookingStatus
from db.models import MAX_ROW_ID

NOTIFICATION_STATUSES = frozenset(get_args(NotificationStatus))


def choices(values: Any) -> str:
    """The pattern of a comma-separated filter of known values, as `query_choices` reads it."""
    known = [str(value) for value in values]
    one = "|".join(known)
    return pattern(f"^(({one})?,)*({one})?$", "a comma-separated list of " + ", ".join(known))


Limit = Field(100, ge=1, le=MAX_ROW_ID, description="Page size; at most 500 come back.")
Offset = Field(0, ge=0, le=MAX_ROW_ID)


class AvailabilityQuery(BaseModel):
    hall_id: RowId
    start_date: Day
    end_date: Day = Field(description="Not before start_date, at most 62 days after it.")


class BookingsQuery(BaseModel):
    date_from: Day | None = None
    date_to: Day | None = None
    hall_id: RowId | None = None
    status: str = Field(
        "",
        pattern=choices(s for s in BookingStatus if s is not BookingStatus.CHANGE_HOLD),
        examples=["confirmed"],
    )
    limit: int = Limit
    offset: int = Offset


class NotificationsQuery(BaseModel):
    status: str = Field("", pattern=choices(sorted(NOTIFICATION_STATUSES)), examples=["failed"])
    limit: int = Limit
    offset: int = Offset


DELIVERY_STATUSES = frozenset({"pending", "delivered"})


class DeliveriesQuery(BaseModel):
    status: str = Field("", pattern=choices(sorted(DELIVERY_STATUSES)), examples=["pending"])
    limit: int = Limit


class EventsQuery(BaseModel):
    after_id: int = Field(0, ge=0, le=MAX_ROW_ID, description="Only events after this one.")
    booking_id: RowId | None = None
    limit: int = Field(100, ge=1, le=MAX_ROW_ID, description="At most 1000 come back.")


#: Numbers in queries and paths as the contract writes them: ASCII digits, nothing else
#: (`int()` would also read "1_000", " 12 " and other scripts' digits).
INTEGER = re.compile(r"-?[0-9]+")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def only_known(request: web.Request, model: type[BaseModel]) -> None:
    """Refuse a query parameter the route does not take: `?start_date=` on a list that
    filters by `date_from` would otherwise answer with every row, as if unfiltered."""
    unknown = sorted(set(request.query) - set(model.model_fields))
    if unknown:
        raise ApiError(
            400,
            "invalid_input",
            f"Unknown query parameter {', '.join(unknown)}; use {', '.join(model.model_fields)}.",
        )


def query_int(
    request: web.Request, name: str, *, default: int | None = None, minimum: int = 1
) -> int:
    """A whole number given, or the default when absent; ids start at 1."""
    value = request.query.get(name)
    if value is None or value == "":
        if default is None:
            raise ApiError(400, "invalid_input", f"Query parameter {name} is required.")
        return default
    if not INTEGER.fullmatch(value):
        raise ApiError(400, "invalid_input", f"Query parameter {name} must be an integer.")
    number = int(value) if len(value.lstrip("-0")) <= 12 else MAX_ROW_ID + 1
    if number < minimum:
        raise ApiError(400, "invalid_input", f"Query parameter {name} must be at least {minimum}.")
    if number > MAX_ROW_ID:
        raise ApiError(400, "invalid_input", f"Query parameter {name} is too large.")
    return number


def query_limit(request: web.Request, *, default: int = 100, maximum: int = 500) -> int:
    """A page size: at least 1, capped so one request never reads a whole table."""
    return min(query_int(request, "limit", default=default, minimum=1), maximum)


def query_choices(request: web.Request, name: str, allowed: frozenset[str]) -> list[str]:
    """A comma-separated filter whose values must be known ones."""
    values = [v for v in request.query.get(name, "").split(",") if v]
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ApiError(
            400,
            "invalid_input",
            f"Unknown {name}: {', '.join(unknown)}; use {', '.join(sorted(allowed))}.",
        )
    return values


def query_date(request: web.Request, name: str, *, required: bool = True) -> date | None:
    value = request.query.get(name)
    if not value:
        if required:
            raise ApiError(400, "invalid_input", f"Query parameter {name} is required.")
        return None
    try:
        if not ISO_DAY.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid_input", f"{name} must be a date like 2026-12-01.") from None
    if day.year not in SUPPORTED_YEARS:
        raise ApiError(
            400,
            "invalid_input",
            f"{name} must be between {SUPPORTED_YEARS[0]} and {SUPPORTED_YEARS[-1]}.",
        )
    return day


def path_int(request: web.Request, name: str) -> int:
    """A row id from the path; one no row can have is not found, like any other."""
    value = request.match_info[name]
    number = int(value) if INTEGER.fullmatch(value) and len(value) <= 12 else None
    if number is None or number > MAX_ROW_ID:
        raise ApiError(404, "not_found", f"No such {name}.")
    return number
