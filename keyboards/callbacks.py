"""Callback data of every client button: short prefixes, ids and numbers, never names.

Times travel as UTC epoch minutes and days as date ordinals, so a button stays valid and
unambiguous after a restart; every step carries its pick, so no button depends on FSM state
that may be gone. Only what the client adds beside the time (people, add-ons, a promo code) is
FSM data, the cart of that pick (keyboards/extras.py): lost, it starts again empty.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aiogram.filters.callback_data import CallbackData

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_minutes(moment: datetime) -> int:
    """A UTC-aware datetime as whole epoch minutes (what buttons carry)."""
    return int((moment - _EPOCH).total_seconds()) // 60


def from_minutes(minutes: int) -> datetime:
    return _EPOCH + timedelta(minutes=minutes)


def to_day(day: date) -> int:
    return day.toordinal()


def from_day(ordinal: int) -> date:
    return date.fromordinal(ordinal)


class MenuCallback(CallbackData, prefix="m"):
    """Main menu entries: book, my, halls, help, gift, home."""

    action: str


class GiftCallback(CallbackData, prefix="gift"):
    """Buying a gift certificate: its amount in rubles, then the gateway to pay at."""

    rubles: int
    gateway: str = ""


class NoopCallback(CallbackData, prefix="x"):
    """A label-like button (weekday header, a full day): answered with a hint."""

    what: str


class HallCallback(CallbackData, prefix="h"):
    hall_id: int


class PhotosCallback(CallbackData, prefix="ph"):
    """A hall's photos, sent as an album."""

    hall_id: int


class MonthCallback(CallbackData, prefix="mo"):
    hall_id: int
    month: int  # year * 12 + month - 1


class DayCallback(CallbackData, prefix="d"):
    hall_id: int
    day: int  # date ordinal
    part: int = 0  # 0: whole day or the first part with starts; 1..3 morning/day/evening


class SlotCallback(CallbackData, prefix="s"):
    hall_id: int
    start: int  # epoch minutes


class DurationCallback(CallbackData, prefix="du"):
    hall_id: int
    start: int
    minutes: int


class ModeCallback(CallbackData, prefix="pm"):
    hall_id: int
    start: int
    minutes: int
    mode: str  # "prepay" | "full"


class GatewayCallback(CallbackData, prefix="gw"):
    hall_id: int
    start: int
    minutes: int
    mode: str
    gateway: str


class RulesCallback(CallbackData, prefix="rl"):
    """ "I accept the rules" on the way from the gateway to the contacts."""

    hall_id: int
    start: int
    minutes: int
    mode: str
    gateway: str


class ContactCallback(CallbackData, prefix="ct"):
    """The e-mail and phone steps: skip the e-mail, or use the saved e-mail / phone."""

    action: str  # "skip" | "mail" | "phone"
    hall_id: int
    start: int
    minutes: int
    mode: str
    gateway: str


class BookingCallback(CallbackData, prefix="b"):
    """A client's booking: show, cancel (ask), pay (choose a gateway), move (pick a new
    time), extend (choose how much more)."""

    action: str
    booking_id: int


class ExtendCallback(CallbackData, prefix="ex"):
    """Add `minutes` after a client's booking (asked from its "more time" choices)."""

    booking_id: int
    minutes: int


class MoveCallback(CallbackData, prefix="mv"):
    """A move that costs no more, as shown to the client: "go" makes it (refused if the
    booking, its price or the money back changed since: `sequence`, `total`, `back`),
    "back" returns to the day's starts, the move going on."""

    action: str  # "go" | "back"
    booking_id: int
    hall_id: int
    start: int  # epoch minutes
    minutes: int
    sequence: int
    total: int
    back: int


class CancelCallback(CallbackData, prefix="cx"):
    """Cancel for good, with the refund the client was shown."""

    booking_id: int
    refund: int


class PayCallback(CallbackData, prefix="bp"):
    booking_id: int
    gateway: str


class MyListCallback(CallbackData, prefix="my"):
    past: bool = False
    page: int = 0


class WaitCallback(CallbackData, prefix="wl"):
    """ "Tell me when time frees up" on a day with no free start."""

    hall_id: int
    day: int  # date ordinal


class SettleCallback(CallbackData, prefix="ps"):
    """An admin's booking for a client (/new): how it is settled, or "cancel"."""

    action: str  # "cash" | "unpaid" | "link" | "skip_email" | "cancel"


class Pick:
    """What the client has chosen so far in the picker; builds the next steps' data."""

    __slots__ = ("gateway", "hall_id", "minutes", "mode", "start")

    def __init__(
        self, hall_id: int, start: int, minutes: int = 0, mode: str = "", gateway: str = ""
    ) -> None:
        self.hall_id, self.start, self.minutes = hall_id, start, minutes
        self.mode, self.gateway = mode, gateway

    @classmethod
    def of(
        cls,
        data: DurationCallback | ModeCallback | GatewayCallback | ContactCallback | RulesCallback,
    ) -> Pick:
        return cls(
            data.hall_id,
            data.start,
            data.minutes,
            getattr(data, "mode", ""),
            getattr(data, "gateway", ""),
        )

    def as_list(self) -> list[int | str]:
        """A JSON-friendly form for FSM data."""
        return [self.hall_id, self.start, self.minutes, self.mode, self.gateway]

    @classmethod
    def from_list(cls, values: list[int | str]) -> Pick:
        hall_id, start, minutes, mode, gateway = values
        return cls(int(hall_id), int(start), int(minutes), str(mode), str(gateway))

    def duration(self) -> DurationCallback:
        return DurationCallback(hall_id=self.hall_id, start=self.start, minutes=self.minutes)

    def with_mode(self, mode: str) -> ModeCallback:
        return ModeCallback(
            hall_id=self.hall_id, start=self.start, minutes=self.minutes, mode=mode
        )

    def with_gateway(self, gateway: str) -> GatewayCallback:
        return GatewayCallback(
            hall_id=self.hall_id,
            start=self.start,
            minutes=self.minutes,
            mode=self.mode,
            gateway=gateway,
        )

    def accept_rules(self) -> RulesCallback:
        return RulesCallback(
            hall_id=self.hall_id,
            start=self.start,
            minutes=self.minutes,
            mode=self.mode,
            gateway=self.gateway,
        )

    def contact(self, action: str) -> ContactCallback:
        return ContactCallback(
            action=action,
            hall_id=self.hall_id,
            start=self.start,
            minutes=self.minutes,
            mode=self.mode,
            gateway=self.gateway,
        )
