"""The answers about halls and their time: the halls with their prices, add-ons and rules
(GET /api/halls) and a hall's free time day by day (its availability). They are built of
api/outputs.py's Answer, Money and DateTime, and like every answer api/serializers.py
validates them and the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from api.outputs import Answer, DateTime, Money

Clock = Annotated[
    str,
    Field(
        pattern=r"^([01][0-9]|2[0-4]):[0-5][0-9]$",
        description="Local wall time HH:MM in the studio's zone; 24:00 is the day's end.",
        examples=["10:15"],
    ),
]


class PriceRule(Answer):
    """A dearer (or cheaper) hourly rate for part of some weekdays."""

    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(description="0 is Monday.")
    start: Clock
    end: Clock
    hourly_price: Money


class Addon(Answer):
    """Something sold with a booking; `stock` null: not counted (a service)."""

    id: str = Field(examples=["makeup"])
    title: str
    title_en: str
    price: Money
    per: Literal["booking", "hour", "unit"] = Field(
        description="booking: once; hour: for each hour booked; unit: for each one taken."
    )
    max_quantity: int
    stock: int | None = Field(description="Shared by all halls at any one time.")
    hall_id: int | None = Field(description="Null: offered in every hall.")


class GuestFee(Answer):
    per: Literal["person_hour", "person_booking", "percent"]
    above: int = Field(description="People the fee starts above.")
    price: Money | None = Field(description="Per person (an hour, or a booking).")
    percent: int | None = Field(description="Of the hall time, when there are more.")


class Rules(Answer):
    version: str = Field(examples=["2026-12-01"])
    text: str
    text_en: str
    url: str | None


class Hall(Answer):
    id: int
    slug: str = Field(examples=["white"])
    name: str
    name_en: str
    description: str
    description_en: str
    hourly_price: Money
    min_minutes: int = Field(description="Shortest booking, a multiple of 15.")
    buffer_minutes: int = Field(description="Cleaning time blocked after each booking.")
    step_minutes: Literal[15]
    price_rules: list[PriceRule]
    timezone: str = Field(examples=["Europe/Moscow"])
    capacity: int | None = Field(description="People the hall takes; null: not stated.")
    included_guests: int | None = Field(description="People the price covers.")
    extra_guest_fee: GuestFee | None
    photos: list[str] = Field(description="Absolute URLs.")
    specs: dict[str, Any] = Field(examples=[{"area_m2": 80, "ceiling_m": 4.5}])
    addons: list[Addon] = Field(description="The hall's own and the studio-wide ones.")


class HallList(Answer):
    halls: list[Hall]
    rules: Rules | None = Field(
        description="The studio's rules in force: send accept_rules true with a booking."
    )


class Interval(Answer):
    start: DateTime
    end: DateTime


class Day(Answer):
    date: str = Field(json_schema_extra={"format": "date"}, examples=["2026-12-03"])
    open: DateTime | None = Field(description="Opening time; null when closed.")
    close: DateTime | None = Field(description="Closing time; null when closed.")
    starts: list[Clock] = Field(
        description="Where a booking of the hall's minimum length (and its buffer) can begin."
    )
    free: list[Interval] = Field(description="Free time, booked time and buffers left out.")
    full: bool = Field(
        description="No start is free, but one would be if a booking let go of its time: "
        "POST /api/waitlist takes the day (false for a day closed, past or beyond the horizon)."
    )


class Availability(Answer):
    hall_id: int
    timezone: str
    step_minutes: Literal[15]
    min_minutes: int
    days: list[Day]
