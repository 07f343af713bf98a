"""Screens of the booking picker: data from the booking use cases, texts, pure keyboards."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall, durations_at
from booking.clients import NO_GATEWAY, Offer, day_starts, list_halls, make_offer, month_view
from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound
from booking.paying import amount_due
from db.models import Booking, Hall, Payment
from db.sales import StudioRules
from handlers.common import Screen
from i18n.catalogs import N_, current_language, ngettext
from i18n.catalogs import gettext as _
from i18n.formats import day as day_text
from i18n.formats import duration, money, month_title, time, weekdays
from i18n.gateways import GATEWAY_NAMES
from keyboards.calendar import calendar_keyboard, month_index, month_of
from keyboards.callbacks import MenuCallback, Pick, from_minutes, to_day, to_minutes
from keyboards.durations import durations_keyboard
from keyboards.menu import halls_keyboard, menu_keyboard, single_button_keyboard
from keyboards.payment import (
    email_keyboard,
    free_keyboard,
    gateway_keyboard,
    mode_keyboard,
    pay_keyboard,
    phone_keyboard,
    rules_keyboard,
)
from keyboards.slots import PARTS, Start, shown_part, slots_keyboard

GATEWAYS = ("yookassa", "tinkoff", "sberpay")
MODES = ("prepay", "full")
#: What a payment is for, as a client reads it ("to pay now: 2 500 ₽ (prepayment)").
KINDS = {
    "prepayment": N_("prepayment"),
    "full": N_("full price"),
    "balance": N_("balance"),
    "change": N_("the difference for the change"),
}
PARTS_OF_DAY = {1: N_("Morning"), 2: N_("Afternoon"), 3: N_("Evening")}
PHONE_PROMPT = N_(
    "\n\n📱 A phone number for this booking: press «Share my phone» below "
    "or type it, e.g. +7 999 123-45-67."
)
PHONE_SAVED_PROMPT = N_(
    "\n\n📱 A phone number for this booking: use the saved one or type another."
)
#: Why a pressed button gets a fresh view (the callback's answer).
HALL_GONE = N_("This hall is not available now")
#: The menu action of "‹ Back" from a move's calendar: the halls, the move going on.
MOVE_HALLS = "move_halls"
SLOT_GONE = N_("This time has just been taken")


def hall_name(hall: Hall) -> str:
    return hall.name_en if current_language() == "en" and hall.name_en else hall.name


def hall_description(hall: Hall) -> str:
    english = current_language() == "en" and hall.description_en
    return hall.description_en if english else hall.description


def kind_text(kind: str | None) -> str:
    return _(KINDS[kind]) if kind else ""


def gateways(deps: BookingDeps) -> list[tuple[str, str]]:
    """The gateways offered in the chat (in mock mode the same three, simulated)."""
    codes = [code for code in GATEWAYS if deps.provider(code) is not None]
    codes = codes or [code for code in deps.providers if code == "mock"]
    return [(code, _(GATEWAY_NAMES[code])) for code in codes]


def part_of(local: datetime) -> int:
    """The part of the day (morning, afternoon, evening) of a local time."""
    minute = local.hour * 60 + local.minute
    return next(p for p, (lo, hi) in PARTS.items() if lo <= minute < hi)


def payable_pick(pick: Pick, deps: BookingDeps) -> bool:
    """A pick whose payment mode and gateway this process offers (or no gateway, for a
    booking a code pays in full: the hold refuses it if something is left to pay)."""
    offered = pick.gateway == NO_GATEWAY or pick.gateway in dict(gateways(deps))
    return pick.mode in MODES and offered


async def halls_screen(session: AsyncSession, back_data: CallbackData | None = None) -> Screen:
    """The bookable halls; "‹ Back" to the menu, or to `back_data` (a move's booking)."""
    halls = await list_halls(session)
    if not halls:
        home = single_button_keyboard(_("‹ Back"), MenuCallback(action="home"))
        return Screen(_("No halls can be booked right now."), home)
    items = [
        (
            hall.id,
            _("{name} · {price}/h").format(name=hall_name(hall), price=money(hall.hourly_price)),
        )
        for hall in halls
    ]
    return Screen(_("Choose a hall:"), halls_keyboard(items, _("‹ Back"), back_data))


def mini_app_url(base_url: str, slug: str = "") -> str | None:
    """The booking page as a Mini App; Telegram opens Mini Apps over https only."""
    if not base_url.startswith("https://"):
        return None
    return f"{base_url.rstrip('/')}/book" + (f"/{slug}" if slug else "")


async def calendar_screen(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    month: int | None = None,
    *,
    moving: int | None = None,
) -> Screen:
    """The hall's month (the current one by default); raises NotFound for a gone hall.
    `moving`: the booking whose new time is chosen: the month is titled so, its own time is
    free, "‹ Back" leads to the halls of the move and no Mini App (it books anew) is offered."""
    if month is None:
        today = deps.now().astimezone(deps.rules.tz).date()
        month = month_index(today.year, today.month)
    view = await month_view(session, deps, hall_id, *month_of(month), besides=moving)
    url = None if moving is not None else mini_app_url(deps.base_url, view.hall.slug)
    text = _("{hall} · {price}/h\nChoose a day. ✖ — fully booked, · — not available.").format(
        hall=hall_name(view.hall), price=money(view.hall.hourly_price)
    )
    if moving is not None and (booking := await session.get(Booking, moving)) is not None:
        title = _("🔁 Moving booking {code}: choose the new day.").format(code=booking.code)
        text = f"{title}\n\n{text}"
    markup = calendar_keyboard(
        hall_id=hall_id,
        year=view.year,
        month=view.month,
        free_days=view.free_days,
        full_days=view.full_days,
        weekdays=weekdays(current_language(), "short"),
        title=month_title(view.year, view.month),
        can_go_back=view.has_previous,
        can_go_forward=view.has_next,
        back=_("‹ Back"),
        web_app=(_("🗓 Open the calendar"), url) if url else None,
        back_to="book" if moving is None else MOVE_HALLS,
    )
    return Screen(text, markup)


async def slots_screen(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    day: date,
    part: int = 0,
    *,
    moving: int | None = None,
) -> Screen | None:
    """The day's free starts (`moving`: calendar_screen), or None when none is left."""
    hall, starts = await day_starts(session, deps, hall_id, day, besides=moving)
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
        part_labels={number: _(PARTS_OF_DAY[number]) for number in PARTS},
        back=_("‹ Back"),
    )
    text = _("{hall}, {date}\nChoose the start time:").format(
        hall=hall_name(hall), date=day_text(day)
    )
    return Screen(text, markup)


