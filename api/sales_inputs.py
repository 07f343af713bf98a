"""Request bodies and queries of selling: add-on availability, promo codes and gift
certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from api.errors import ApiError
from api.input_errors import pattern
from api.inputs import GATEWAYS, ISO_MOMENT, Amount, Day, Line, Moment, RowId, _In, _number
from booking.domain.calendar import SUPPORTED_YEARS

Weekday = Annotated[int, Field(ge=0, le=6), BeforeValidator(_number)]
Uses = Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(_number)]
Percent = Annotated[int, Field(ge=1, le=100), BeforeValidator(_number)]
Minutes = Annotated[int, Field(ge=15, le=1440), BeforeValidator(_number)]
TelegramId = Annotated[int, Field(ge=1, le=2**53), BeforeValidator(_number)]


class AddonAvailabilityQuery(BaseModel):
    hall_id: RowId
    start: Moment
    end: Moment


CODE = pattern(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$", "3 to 32 letters, digits, - or _")
Code = Annotated[str, Field(pattern=CODE, examples=["BIRTHDAY20"])]


class PromoCodeIn(_In):
    code: Code = Field(description="Letters A-Z (any case), digits, - and _; kept upper case.")
    percent: Percent | None = Field(None, description="Either percent or amount.")
    amount: Amount = Field(None, description="A fixed discount; either percent or amount.")
    valid_from: Day | None = Field(None, description="A studio-local day, included.")
    valid_to: Day | None = Field(None, description="A studio-local day, included.")
    max_uses: Uses | None = None
    max_uses_per_client: Uses | None = None
    hall_ids: list[RowId] | None = Field(None, max_length=50)
    weekdays: list[Weekday] | None = Field(None, max_length=7, description="0 is Monday.")
    min_minutes: Minutes | None = None


#: A certificate's amount: rubles up to 1,000,000 (zero is refused as `bad_amount`).
CERTIFICATE_RUBLES = {"type": "string", "pattern": r"^[0-9]{1,7}(\.[0-9]{1,2})?$"}
CertificateAmount = Annotated[Any, WithJsonSchema({"description": "Rubles, or a Money object.",
    "anyOf": [{**CERTIFICATE_RUBLES, "examples": ["5000.00"]},
              {"type": "integer", "minimum": 0, "maximum": 1_000_000},
              {"type": "object", "required": ["value"],
               "properties": {"value": CERTIFICATE_RUBLES}}],
})]  # fmt: skip


class CertificateIn(_In):
    amount: CertificateAmount = Field(description="What the certificate is for.")


class BuyerIn(_In):
    """Who buys a certificate: the code goes to the e-mail and/or the Telegram chat."""

    name: Line = Field(min_length=1, max_length=200)
    # Only "given" here: a number too short to be one is `bad_phone`, as a booking's client's.
    phone: Line = Field(min_length=1, max_length=32)
    email: Line | None = Field(default=None, max_length=254)
    telegram_id: TelegramId | None = Field(
        default=None, description="The chat the bot sends the code to (the buyer's user id)."
    )


class CertificatePurchaseIn(_In):
    amount: CertificateAmount = Field(
        description="What the certificate is for: 500 to 100,000 rubles online."
    )
    gateway: Line = Field(min_length=1, max_length=16, json_schema_extra={"enum": GATEWAYS})
    buyer: BuyerIn
    language: Literal["ru", "en"] = Field("ru", description="The language of the code's message.")


def query_moment(request: web.Request, name: str) -> datetime:
    """An ISO 8601 time with its offset from the query, in the supported years."""
    value = request.query.get(name, "")
    if not ISO_MOMENT.fullmatch(value):
        raise ApiError(
            400, "invalid_input", f"{name} must be a time like 2026-12-01T10:15:00+03:00."
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid_input", f"{name} is not a valid time.") from None
    if moment.year not in SUPPORTED_YEARS:
        raise ApiError(400, "invalid_input", f"{name} is outside the supported years.")
    return moment
