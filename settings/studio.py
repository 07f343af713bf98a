"""The studio's booking rules that are not per hall: its time zone and file, how long a hold
lasts, the prepayment, notice and horizon, and the cancellation tiers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from settings.base import ROOT, EnvSettings


class StudioSettings(EnvSettings):
    """The studio's booking rules that are not per hall."""

    studio_timezone: str = "Europe/Moscow"
    studio_file: Path = ROOT / "studio" / "example.json"
    hold_minutes: int = Field(default=15, ge=1, le=24 * 60)
    prepayment_percent: int = Field(default=50, ge=1, le=100)
    min_notice_minutes: int = Field(default=60, ge=0)
    booking_horizon_days: int = Field(default=90, ge=1, le=730)
    cancellation_tiers: str = "48:100,24:50,0:0"
    #: How long a gift certificate can be spent after it is issued.
    certificate_valid_days: int = Field(default=365, ge=1, le=5 * 366)
    #: After this many no-shows a client pays the full price online (NO_SHOW_LIMIT).
    no_show_limit: int = Field(default=2, ge=1, le=100)
    #: A client moves a booking no later than this many hours before its start ...
    reschedule_cutoff_hours: int = Field(default=24, ge=0, le=24 * 365)
    #: ... and at most this many times (admins move any booking, any number of times).
    reschedule_limit: int = Field(default=1, ge=0, le=100)
    #: A move to a cheaper time: `refund` returns what was paid above the new price;
    #: `keep` keeps it on the booking as the client's credit for a later change or extra.
    reschedule_cheaper: Literal["refund", "keep"] = "refund"
    #: Overtime an admin records: `STEP:GRACE[:PRICE]`, each started STEP minutes once more
    #: than GRACE minutes over, at PRICE rubles or the hall's hourly rate (booking/overtime.py).
    overtime_rule: str = "30:5"

    @field_validator("studio_file")
    @classmethod
    def _file(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(
                f"no file {str(value)!r}; point STUDIO_FILE at the studio's JSON file "
                f"(an example: {ROOT / 'studio' / 'example.json'})"
            )
        return value

    @field_validator("studio_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("cancellation_tiers")
    @classmethod
    def _tiers(cls, value: str) -> str:
        try:
            pairs = [tuple(int(x) for x in part.split(":")) for part in value.split(",")]
        except ValueError as exc:
            raise ValueError("expected HOURS:PERCENT pairs, e.g. 48:100,24:50,0:0") from exc
        if not pairs or any(len(p) != 2 or not 0 <= p[1] <= 100 or p[0] < 0 for p in pairs):
            raise ValueError("expected HOURS:PERCENT pairs, e.g. 48:100,24:50,0:0")
        return value

    @field_validator("overtime_rule")
    @classmethod
    def _overtime(cls, value: str) -> str:
        parts = value.strip().split(":")
        if len(parts) not in (2, 3) or not all(p.strip().isdigit() for p in parts):
            raise ValueError("expected STEP:GRACE[:PRICE], e.g. 30:5 or 10:5:100")
        if not 1 <= int(parts[0]) <= 24 * 60:
            raise ValueError("STEP is 1 to 1440 minutes")
        return value.strip()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.studio_timezone)
