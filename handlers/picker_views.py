"""Screens of the booking picker up to the length: the halls, a hall's month, a day's starts,
the lengths at a start, and the fresh view a button that no longer fits gets (`Stale`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from aiogram.filters.callback_data import CallbackData
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall, durations_at
from booking.clients import Offer, day_starts, list_halls, make_offer, month_view
from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound
from db.models import Booking, Hall
from handlers.common import Screen
from handlers.hall_specs import hall_name
from i18n.catalogs import N_, current_language
from i18n.catalogs import gettext as _
from i18n.formats import day as day_text
from i18n.formats import duration, money, month_title, time, weekdays
from keyboards.calendar import calendar_keyboard, month_index, month_of
from keyboards.callbacks import MenuCallback, Pick, from_minutes, to_day, to_minutes
from keyboards.durations import durations_keyboard
from keyboards.menu import halls_keyboard, menu_keyboard, single_button_keyboard
from keyboards.slots import PARTS, Start, shown_part, slots_keyboard

PARTS_OF_DAY = {1: N_("Morning"), 2: N_("Afternoon"), 3: N_("Evening")}

#: Why a pressed button gets a fresh view (the callback's answer).
HALL_GONE = N_("This hall is not available now")
SLOT_GONE = N_("This time has just been taken")
#: The menu action of "‹ Back" from a move's calendar: the halls, the move going on.
MOVE_HALLS = "move_halls"


def part_of(local: datetime) -> int:
    """The part of the day (morning, afternoon, evening) of a local time."""
    minute = local.hour * 60 + local.minute
    return next(p for p, (lo, hi) in PARTS.items() if lo <= minute < hi)


async def halls_screen(
    session: AsyncSession,
    back_data: CallbackData | None = None,
    halls: Sequence[Hall] | None = None,
) -> Screen:
    """The bookable halls (or those of `halls`); "‹ Back" to the menu, or to `back_data`
    (a move's booking)."""
    halls = await list_halls(session) if halls is None else halls
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
