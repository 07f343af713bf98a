"""Request bodies and query parameters, validated before any use case runs.

The models are also the OpenAPI document's request schemas; the query models declare the
bounds that `query_int`, `query_limit` and `query_date` enforce.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar, get_args

from aiohttp import web
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from api.errors import ApiError
from api.input_errors import pattern
from api.outputs import NotificationStatus
from booking.domain.calendar import SUPPORTED_YEARS
from booking.domain.states import BookingStatus
from db.models import MAX_ROW_ID

Model = TypeVar("Model", bound=BaseModel)

#: The years of SUPPORTED_YEARS, for the schema of dates and times (a test keeps them equal).
IN_SUPPORTED_YEARS = "^2[01][0-9]{2}-"
#: ISO 8601 as the contract writes times: ASCII digits, a date, a time and an offset (or Z).
#: Pydantic alone would also read Unix timestamps, as numbers or numeric strings.
ISO_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)"
)
#: Control characters refused in text: C0 and C1 and DEL, except that a text that may run
#: over several lines keeps tab, line feed and carriage return.
LINE_CONTROLS = r"\u0000-\u001f\u007f-\u009f"
TEXT_CONTROLS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
CONTROLS = re.compile(f"[{LINE_CONTROLS}\\ud800-\\udfff]")


def text_pattern(controls: str) -> str:
    """The schema's pattern of a text: no control characters, and no spaces at either end
    (which the server drops before it counts the length)."""
    inner, edge = f"[^{controls}]", f"[^\\s{controls}]"
    return f"^({edge}({inner}*{edge})?)?$"


def has_controls(text: str) -> bool:
    """Whether a text from outside has characters no text of ours has (nor the database
    takes: PostgreSQL refuses a NUL)."""
    return CONTROLS.search(text) is not None


def _refusing(controls: str) -> Callable[[Any], Any]:
    """A check run before any other (stripping included) on what the client sent. Lone
    surrogates, which JSON can carry but UTF-8 cannot, are refused too (the schema cannot
    say so: its regex engines do not take them)."""
    found = re.compile(f"[{controls}\\ud800-\\udfff]")

    def check(value: Any) -> Any:
        if isinstance(value, str) and found.search(value):
            raise PydanticCustomError("control_character", "must not contain control characters")
        return value

    return check


def _iso_moment(value: Any) -> Any:
    if not isinstance(value, str) or not ISO_MOMENT.fullmatch(value):
        raise PydanticCustomError(
            "iso_datetime",
            "must be an ISO 8601 time with an offset, like 2026-12-01T10:15:00+03:00",
        )
    return value


def _number(value: Any) -> Any:
    """A JSON number, not a numeric string; 3.0 is the integer JSON Schema says it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "must be a whole number")
    return value


RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID), BeforeValidator(_number)]
#: One line of text: a name, a phone, an address, a subject, a code.
Line = Annotated[
    str,
    BeforeValidator(_refusing(LINE_CONTROLS)),
    Field(json_schema_extra={"pattern": text_pattern(LINE_CONTROLS)}),
]
#: Text a person may break into lines: a reason, a note, a message.
Text = Annotated[
    str,
    BeforeValidator(_refusing(TEXT_CONTROLS)),
    Field(json_schema_extra={"pattern": text_pattern(TEXT_CONTROLS)}),
]
Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_moment),
    Field(json_schema_extra={"pattern": IN_SUPPORTED_YEARS}),
]
Day = Annotated[date, Field(json_schema_extra={"pattern": IN_SUPPORTED_YEARS})]
GATEWAYS: list[JsonValue] = ["yookassa", "tinkoff", "sberpay", "mock"]
NOTIFICATION_STATUSES = frozenset(get_args(NotificationStatus))
#: What `parse_money` reads: rubles with at most two decimals, at most MAX_RUBLES.
RUBLES = {"type": "string", "pattern": r"^(100000000(\.0{1,2})?|[0-9]{1,8}(\.[0-9]{1,2})?)$"}
Amount = Annotated[Any, WithJsonSchema({"description": "Rubles, or a Money object.", "anyOf": [
    {**RUBLES, "examples": ["1500.00"]}, {"type": "integer", "minimum": 0, "maximum": 10**8},
    {"type": "object", "required": ["value"], "properties": {"value": RUBLES}}, {"type": "null"},
]})]  # fmt: skip


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ClientIn(_In):
    name: Line = Field(min_length=1, max_length=200)
    # Only "given" here: a number too short to be one is booking's `bad_phone` (which the
    # page says in the client's language), like any other text that is not a phone number.
    phone: Line = Field(min_length=1, max_length=32)
    email: Line | None = Field(default=None, max_length=254)


