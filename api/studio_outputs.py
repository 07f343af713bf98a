"""Answers of the studio's admin routes: the hours, and halls and add-ons as the admins see
them (hidden ones too, so with their `active` flag)."""

from __future__ import annotations

from pydantic import Field

from api.hall_outputs import Addon, Hall, Rules
from api.outputs import Answer

#: [open, close], local "HH:MM" ("24:00" is the day's end).
Span = list[str]


class StudioHours(Answer):
    timezone: str = Field(examples=["Europe/Moscow"])
    hours: dict[str, Span] = Field(
        description="Weekday (mon..sun) to [open, close]; a weekday missing is closed.",
        examples=[{"mon": ["09:00", "22:00"]}],
    )
    days: dict[str, Span | None] = Field(
        description="A date (YYYY-MM-DD) whose hours differ, or null: closed that date.",
        examples=[{"2026-12-31": ["10:00", "16:00"], "2027-01-01": None}],
    )


class AdminHall(Hall):
    active: bool = Field(description="false: hidden from clients; its bookings stand.")


class AdminAddon(Addon):
    active: bool = Field(description="false: no longer offered; bookings keep theirs.")


class StudioRules(Rules):
    """The rules in force from now, with their new version."""


__all__ = ["AdminAddon", "AdminHall", "StudioHours", "StudioRules"]
