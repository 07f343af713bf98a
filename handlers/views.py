"""Screens of the booking picker: data from the booking use cases, texts, pure keyboards."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall, durations_at
from booking.clients import Offer, day_starts, list_halls, make_offer, month_view
from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound
from booking.paying import amount_due
from bot.texts import Texts
from db.models import Booking, Hall, Payment
from handlers.common import Screen
from keyboards.calendar import calendar_keyboard, month_index, month_of
from keyboards.callbacks import MenuCallback, Pick, from_minutes, to_day, to_minutes
from keyboards.durations import durations_keyboard
from keyboards.menu import halls_keyboard, single_button_keyboard
from keyboards.payment import (
    email_keyboard,
    gateway_keyboard,
    mode_keyboard,
    pay_keyboard,
    phone_keyboard,
)
from keyboards.slots import PARTS, Start, shown_part, slots_keyboard

GATEWAYS = ("yookassa", "tinkoff", "sberpay")
MODES = ("prepay", "full")


def hall_name(hall: Hall, t: Texts) -> str:
    return hall.name_en if t.lang == "en" and hall.name_en else hall.name


def hall_description(hall: Hall, t: Texts) -> str:
    return hall.description_en if t.lang == "en" and hall.description_en else hall.description


def gateways(deps: BookingDeps, t: Texts) -> list[tuple[str, str]]:
    """The gateways offered in the chat (in mock mode the same three, simulated)."""
    codes = [code for code in GATEWAYS if deps.provider(code) is not None]
    codes = codes or [code for code in deps.providers if code == "mock"]
    return [(code, t(f"gateway.{code}")) for code in codes]


def part_of(local: datetime) -> int:
    """The part of the day (morning, afternoon, evening) of a local time."""
    minute = local.hour * 60 + local.minute
    return next(p for p, (lo, hi) in PARTS.items() if lo <= minute < hi)


def payable_pick(pick: Pick, deps: BookingDeps, t: Texts) -> bool:
    """A pick whose payment mode and gateway this process offers."""
    return pick.mode in MODES and pick.gateway in dict(gateways(deps, t))


async def halls_screen(session: AsyncSession, t: Texts) -> Screen:
    halls = await list_halls(session)
    if not halls:
        return Screen(
            t("halls.none"), single_button_keyboard(t("back"), MenuCallback(action="home"))
        )
    items = [
        (hall.id, t("hall.button", name=hall_name(hall, t), price=t.money(hall.hourly_price)))
        for hall in halls
    ]
    return Screen(t("halls.choose"), halls_keyboard(items, t("back")))


async def calendar_screen(
    session: AsyncSession, deps: BookingDeps, t: Texts, hall_id: int, month: int | None = None
) -> Screen:
    """The hall's month (the current one by default); raises NotFound for a gone hall."""
    if month is None:
        today = deps.now().astimezone(deps.rules.tz).date()
        month = month_index(today.year, today.month)
    view = await month_view(session, deps, hall_id, *month_of(month))
    text = t("calendar.text", hall=hall_name(view.hall, t), price=t.money(view.hall.hourly_price))
    markup = calendar_keyboard(
        hall_id=hall_id,
        year=view.year,
        month=view.month,
        free_days=view.free_days,
        offered_days=view.offered_days,
        weekdays=t.weekdays,
        title=t.month_title(view.year, view.month),
        can_go_back=view.has_previous,
        can_go_forward=view.has_next,
        back=t("back"),
    )
    return Screen(text, markup)


async def slots_screen(
    session: AsyncSession, deps: BookingDeps, t: Texts, hall_id: int, day: date, part: int = 0
) -> Screen | None:
    """The day's free starts, or None when none is left."""
    hall, starts = await day_starts(session, deps, hall_id, day)
    if not starts:
        return None
    tz = deps.rules.tz
    items = [
        Start(to_minutes(s), (local := s.astimezone(tz)).hour * 60 + local.minute) for s in starts
    ]
    markup = slots_keyboard(
        hall_id=hall_id,
        day=to_day(day),
        month=month_index(day.year, day.month),
        starts=items,
        part=shown_part(items, part),
        part_labels={number: t(f"part.{number}") for number in PARTS},
        back=t("back"),
    )
    return Screen(t("slots.text", hall=hall_name(hall, t), date=t.date(day)), markup)


async def durations_screen(
    session: AsyncSession, deps: BookingDeps, t: Texts, hall_id: int, start: datetime
) -> Screen | None:
    """Lengths that fit at `start`, or None when the start is no longer bookable."""
    lengths = await durations_at(session, deps, hall_id, start)
    if not lengths:
        return None
    hall = await active_hall(session, hall_id)
    local = start.astimezone(deps.rules.tz)
    markup = durations_keyboard(
        hall_id=hall_id,
        start=to_minutes(start),
        options=[(length, t.duration(length)) for length in lengths],
        day=to_day(local.date()),
        part=part_of(local),
        back=t("back"),
    )
    text = t(
        "durations.text", hall=hall_name(hall, t), date=t.date(local.date()), start=t.time(local)
    )
    return Screen(text, markup)