async def durations_screen(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    start: datetime,
    *,
    moving: int | None = None,
) -> Screen | None:
    """Lengths that fit at `start` (`moving`: calendar_screen), or None when the start is no
    longer bookable."""
    lengths = await durations_at(session, deps, hall_id, start, besides=moving)
    if not lengths:
        return None
    hall = await active_hall(session, hall_id)
    local = start.astimezone(deps.rules.tz)
    markup = durations_keyboard(
        hall_id=hall_id,
        start=to_minutes(start),
        options=[(length, duration(length)) for length in lengths],
        day=to_day(local.date()),
        part=part_of(local),
        back=_("‹ Back"),
    )
    text = _("{hall}, {date}, starting at {start}\nChoose the duration:").format(
        hall=hall_name(hall), date=day_text(local.date()), start=time(local)
    )
    return Screen(text, markup)


def blocked_screen(deps: BookingDeps) -> Screen:
    """A blocked client is told to call the studio (its phone when the studio file has it)."""
    if deps.studio_phone:
        text = _("⛔ Online booking is not available for you. Please call the studio: {phone}")
        text = text.format(phone=deps.studio_phone)
    else:
        text = _("⛔ Online booking is not available for you. Please call the studio.")
    return Screen(text, menu_keyboard(_("‹ Back"), "home"))


