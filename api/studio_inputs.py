"""Request bodies of the studio's admin routes, in the studio file's own names and shapes
(`studio/example.json`): what the file says, a body says the same way. The types are
checked here, the studio's rules by the file's loader (`booking/studio_edit.py`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.input_errors import pattern
from api.inputs import Line, RowId, Text, _number

WeekdayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CLOCK = pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", "a time HH:MM, 00:00 to 24:00")
ClockIn = Annotated[str, Field(pattern=CLOCK, examples=["10:00"])]
Span = Annotated[list[ClockIn], Field(min_length=2, max_length=2, examples=[["10:00", "22:00"]])]
DateKey = Annotated[
    str, Field(pattern=pattern(r"^2[01][0-9]{2}-[01][0-9]-[0-3][0-9]$", "a date YYYY-MM-DD"))
]
#: A price the studio sets: at most 1 000 000 rubles (booking.studio_sales.MAX_PRICE_RUBLES).
Rubles = Annotated[
    str,
    Field(
        pattern=pattern(
            r"^(1000000(\.0{1,2})?|[0-9]{1,6}(\.[0-9]{1,2})?)$",
            'rubles like "2500.00", at most 1000000',
        ),
        examples=["2500.00"],
    ),
]
Count = Annotated[int, Field(ge=0, le=10_000), BeforeValidator(_number)]
Minutes = Annotated[int, Field(ge=0, le=1440), BeforeValidator(_number)]
SLUG = pattern(r"^[a-z0-9][a-z0-9_-]{0,63}$", "lower-case letters, digits, - or _ (up to 64)")
Slug = Annotated[str, Field(pattern=SLUG, examples=["white"])]
Url = Annotated[str, Field(pattern=pattern(r"^https?://\S+$", "an http(s) URL"), max_length=500)]


class _Studio(BaseModel):
    """A field the route does not know is refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HoursIn(_Studio):
    hours: dict[WeekdayName, Span] = Field(
        description="Opening hours per weekday; a weekday left out is closed."
    )
    days: dict[DateKey, Span | None] = Field(
        default_factory=dict,
        json_schema_extra={"additionalProperties": False},
        description="Dates whose hours differ (a shorter day), or null: closed that date.",
    )


class PriceRuleIn(_Studio):
    weekdays: list[WeekdayName] = Field(min_length=1, max_length=7)
    start: ClockIn
    end: ClockIn
    hourly_price: Rubles


class GuestFeeIn(_Studio):
    per: Literal["person_hour", "person_booking", "percent"]
    price: Rubles | None = None
    percent: Annotated[int, Field(ge=1, le=100), BeforeValidator(_number)] | None = None
    above: Count | None = None


class _HallFields(_Studio):
    name_en: Line | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=5000)
    description_en: Text | None = Field(None, max_length=5000)
    min_minutes: Minutes | None = Field(None, description="A multiple of 15.")
    buffer_minutes: Minutes | None = Field(None, description="A multiple of 15, at most 720.")
    price_rules: list[PriceRuleIn] | None = Field(None, max_length=50)
    capacity: Count | None = None
    included_guests: Count | None = None
    extra_guest_fee: GuestFeeIn | None = None
    photos: list[Line] | None = Field(
        None, max_length=30, description="http(s) URLs, or photos/NAME shipped with the studio."
    )
    specs: dict[str, Any] | None = None
    active: bool | None = Field(None, description="false: hidden from clients.")


class HallIn(_HallFields):
    slug: Slug
    name: Line = Field(min_length=1, max_length=200)
    hourly_price: Rubles


class HallPatch(_HallFields):
    name: Line | None = Field(None, min_length=1, max_length=200)
    hourly_price: Rubles | None = None
    keep_bookings: bool = Field(
        False, description="Hide a hall that has bookings to come; they stand."
    )


class _AddonFields(_Studio):
    title_en: Line | None = Field(None, max_length=200)
    max_quantity: Annotated[int, Field(ge=1, le=1000), BeforeValidator(_number)] | None = None
    stock: Count | None = Field(None, description="null: not counted (a service).")
    hall_id: RowId | None = Field(None, description="null: offered in every hall.")
    active: bool | None = Field(None, description="false: no longer offered.")


class AddonIn(_AddonFields):
    id: Slug = Field(description="The add-on's id: lower-case letters, digits, - or _.")
    title: Line = Field(min_length=1, max_length=200)
    price: Rubles
    per: Literal["booking", "hour", "unit"]


class AddonPatch(_AddonFields):
    title: Line | None = Field(None, min_length=1, max_length=200)
    price: Rubles | None = None
    per: Literal["booking", "hour", "unit"] | None = None


class RulesIn(_Studio):
    text: Text = Field("", max_length=20_000)
    text_en: Text = Field("", max_length=20_000)
    url: Url | None = None


#: Fields a null clears; a null elsewhere leaves the field as it is.
CLEARABLE = frozenset({"capacity", "included_guests", "extra_guest_fee", "stock", "hall_id"})


def patch_of(model: BaseModel) -> dict[str, Any]:
    """The fields a body set, in the file's format."""
    data = model.model_dump(mode="json", exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k in CLEARABLE}
