"""What an event's messages say: which client message and admin notice it calls for, and
the values (amounts, the time, the hall) they are written with."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking.events import EventType
from booking.pricing import MoneyState, money_state
from db.models import Booking, Client, Hall
from db.outbox import Event
from i18n.catalogs import current_language
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.formats import date_with_year, time
from i18n.paid import paid_line
from notifications import messages


def event_values(
    booking: Booking, hall: Hall, client: Client, tz: ZoneInfo, event: Event, returning: int
) -> dict[str, Any]:
    """What the messages say, in the language of the moment (amounts, dates, the hall).
    `returning`: the booking's refunds under way now (booking.refunds.owed_back)."""
    start, end = _span(booking, event)
    start, end = start.astimezone(tz), end.astimezone(tz)
    hold = booking.hold_expires_at.astimezone(tz) if booking.hold_expires_at else start
    payload = event.payload
    when = _(messages.WHEN).format(
        date=date_with_year(start.date()), start=time(start), end=time(end)
    )
    return {
        "code": booking.code,
        "hall": (hall.name_en or hall.name) if current_language() == "en" else hall.name,
        "when": when,
        "hold_until": time(hold),
        "due": rub(booking.prepay_amount),
        "paid": rub(booking.paid),
        "total": rub(booking.total),
        "balance": rub(booking.total - booking.paid),
        "paid_line": paid_line(_money(booking, event, returning)),
        "client": " ".join(x for x in (client.name, client.phone or "") if x),
        "amount": rub(int(payload.get("refund_amount") or payload.get("amount") or 0)),
        "refund": rub(int(payload.get("refund_total", 0))),
        "error": str(payload.get("error", "")),
        "refund_id": payload.get("refund_id", ""),
        "payment_id": event.payment_id or "",
        "gateway": str(payload.get("gateway", "")),
        "by": _(messages.BY_ADMIN)
        if str(payload.get("by", "")).startswith("admin")
        else _(messages.BY_CLIENT),
        "was": _was(payload, tz),
        "minutes": payload.get("minutes", ""),
        "to_balance": rub(int(payload.get("to_balance", 0))),
        "back": rub(int(payload.get("back", 0))),
        "url": str(payload.get("url", "")),
    }


def _money(booking: Booking, event: Event, returning: int) -> MoneyState:
    """The money a message speaks of: as a move or an extension left it (the booking may
    have changed again, or its refund be made, before the message is written), else the
    booking's now, with its refunds under way (`returning`)."""
    figures = (event.payload or {}).get("money")
    if event.type in (EventType.BOOKING_MOVED, EventType.BOOKING_EXTENDED) and figures:
        return MoneyState(
            to_pay=int(figures["to_pay"]),
            paid=int(figures["paid"]),
            refunded=int(figures["refunded"]),
            certificate=int(figures["certificate"]),
            returning=int(figures.get("returning", 0)),  # events before it was recorded
        )
    return money_state(booking, returning=returning)


def _span(booking: Booking, event: Event) -> tuple[datetime, datetime]:
    """The time a message speaks of: a move's or an extension's own new time (the booking
    may have changed again before the message is written), else the booking's."""
    payload = event.payload or {}
    if event.type in (EventType.BOOKING_MOVED, EventType.BOOKING_EXTENDED) and "end" in payload:
        return datetime.fromisoformat(payload["start"]), datetime.fromisoformat(payload["end"])
    return booking.start_at, booking.end_at


def _was(payload: dict[str, Any], tz: ZoneInfo) -> str:
    """Where a moved booking was, as the messages say a time."""
    if "from_start" not in payload:
        return ""
    start = datetime.fromisoformat(payload["from_start"]).astimezone(tz)
    end = datetime.fromisoformat(payload["from_end"]).astimezone(tz)
    return _(messages.WHEN).format(
        date=date_with_year(start.date()), start=time(start), end=time(end)
    )


def hours_left(booking: Booking, now: datetime) -> int:
    """Whole hours to the start, as a reminder says them: counted when the message is
    written, not from the reminder's window (after downtime it is written later)."""
    return max(1, round((booking.start_at - now) / timedelta(hours=1)))


CLIENT_KINDS: dict[str, str] = {
    EventType.BOOKING_CREATED: "created",
    EventType.BOOKING_CONFIRMED: "confirmed",
    EventType.BOOKING_EXPIRED: "expired",
    EventType.BOOKING_CANCELLED: "cancelled",
    EventType.REFUND_SUCCEEDED: "refunded",
    EventType.PAYMENT_LATE_REFUNDED: "late_refunded",
    EventType.REMINDER_DUE: "reminder",
    # A booking taken by phone reaches the client's chat once they share that phone: its
    # confirmation (or its hold, while a link waits for payment), in the chat only.
    EventType.BOOKING_LINKED: "confirmed",
    EventType.BOOKING_MOVED: "moved",
    EventType.BOOKING_EXTENDED: "extended",
    EventType.CHANGE_LAPSED: "change_lapsed",
    EventType.OVERTIME_BILLED: "overtime",
}
#: The admins hear of each paid (or hand-confirmed) booking at once, and of its cancellation;
#: a hold that is never paid is not news worth a message each: anyone can make one with any
#: name, and a script can make hundreds. Holds that ended unpaid come together in one digest
#: (jobs/hold_digest.py), with names and phones, for calling back the clients who gave up.
ADMIN_KINDS: dict[str, str] = {
    EventType.BOOKING_CONFIRMED: "confirmed",
    EventType.BOOKING_CANCELLED: "cancelled",
    EventType.PAYMENT_LATE_REFUNDED: "late_refunded",
    EventType.REFUND_FAILED: "refund_failed",
    EventType.REFUND_CASH_DUE: "refund_cash_due",
    EventType.PAYMENT_STUCK: "payment_stuck",
    EventType.BOOKING_MOVED: "moved",
    EventType.BOOKING_EXTENDED: "extended",
}


def kinds_for(event: Event) -> tuple[str | None, str | None]:
    """The client's message and the admins' notice an event calls for (kinds of
    `notifications.messages`)."""
    client_kind = CLIENT_KINDS.get(event.type)
    admin_kind = ADMIN_KINDS.get(event.type)
    if event.type == EventType.PAYMENT_SUCCEEDED and event.payload.get("balance"):
        client_kind, admin_kind = "balance_paid", "balance_paid"
    if event.type == EventType.PAYMENT_LATE_APPLIED:
        client_kind = admin_kind = _late_applied_kind(event.payload)
    if event.type == EventType.BOOKING_LINKED and event.payload.get("status") != "confirmed":
        client_kind = "created"
    if event.type == EventType.CHANGE_LAPSED and event.payload.get("superseded_by"):
        client_kind = None  # an admin's move or more time replaced it: its own message says
    if event.type == EventType.REFUND_FAILED and event.payload.get("needs_admin"):
        admin_kind = "refund_in_doubt"
    elif event.type == EventType.REFUND_FAILED and event.payload.get("final"):
        admin_kind = "refund_canceled"
    return client_kind, admin_kind


def _late_applied_kind(payload: dict[str, Any]) -> str:
    """How a payment the booking did not ask for was split: all toward the balance (a
    change's, lapsed or replaced), or part of it refunded (a change's, or above the balance)."""
    change = payload.get("kind") == "change"
    if not payload.get("back"):
        return "late_change_to_balance"
    return "late_change_split" if change else "above_balance_split"
