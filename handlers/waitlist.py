"""A day with no free start: a full one lets the client ask to be told when time frees on it
(booking/waitlist.py), and the message that tells them carries a button back to that day; a
day no booking letting go could open (closed, past, too short...) says why instead."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.day_state import DayState, day_state
from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound
from booking.waitlist import Waiter, join_waitlist
from db.models import Hall
from handlers import hall_specs, picker_views
from handlers.common import Screen, send, show
from i18n.catalogs import N_, current_language
from i18n.catalogs import gettext as _
from i18n.formats import day as day_text
from keyboards.calendar import month_index
from keyboards.callbacks import MenuCallback, MonthCallback, WaitCallback, from_day, to_day
from keyboards.rows import button, markup

DAY_ACTION = "day-"
NOT_BOOKABLE = N_("This day cannot be booked")
#: Why a day without a free start has no waitlist either: no booking letting go opens it.
WHY_NOT = {
    DayState.PAST: N_("{hall}, {date}: this day has passed."),
    DayState.AHEAD: N_("{hall}, {date}: booking for this day is not open yet."),
    DayState.DAY_OFF: N_("{hall}, {date}: the studio does not work on this day."),
    DayState.SHORT: N_(
        "{hall}, {date}: the studio's hours on this day are shorter than this hall's "
        "shortest booking."
    ),
    DayState.LATE: N_("{hall}, {date}: it is too late to start a booking today."),
    DayState.TOO_SOON: N_(
        "{hall}, {date}: this day can no longer be booked, bookings are made in advance."
    ),
    DayState.HALL_CLOSED: N_("{hall}, {date}: this hall is closed on this day."),
    DayState.CLOSED: N_("{hall}, {date}: the studio is closed on this day."),
}


def full_day_screen(hall: Hall, day: date) -> Screen:
    """The day has no free start, but would have if a booking let go: offer to wait for
    one, or another day."""
    text = _(
        "{hall}, {date}: no free time left.\nI can write to you if time frees up on this day."
    ).format(hall=hall_specs.hall_name(hall), date=day_text(day))
    wait = button(
        _("🔔 Tell me when time frees up"), WaitCallback(hall_id=hall.id, day=to_day(day))
    )
    month = MonthCallback(hall_id=hall.id, month=month_index(day.year, day.month))
    return Screen(text, markup([wait], [button(_("‹ Another day"), month)]))


async def no_start_screen(
    session: AsyncSession, deps: BookingDeps, hall_id: int, day: date
) -> tuple[str, Screen]:
    """The short answer and the screen of a day found without a free start: its waitlist
    when it is full, otherwise why it cannot be booked above the month (the waitlist would
    refuse it). Raises NotFound for a gone hall."""
    hall, state = await day_state(session, deps, hall_id, day)
    if state is DayState.FREE and (
        slots := await picker_views.slots_screen(session, deps, hall_id, day)
    ):
        return _("Time has just freed up on this day"), slots
    if state is DayState.FULL:
        return _("No free time left on this day"), full_day_screen(hall, day)
    month = month_index(day.year, day.month)
    calendar = await picker_views.calendar_screen(session, deps, hall_id, month)
    if state not in WHY_NOT:
        return _(NOT_BOOKABLE), calendar
    why = _(WHY_NOT[state]).format(hall=hall_specs.hall_name(hall), date=day_text(day))
    return _(NOT_BOOKABLE), Screen(f"{why}\n\n{calendar.text}", calendar.markup)


async def on_wait(
    callback: CallbackQuery,
    callback_data: WaitCallback,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """Join the day's waitlist; a free start meanwhile: the day's starts instead."""
    day, hall_id = from_day(callback_data.day), callback_data.hall_id
    user = callback.from_user
    who = Waiter(name=user.full_name, telegram_id=user.id, language=current_language())
    try:
        await join_waitlist(session, deps, hall_id, day, who)
    except NotFound:
        callback_answer.text = _(picker_views.HALL_GONE)
        await show(callback, await picker_views.halls_screen(session), session)
        return
    except DomainError:  # freed meanwhile (day_not_full), or closed since (bad_date)
        await session.rollback()
        callback_answer.text, screen = await no_start_screen(session, deps, hall_id, day)
        await show(callback, screen, session)
        return
    callback_answer.text = _("Done: I will write if time frees up")
    text = _(
        "🔔 I will write to you here if time frees up on {date}. Meanwhile, another day:"
    ).format(date=day_text(day))
    calendar = await picker_views.calendar_screen(
        session, deps, hall_id, month_index(day.year, day.month)
    )
    await show(callback, Screen(f"{text}\n\n{calendar.text}", calendar.markup), session)


async def on_freed_day(
    callback: CallbackQuery,
    callback_data: MenuCallback,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The button under the message that time freed up: that day's free starts now, as a
    new message (the notice stays readable), or the day's state if taken again."""
    try:
        _prefix, hall_id, ordinal = callback_data.action.split("-")
        day = from_day(int(ordinal))
        screen = await picker_views.slots_screen(session, deps, int(hall_id), day)
        if screen is None:
            callback_answer.text, screen = await no_start_screen(session, deps, int(hall_id), day)
    except (ValueError, NotFound):
        callback_answer.text = _(picker_views.HALL_GONE)
        screen = await picker_views.halls_screen(session)
    assert callback.bot is not None
    await send(callback.bot, callback.from_user.id, screen, session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_wait, WaitCallback.filter())
    router.callback_query.register(
        on_freed_day, MenuCallback.filter(F.action.startswith(DAY_ACTION))
    )
    return router