Count = Annotated[int, Field(ge=1, le=1000), BeforeValidator(_number)]


class AddonIn(_In):
    id: Line = Field(min_length=1, max_length=64, examples=["makeup"])
    quantity: Count = 1


class QuoteIn(_In):
    """What a booking buys, without who books it: priced by POST /api/bookings/quote."""

    hall_id: RowId
    start: Moment
    end: Moment
    payment_mode: Literal["prepay", "full"] = "prepay"
    guests: Count | None = Field(None, description="Default: the hall's included_guests.")
    addons: list[AddonIn] = Field(default_factory=list, max_length=20)
    promo_code: Line | None = Field(None, max_length=32)


class BookingIn(QuoteIn):
    client: ClientIn
    #: The language of the messages about this booking (e-mails).
    language: Literal["ru", "en"] = "ru"
    certificate_code: Line | None = Field(
        None,
        max_length=32,
        description="A gift certificate's code: its balance pays first, `due_now` is the rest.",
    )
    accept_rules: bool = Field(False, description="Must be true when the studio has rules.")
    source: Literal["web", "admin"] | None = Field(
        None,
        description="`admin` (admin token only): a booking an admin takes for the client, "
        "e.g. by phone; settled by `settle`. The rules count as accepted.",
    )
    settle: Literal["cash", "unpaid", "link"] | None = Field(
        None,
        description="With `source: admin` (default `link`): `cash` — the whole price paid in "
        "cash, confirmed; `unpaid` — confirmed with nothing paid (a trusted client); "
        "`link` — held, with a payment link (`payment.confirmation_url`) to forward.",
    )
    gateway: Literal["yookassa", "tinkoff", "sberpay", "mock"] | None = Field(
        None, description="The gateway of a `link` (default: the first one configured)."
    )


class WaitClientIn(_In):
    name: Line = Field(min_length=1, max_length=200)
    phone: Line | None = Field(default=None, min_length=5, max_length=32)
    email: Line | None = Field(
        default=None, max_length=254, description="Where the message goes when time frees."
    )


class WaitlistIn(_In):
    hall_id: RowId
    date: Day
    client: WaitClientIn
    language: Literal["ru", "en"] = "ru"


class RescheduleIn(_In):
    start: Moment
    end: Moment
    hall_id: RowId | None = Field(None, description="Default: the booking's own hall.")


class ExtendIn(_In):
    minutes: int = Field(ge=15, le=24 * 60, description="Added after the end, 15-minute steps.")


class OvertimeIn(_In):
    minutes: int = Field(ge=1, le=24 * 60, description="How long the session ran over.")
    gateway: Literal["yookassa", "tinkoff", "sberpay", "mock"] | None = Field(
        None, description="The link's gateway; default the first one configured."
    )


class PaymentIn(_In):
    booking_id: RowId
    gateway: Line = Field(min_length=1, max_length=16, json_schema_extra={"enum": GATEWAYS})


class CancelIn(_In):
    reason: Text = Field(default="", max_length=500)


class ConfirmIn(_In):
    amount: Amount = Field(None, description="Default: the prepayment, else the balance.")
    note: Text = Field(default="", max_length=200)


class RefundIn(_In):
    amount: Amount = Field(None, description="Default: all that is not refunded yet.")
    reason: Text = Field(default="", max_length=500)


class SettleIn(_In):
    made: bool
    note: Text = Field(min_length=1, max_length=400)


class NotificationIn(_In):
    text: Text = Field(min_length=1, max_length=4000)
    channel: Literal["telegram", "email"] | None = None
    recipient: Line | None = Field(default=None, max_length=254)
    booking_id: RowId | None = None
    subject: Line = Field(default="", max_length=200)


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


class MockCheckoutForm(BaseModel):
    outcome: Literal["succeeded", "canceled"]
    repeat: int = Field(1, description="Send the webhook this many times (1 to 10).")


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


#: Numbers in queries and paths as the contract writes them: ASCII digits, nothing else
#: (`int()` would also read "1_000", " 12 " and other scripts' digits).
INTEGER = re.compile(r"-?[0-9]+")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
