"""Limits on holds and their abuse."""

from __future__ import annotations

from pydantic import Field, field_validator

from settings.base import EnvSettings


class HoldSettings(EnvSettings):
    """Holds and their abuse: how many live holds one client and one address may have, how
    fast one address may create bookings and payments or ask prices, and how often the
    admins hear of holds that ended unpaid (0: never)."""

    max_active_holds: int = Field(default=2, ge=1, le=1000)
    booking_rate_per_minute: int = Field(default=10, ge=1, le=100_000)
    payment_rate_per_minute: int = Field(default=20, ge=1, le=100_000)
    #: prices asked before booking (POST /api/bookings/quote): the booking page asks on each
    #: change, and the cap keeps promo codes from being guessed by the thousand
    quote_rate_per_minute: int = Field(default=120, ge=1, le=100_000)
    hold_digest_minutes: int = Field(default=60, ge=0, le=24 * 60)

    @field_validator("hold_digest_minutes")
    @classmethod
    def _divides_a_day(cls, value: int) -> int:
        if value and (24 * 60) % value:
            raise ValueError("must divide a day into equal parts, e.g. 30, 60, 180 or 1440")
        return value