def offer_text(offer: Offer, deps: BookingDeps) -> str:
    start, end = offer.start.astimezone(deps.rules.tz), offer.end.astimezone(deps.rules.tz)
    text = _("🧾 {hall}\n{date}, {start}–{end} ({duration})\nPrice: {total}").format(
        hall=hall_name(offer.hall),
        date=day_text(start.date()),
        start=time(start),
        end=time(end),
        duration=duration(offer.minutes),
        total=money(offer.total + offer.covered),
    )
    if offer.covered:
        text += _("\nThe gift certificate pays {covered}; left to pay: {rest}").format(
            covered=money(offer.covered), rest=money(offer.total)
        )
    if offer.prepay < offer.total:
        text += _(
            "\nPrepayment {percent}%: {prepay}; the rest at the studio or in the bot."
        ).format(percent=deps.rules.prepayment_percent, prepay=money(offer.prepay))
    return text


def summary_screen(offer: Offer, deps: BookingDeps, pick: Pick) -> Screen:
    if offer.total == 0:  # a promo code or a certificate pays it all: no 0 ₽ payment
        markup = free_keyboard(pick, confirm=_("✅ Confirm the booking"), gateway=NO_GATEWAY,
                               back=_("‹ Back"))  # fmt: skip
        return Screen(offer_text(offer, deps) + _("\n\nNothing is left to pay."), markup)
    prepay = _("Prepayment {amount}").format(amount=money(offer.prepay))
    markup = mode_keyboard(
        pick,
        prepay_label=prepay if offer.prepay < offer.total else None,
        full_label=_("Full payment {amount}").format(amount=money(offer.total)),
        back=_("‹ Back"),
    )
    return Screen(offer_text(offer, deps) + _("\n\nHow would you like to pay?"), markup)


def gateways_screen(offer: Offer, deps: BookingDeps, pick: Pick) -> Screen:
    amount = offer.prepay if pick.mode == "prepay" else offer.total
    choose = _("\nTo pay now: {amount}\n\nChoose the payment method:").format(amount=money(amount))
    return Screen(
        offer_text(offer, deps) + choose, gateway_keyboard(pick, gateways(deps), _("‹ Back"))
    )


def rules_screen(offer: Offer, deps: BookingDeps, pick: Pick, rules: StudioRules) -> Screen:
    """The studio's rules, as a short text or a link, with "I accept the rules"."""
    text = rules.text_en if current_language() == "en" and rules.text_en else rules.text
    body = _("\n\n📜 Studio rules. Booking means accepting them.")
    if text:
        body += "\n\n" + text
    markup = rules_keyboard(
        pick,
        accept=_("✅ I accept the rules"),
        back=_("‹ Back"),
        read=_("📜 Read the rules"),
        url=rules.url,
    )
    return Screen(offer_text(offer, deps) + body, markup)


def email_screen(offer: Offer, deps: BookingDeps, pick: Pick, saved: str | None) -> Screen:
    saved_label = _("Use {email}").format(email=saved) if saved else None
    markup = email_keyboard(pick, saved_label=saved_label, skip=_("Skip"), back=_("‹ Back"))
    ask = _("\n\n✉️ E-mail for the receipt (optional): type it in a message or press «Skip».")
    return Screen(offer_text(offer, deps) + ask, markup)


def phone_screen(offer: Offer, deps: BookingDeps, pick: Pick, saved: str | None) -> Screen:
    saved_label = _("Use {phone}").format(phone=saved) if saved else None
    markup = phone_keyboard(pick, saved_label=saved_label, back=_("‹ Back"))
    prompt = PHONE_SAVED_PROMPT if saved else PHONE_PROMPT
    return Screen(offer_text(offer, deps) + _(prompt), markup)


