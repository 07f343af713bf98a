"""The JSON answers as pydantic models. `api/serializers.py` validates every row it sends
through them, the OpenAPI document (`api/openapi.py`) is generated from them, and the tests
check whole answers against that document: a field cannot go out undeclared. The halls' and
their availability's answers are api/hall_outputs.py, the operational ones (health, events,
webhook deliveries, notifications) api/ops_outputs.py."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from booking.holds import PaymentMode, Source
from booking.payment_due import PaymentKind
from payments.base import PaymentStatus, RefundStatus

DateTime = Annotated[
    str,
    Field(
        json_schema_extra={"format": "date-time"},
        description="ISO 8601 with the studio's UTC offset.",
        examples=["2026-12-03T12:00:00+03:00"],
    ),
]


#: A booking's status as the API shows it: a `change_hold` row (time held for another
#: booking's change) is never one the API answers, so the public enum leaves it out.
#: (tests/api/test_openapi.py checks it against BookingStatus.)
PublicBookingStatus = Literal[
    "pending_payment", "confirmed", "completed", "expired", "cancelled", "no_show"
]


class Answer(BaseModel):
    """A field an answer does not declare fails when it is built instead of going out."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(Answer):
    """Rubles with two decimals as a string (integer kopecks inside)."""

    value: str = Field(pattern=r"^[0-9]+\.[0-9]{2}$", examples=["1500.00"])
    currency: Literal["RUB"] = "RUB"


class SignedMoney(Answer):
    """Money that may be negative: a discount, or what a certificate paid."""

    value: str = Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["-500.00"])
    currency: Literal["RUB"] = "RUB"


class ErrorDetail(Answer):
    code: str = Field(description="Stable machine code, listed on each answer.")
    message: str = Field(description="An English sentence that can be shown as is.")
    bookings: list[str] | None = Field(
        None, description="A change of the studio refused: the codes of the bookings in its way."
    )


class Error(Answer):
    """Every failure has this shape, with the fitting HTTP status."""

    error: ErrorDetail


class PriceLine(Answer):
    kind: Literal["hall", "addon", "guests", "discount", "certificate", "overtime"]
    title: str
    title_en: str
    amount: SignedMoney = Field(description="Discounts and certificates negative.")
    addon_id: str | None = None
    quantity: int | None = None
    code: str | None = None


class BookedAddon(Answer):
    id: str
    quantity: int


class Booking(Answer):
    id: int
    code: str = Field(description="Public code, 8 characters.", examples=["K7M2Q9XD"])
    hall_id: int
    start: DateTime
    end: DateTime
    status: PublicBookingStatus
    payment_mode: PaymentMode
    total: Money = Field(description="The price: the sum of the lines before `certificate`.")
    certificate_paid: Money = Field(
        description="What a gift certificate paid; the gateways are asked for the rest."
    )
    prepayment: Money = Field(description="What confirms the booking.")
    paid: Money
    refunded: Money
    paid_text: str | None = Field(
        description="The money paid in a sentence, in Russian, as the bot and the e-mails say "
        "it (i18n/paid.py); null when nothing is due and nothing was paid.",
        examples=["Оплачено 2 500 ₽ из 5 000 ₽, возвращено 2 500 ₽."],
    )
    paid_text_en: str | None = Field(description="`paid_text` in English.")
    due_now: Money = Field(description="What POST /api/payments would charge now.")
    due_kind: PaymentKind | None = Field(description="Null when nothing is due.")
    hold_expires_at: DateTime | None = Field(description="Null unless pending_payment.")
    hold_lapsed_at: DateTime | None = Field(
        default=None, description="When an expired hold ran out of time to pay; else null."
    )
    source: Source
    refund_policy: str = Field(
        description="Tiers frozen at booking time: cancelled at least HOURS before the start, "
        "PERCENT of what was paid comes back.",
        examples=["48:100,24:50,0:0"],
    )
    cancel_reason: str | None
    created_at: DateTime
    guests: int | None
    addons: list[BookedAddon]
    price_lines: list[PriceLine] = Field(
        description="What the total is made of; `total` is the sum of the lines other than "
        "`certificate`."
    )
    rules_version: str | None = Field(description="The studio's rules the client accepted.")
    moves_made: int = Field(description="Times the client has moved it (RESCHEDULE_LIMIT).")
    change_expires_at: DateTime | None = Field(
        description="A change (a move or more time) waits for `due_now` (kind `change`) until "
        "then; unpaid, the booking stays as it is. Null when none waits."
    )


class Quote(Answer):
    price_lines: list[PriceLine] = Field(
        description="What the booking would be charged, line by line, as POST /api/bookings "
        "would price it now."
    )
    total: Money = Field(description="The price: the sum of the lines before `certificate`.")
    certificate_paid: Money = Field(
        description="What the gift certificate would pay now; the rest is for the gateways."
    )
    prepayment: Money = Field(description="What would confirm the booking.")
    due_now: Money = Field(description="What POST /api/payments would charge after booking.")


class Payment(Answer):
    id: int
    booking_id: int
    gateway: str = Field(examples=["yookassa", "tinkoff", "sberpay", "mock", "cash"])
    kind: PaymentKind
    amount: Money
    refunded: Money
    status: PaymentStatus
    confirmation_url: str | None = Field(description="The gateway's payment page.")
    created_at: DateTime
    paid_at: DateTime | None


class BookingCreated(Booking):
    access_token: str = Field(
        description="Shown once: `Authorization: Bearer` it to read, pay for or cancel."
    )
    payment: Payment | None = Field(
        None,
        description="A booking an admin took with `settle: link`: the payment whose "
        "`confirmation_url` the admin forwards (null when the gateway failed).",
    )


class PendingChange(Answer):
    """A change of the booking waiting for its difference: `due_now` of kind `change` pays
    it, and the payment makes the change."""

    kind: Literal["reschedule", "extend", "overtime"]
    hall_id: int = Field(description="The hall after the change.")
    start: DateTime = Field(description="The booking's start after the change.")
    end: DateTime = Field(description="The booking's end after the change.")
    total: Money = Field(description="The booking's price once the change is made.")
    due: Money = Field(description="What the change costs now: `due_now`.")
    expires_at: DateTime | None = Field(
        description="Unpaid by then, the booking stays as it was; null for overtime, which "
        "waits until paid."
    )
    overtime_minutes: int | None = Field(description="How long the session ran over.")


class BookingChanged(Booking):
    """A booking as a move or more time left it."""

    change: PendingChange | None = Field(
        default=None, description="The change waiting for its payment; null when none waits."
    )


class BookingDetail(BookingChanged):
    payments: list[Payment]
    refund_if_cancelled_now: Money | None = Field(
        default=None, description="What the client's cancellation refunds now; absent after."
    )


class BookingCancelled(Booking):
    refund: Money = Field(description="What this cancellation refunds.")


class BookingList(Answer):
    bookings: list[Booking]


class Refund(Answer):
    id: int
    payment_id: int
    booking_id: int
    amount: Money
    status: RefundStatus
    reason: str
    error: str | None
    created_at: DateTime
