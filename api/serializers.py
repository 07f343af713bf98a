"""The JSON shapes of the contract: money, times, halls, bookings, payments.

Each answer goes out only after its model in `api/outputs.py` has validated it, so a field
the OpenAPI document does not declare, or one of another shape, fails here and not on a
client; the dict itself is what is sent (dumping the model again would cost the hot
availability answer a third more for the same bytes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from api import hall_outputs as hall_out
from api import ops_outputs as ops_out
from api import outputs as out
from api.errors import ApiError
from api.sales_json import booking_sales_fields, hall_sales_fields
from booking.domain.free_time import DayAvailability
from booking.domain.pricing import rubles
from booking.domain.states import BookingStatus
from booking.payment_due import PaymentKind, amount_due
from booking.pricing import certificate_paid, money_state
from db.changes import BookingChange
from db.models import Booking, Hall, Payment, Refund
from db.outbox import Event, Notification, WebhookDelivery
from db.sales import Addon
from i18n.paid import paid_sentence

#: More than any studio charges: larger amounts are typing mistakes (and past Decimal's
#: default precision, which rounding them would need).
MAX_RUBLES = Decimal(100_000_000)


def money(kopecks: int) -> dict[str, str]:
    return {"value": rubles(kopecks), "currency": "RUB"}


def checked_answer(model: type[out.Answer], **fields: Any) -> dict[str, Any]:
    try:
        model.model_validate(fields)
    except ValidationError as exc:  # our fault, not the caller's: a 500, never a 400
        raise TypeError(f"The {model.__name__} answer does not fit its schema: {exc}") from exc
    return fields


#: Rubles as the contract writes them: ASCII digits, at most two decimals. (Decimal alone
#: would also read "1_000", "1e3", " 5" and other scripts' digits.)
RUBLES_TEXT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def requested_amount(value: Any) -> int | None:
    """An optional amount in a request body, in kopecks: 400 `invalid_input` if malformed."""
    try:
        return None if value is None else parse_money(value)
    except ValueError as exc:
        raise ApiError(400, "invalid_input", f"amount: {exc}") from None


def parse_money(value: Any) -> int:
    """'1500.00' or {"value": "1500.00"} to kopecks; ValueError for anything else. A
    negative amount is well formed: each use case refuses it as it refuses zero (its own
    `bad_amount` or `bad_discount`), so the code does not depend on the sign."""
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, float) and value.is_integer():  # 1500.0 is JSON's 1500
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not RUBLES_TEXT.fullmatch(value.removeprefix("-")):
        raise ValueError("must be rubles like '1500.00' or '1500', with at most two decimals")
    amount = Decimal(value)
    if amount > MAX_RUBLES:
        raise ValueError(f"must be at most {MAX_RUBLES} rubles")
    return int(amount * 100)


def iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat()


def hall_json(hall: Hall, tz: ZoneInfo, addons: Sequence[Addon], base_url: str) -> dict[str, Any]:
    """A hall with the add-ons offered in it (its own and the studio's)."""
    return checked_answer(
        hall_out.Hall,
        id=hall.id,
        slug=hall.slug,
        name=hall.name,
        name_en=hall.name_en,
        description=hall.description,
        description_en=hall.description_en,
        hourly_price=money(hall.hourly_price),
        min_minutes=hall.min_minutes,
        buffer_minutes=hall.buffer_minutes,
        step_minutes=15,
        price_rules=[
            {
                "weekdays": sorted(band["weekdays"]),
                "start": f"{band['start_minute'] // 60:02d}:{band['start_minute'] % 60:02d}",
                "end": f"{band['end_minute'] // 60:02d}:{band['end_minute'] % 60:02d}",
                "hourly_price": money(band["hourly_price"]),
            }
            for band in hall.price_bands or []
        ],
        timezone=tz.key,
        **hall_sales_fields(hall, addons, base_url),
    )


def local_times(starts: list[datetime], tz: ZoneInfo) -> list[str]:
    """ "HH:MM" of each start in the studio's zone, each wall time once: on the night the
    clocks go back, two instants share one (the day's `free` intervals tell them apart by
    their offsets)."""
    return list(dict.fromkeys(start.astimezone(tz).strftime("%H:%M") for start in starts))


def day_json(day: DayAvailability, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        hall_out.Day,
        date=day.day.isoformat(),
        open=iso(day.open, tz),
        close=iso(day.close, tz),
        starts=local_times(day.starts, tz),
        free=[{"start": iso(i.start, tz), "end": iso(i.end, tz)} for i in day.free],
        full=day.full,
    )


def booking_json(
    booking: Booking, tz: ZoneInfo, now: datetime, *, returning: int
) -> dict[str, Any]:
    """`returning`: the booking's refunds under way (booking.refunds.owed_back), which its
    sentence says are on their way back (api.bookings.booking_answer reads it)."""
    due, kind = amount_due(booking, now)
    return checked_answer(
        out.Booking,
        id=booking.id,
        code=booking.code,
        hall_id=booking.hall_id,
        start=iso(booking.start_at, tz),
        end=iso(booking.end_at, tz),
        status=booking.status,
        payment_mode=booking.payment_mode,
        total=money(booking.total + certificate_paid(booking)),
        certificate_paid=money(certificate_paid(booking)),
        prepayment=money(booking.prepay_amount),
        paid=money(booking.paid),
        refunded=money(booking.refunded),
        **paid_texts(booking, returning),
        due_now=money(due),
        due_kind=kind,
        hold_expires_at=iso(booking.hold_expires_at, tz)
        if booking.status == BookingStatus.PENDING_PAYMENT
        else None,
        # An expired hold keeps the time it lapsed at: the client sees when it ran out.
        hold_lapsed_at=iso(booking.hold_expires_at, tz)
        if booking.status == BookingStatus.EXPIRED
        else None,
        source=booking.source,
        refund_policy=booking.refund_tiers,
        cancel_reason=booking.cancel_reason,
        created_at=iso(booking.created_at, tz),
        moves_made=booking.moves_made,
        change_expires_at=iso(booking.change_expires_at, tz)
        if kind == PaymentKind.CHANGE
        else None,
        **booking_sales_fields(booking),
    )


def paid_texts(booking: Booking, returning: int) -> dict[str, str | None]:
    """The bot's "paid X of Y" sentence in Russian and English, so that a page shows the
    same words rather than working them out again from the figures. A hold that lapsed or
    was cancelled with nothing paid has nothing to say: "paid 0 of 3 000" would read as owed."""
    over = booking.status in (BookingStatus.EXPIRED, BookingStatus.CANCELLED)
    if over and not booking.paid and not certificate_paid(booking):
        return {"paid_text": None, "paid_text_en": None}
    state = money_state(booking, returning=returning)
    russian, english = paid_sentence(state, "ru"), paid_sentence(state, "en")
    return {"paid_text": russian or None, "paid_text_en": english or None}


def pending_change_json(change: BookingChange, tz: ZoneInfo) -> dict[str, Any]:
    """The change a booking's `due_now` of kind `change` would pay for."""
    lines = change.price_lines or []
    gift = -sum(int(line["amount"]) for line in lines if line["kind"] == "certificate")
    minutes = [int(line.get("minutes") or 0) for line in lines if line["kind"] == "overtime"]
    overtime = change.kind == "overtime" and bool(minutes and minutes[-1])
    return checked_answer(
        out.PendingChange,
        kind=change.kind,
        hall_id=change.hall_id,
        start=iso(change.start_at, tz),
        end=iso(change.end_at, tz),
        total=money(change.total + gift),
        due=money(change.due),
        expires_at=iso(change.expires_at, tz),
        overtime_minutes=minutes[-1] if overtime else None,
    )


def payment_json(payment: Payment, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        out.Payment,
        id=payment.id,
        booking_id=payment.booking_id,
        gateway=payment.gateway,
        kind=payment.kind,
        amount=money(payment.amount),
        refunded=money(payment.refunded),
        status=payment.status,
        confirmation_url=payment.confirmation_url,
        created_at=iso(payment.created_at, tz),
        paid_at=iso(payment.paid_at, tz),
    )


def refund_json(refund: Refund, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        out.Refund,
        id=refund.id,
        payment_id=refund.payment_id,
        booking_id=refund.booking_id,
        amount=money(refund.amount),
        status=refund.status,
        reason=refund.reason,
        error=refund.error,
        created_at=iso(refund.created_at, tz),
    )


def event_json(event: Event, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        ops_out.Event,
        id=event.id,
        type=event.type,
        booking_id=event.booking_id,
        payment_id=event.payment_id,
        payload=event.payload,
        created_at=iso(event.created_at, tz),
        processed_at=iso(event.processed_at, tz),
        request_id=event.request_id,
    )


def delivery_json(delivery: WebhookDelivery, event_type: str, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        ops_out.WebhookDelivery,
        id=delivery.id,
        subscriber=delivery.subscriber,
        event_id=delivery.event_id,
        event_type=event_type,
        booking_id=delivery.booking_id,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=iso(delivery.next_attempt_at, tz),
        last_error=delivery.last_error,
        delivered_at=iso(delivery.delivered_at, tz),
        created_at=iso(delivery.created_at, tz),
    )


def notification_json(item: Notification, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        ops_out.Notification,
        id=item.id,
        channel=item.channel,
        recipient=item.recipient,
        subject=item.subject,
        text=item.text,
        status=item.status,
        attempts=item.attempts,
        last_error=item.last_error,
        booking_id=item.booking_id,
        event_id=item.event_id,
        created_at=iso(item.created_at, tz),
        sent_at=iso(item.sent_at, tz),
    )