def picker_done_text(offer: Offer, deps: BookingDeps) -> str:
    start, end = offer.start.astimezone(deps.rules.tz), offer.end.astimezone(deps.rules.tz)
    return _("✓ {hall}, {date}, {start}–{end}").format(
        hall=hall_name(offer.hall), date=day_text(start.date()), start=time(start), end=time(end)
    )


def hold_screen(
    booking: Booking, hall: Hall, payment: Payment | None, deps: BookingDeps
) -> Screen:
    """The held booking: what to pay, by when, and the Pay link (or Try again)."""
    tz, now = deps.rules.tz, deps.now()
    due, due_kind = amount_due(booking, now)
    kind: str | None = due_kind
    if payment is not None:
        due, kind = payment.amount, payment.kind
    expires = booking.hold_expires_at or now
    start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
    minutes = max(1, math.ceil((expires - now).total_seconds() / 60))
    until = time(expires.astimezone(tz))
    text = _(
        "⏳ Booking {code} has been made and is awaiting payment.\n{hall}, {date}, {start}–{end}\n"
        "Due now: {due} ({kind}); {total} in total.\n"
    ).format(
        code=booking.code,
        hall=hall_name(hall),
        date=day_text(start.date()),
        start=time(start),
        end=time(end),
        due=money(due),
        kind=kind_text(kind),
        total=money(booking.total),
    )
    text += ngettext(
        "Please pay within {minutes} minute (by {until}), or the booking will be cancelled.",
        "Please pay within {minutes} minutes (by {until}), or the booking will be cancelled.",
        minutes,
    ).format(minutes=minutes, until=until)
    text += _("\nYou will get the confirmation here, in this chat.")
    url = payment.confirmation_url if payment is not None else None
    if url is None:
        text += _(
            "\n\n⚠️ The payment service does not answer right now. The booking is kept "
            "until {until}; press «Try again»."
        ).format(until=until)
    return Screen(text, pay_keyboard_for(booking.id, url, due), link_text(url))


def pay_keyboard_for(booking_id: int, url: str | None, due: int) -> InlineKeyboardMarkup:
    """The Pay link (or Try again), Cancel and My bookings under a booking to pay."""
    return pay_keyboard(
        booking_id,
        url=url,
        pay_label=_("💳 Pay {amount}").format(amount=money(due)),
        retry_label=_("🔄 Try again"),
        cancel_label=_("✖ Cancel booking"),
        my_label=_("📋 My bookings"),
    )


def link_text(url: str | None) -> str | None:
    """The payment link as text, for a Bot API server that refuses its button."""
    return _("\n\nPayment link: {url}").format(url=url) if url else None


@dataclass(frozen=True, slots=True)
class Stale:
    """A pressed button no longer fits the studio's state: why (a marked text, shown in the
    callback's answer) and what to show."""

    reason: str
    screen: Screen


async def fresh_day(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    start: datetime,
    *,
    moving: int | None = None,
) -> Screen:
    """The free starts of `start`'s day (its part of the day), or the month when none left
    (`moving`: calendar_screen)."""
    local = start.astimezone(deps.rules.tz)
    day = local.date()
    screen = await slots_screen(session, deps, hall_id, day, part_of(local), moving=moving)
    if screen is not None:
        return screen
    month = month_index(day.year, day.month)
    return await calendar_screen(session, deps, hall_id, month, moving=moving)


async def offer_for(session: AsyncSession, deps: BookingDeps, pick: Pick) -> Offer | Stale:
    """The priced offer of a pick, or a fresh view when it can no longer be booked."""
    start = from_minutes(pick.start)
    try:
        return await make_offer(session, deps, pick.hall_id, start, pick.minutes)
    except NotFound:
        return Stale(HALL_GONE, await halls_screen(session))
    except DomainError:
        return Stale(SLOT_GONE, await fresh_day(session, deps, pick.hall_id, start))