def offer_text(t: Texts, offer: Offer, deps: BookingDeps) -> str:
    start, end = offer.start.astimezone(deps.rules.tz), offer.end.astimezone(deps.rules.tz)
    text = t(
        "summary",
        hall=hall_name(offer.hall, t),
        date=t.date(start.date()),
        start=t.time(start),
        end=t.time(end),
        duration=t.duration(offer.minutes),
        total=t.money(offer.total),
    )
    if offer.prepay < offer.total:
        percent = deps.rules.prepayment_percent
        text += t("summary.prepay", percent=percent, prepay=t.money(offer.prepay))
    return text


def summary_screen(t: Texts, offer: Offer, deps: BookingDeps, pick: Pick) -> Screen:
    prepay = offer.prepay < offer.total
    markup = mode_keyboard(
        pick,
        prepay_label=t("mode.prepay", amount=t.money(offer.prepay)) if prepay else None,
        full_label=t("mode.full", amount=t.money(offer.total)),
        back=t("back"),
    )
    return Screen(offer_text(t, offer, deps) + t("summary.choose"), markup)


def gateways_screen(t: Texts, offer: Offer, deps: BookingDeps, pick: Pick) -> Screen:
    amount = offer.prepay if pick.mode == "prepay" else offer.total
    text = offer_text(t, offer, deps) + t("gateway.choose", amount=t.money(amount))
    return Screen(text, gateway_keyboard(pick, gateways(deps, t), t("back")))


def email_screen(
    t: Texts, offer: Offer, deps: BookingDeps, pick: Pick, saved: str | None
) -> Screen:
    saved_label = t("email.saved", email=saved) if saved else None
    markup = email_keyboard(pick, saved_label=saved_label, skip=t("email.skip"), back=t("back"))
    return Screen(offer_text(t, offer, deps) + t("email.text"), markup)


def phone_screen(
    t: Texts, offer: Offer, deps: BookingDeps, pick: Pick, saved: str | None
) -> Screen:
    saved_label = t("phone.saved", phone=saved) if saved else None
    markup = phone_keyboard(pick, saved_label=saved_label, back=t("back"))
    prompt = t("phone.text_saved") if saved else t("phone.text")
    return Screen(offer_text(t, offer, deps) + prompt, markup)


def picker_done_text(t: Texts, offer: Offer, deps: BookingDeps) -> str:
    start, end = offer.start.astimezone(deps.rules.tz), offer.end.astimezone(deps.rules.tz)
    return t(
        "picker.done",
        hall=hall_name(offer.hall, t),
        date=t.date(start.date()),
        start=t.time(start),
        end=t.time(end),
    )


def hold_screen(
    t: Texts, booking: Booking, hall: Hall, payment: Payment | None, deps: BookingDeps
) -> Screen:
    """The held booking: what to pay, by when, and the Pay link (or Try again)."""
    tz, now = deps.rules.tz, deps.now()
    due, due_kind = amount_due(booking, now)
    kind: str | None = due_kind
    if payment is not None:
        due, kind = payment.amount, payment.kind
    expires = booking.hold_expires_at or now
    start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
    text = t(
        "hold",
        code=booking.code,
        hall=hall_name(hall, t),
        date=t.date(start.date()),
        start=t.time(start),
        end=t.time(end),
        due=t.money(due),
        kind=t(f"kind.{kind}") if kind else "",
        total=t.money(booking.total),
        minutes=max(1, math.ceil((expires - now).total_seconds() / 60)),
        until=t.time(expires.astimezone(tz)),
    )
    url = payment.confirmation_url if payment is not None else None
    if url is None:
        text += t("hold.gateway_failed", until=t.time(expires.astimezone(tz)))
    markup = pay_keyboard(
        booking.id,
        url=url,
        pay_label=t("pay.button", amount=t.money(due)),
        retry_label=t("pay.retry"),
        cancel_label=t("booking.cancel"),
        my_label=t("booking.my"),
    )
    return Screen(text, markup, t("pay.link", url=url) if url else None)


@dataclass(frozen=True, slots=True)
class Stale:
    """A pressed button no longer fits the studio's state: why (a text key) and what to show."""

    reason: str
    screen: Screen


async def fresh_day(
    session: AsyncSession, deps: BookingDeps, t: Texts, hall_id: int, start: datetime
) -> Screen:
    """The free starts of `start`'s day (its part of the day), or the month when none left."""
    local = start.astimezone(deps.rules.tz)
    day = local.date()
    screen = await slots_screen(session, deps, t, hall_id, day, part_of(local))
    if screen is not None:
        return screen
    return await calendar_screen(session, deps, t, hall_id, month_index(day.year, day.month))


async def offer_for(
    session: AsyncSession, deps: BookingDeps, t: Texts, pick: Pick
) -> Offer | Stale:
    """The priced offer of a pick, or a fresh view when it can no longer be booked."""
    start = from_minutes(pick.start)
    try:
        return await make_offer(session, deps, pick.hall_id, start, pick.minutes)
    except NotFound:
        return Stale("stale.hall", await halls_screen(session, t))
    except DomainError:
        return Stale("stale.slot", await fresh_day(session, deps, t, pick.hall_id, start))
