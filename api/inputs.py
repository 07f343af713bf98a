"""Request bodies, and the types of their fields, validated before any use case runs.

The models are also the OpenAPI document's request schemas. Query and path parameters are
api.query_params; reading a body as strict JSON is api.json_body."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

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

from db.models import MAX_ROW_ID

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
    promo_code: Line | None = Field(
        None,
        max_length=32,
        description="A promo code, or a gift certificate's code (taken as `certificate_code`).",
    )
    certificate_code: Line | None = Field(
        None,
        max_length=32,
        description="A gift certificate's code: its balance pays first, `due_now` is the rest.",
    )


class BookingIn(QuoteIn):
    client: ClientIn
    #: The language of the messages about this booking (e-mails).
    language: Literal["ru", "en"] = "ru"
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


class MockCheckoutForm(BaseModel):
    outcome: Literal["succeeded", "canceled"]
    repeat: int = Field(1, description="Send the webhook this many times (1 to 10).")
