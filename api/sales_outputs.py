"""The answers of selling: add-on availability, promo codes and gift certificates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.outputs import Answer, DateTime, Money, PaymentStatus, SignedMoney


class AddonAvailable(Answer):
    id: str
    available: int = Field(description="How many one booking of that time can take.")


class AddonAvailability(Answer):
    addons: list[AddonAvailable]


class PromoCode(Answer):
    code: str = Field(examples=["BIRTHDAY20"])
    percent: int | None
    amount: SignedMoney | None
    valid_from: str | None = Field(json_schema_extra={"format": "date"})
    valid_to: str | None = Field(json_schema_extra={"format": "date"})
    max_uses: int | None
    max_uses_per_client: int | None
    hall_ids: list[int] | None
    weekdays: list[int] | None
    min_minutes: int | None
    active: bool
    uses: int = Field(description="Bookings holding it now: live holds and paid bookings.")
    created_at: DateTime


class PromoCodeList(Answer):
    promo_codes: list[PromoCode]


class Certificate(Answer):
    code: str = Field(
        description="Twelve letters and digits in groups of four; typed in any case, with or "
        "without the dashes.",
        examples=["K7MQ-9XDA-3HTP"],
    )
    balance: Money = Field(description="What is left to spend.")
    expires_at: DateTime


class CertificatePurchase(Answer):
    """A gift certificate bought online, as a payment: pay at `confirmation_url`; once the
    gateway's verified word comes, the code is sent to the buyer."""

    id: int = Field(description="The certificate order.")
    kind: Literal["certificate"] = "certificate"
    gateway: str = Field(examples=["yookassa", "tinkoff", "sberpay", "mock"])
    amount: Money
    status: PaymentStatus
    confirmation_url: str | None = Field(description="The gateway's payment page.")
    created_at: DateTime
