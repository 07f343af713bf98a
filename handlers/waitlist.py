"""A day with no free start: the client can ask to be told when time frees on it
(booking/waitlist.py); the message that tells them carries a button back to that day."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall
from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound
from booking.waitlist import Waiter, join_waitlist
from handlers import views
from handlers.common import Screen, send, show
from i18n.catalogs import current_language
from i18n.catalogs import gettext as _
from i18n.formats import day as day_text
from keyboards.calendar import month_index
from keyboards.callbacks import MenuCallback, MonthCallback, WaitCallback, from_day, to_day
from keyboards.rows import button, markup

DAY_ACTION = "day-"


async def full_day_screen(
    session: AsyncSession, deps: BookingDeps, hall_id: int, day: date
) -> Screen:
    """The day has no free start: offer to wait for one, or another day."""
    hall = await active_hall(session, hall_id)
    text = _(
        "{hall}, {date}: no free time left.\nI can write to you if time frees up on this day."
    ).format(hall=views.hall_name(hall), date=day_text(day))
    wait = button(
        _("🔔 Tell me when time frees up"), WaitCallback(hall_id=hall_id, day=to_day(day))
    )
    month = MonthCallback(hall_id=hall_id, month=month_index(day.year, day.month))
    return Screen(text, markup([wait], [button(_("‹ Another day"), month)]))


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
        callback_answer.text = _(views.HALL_GONE)
        await show(callback, await views.halls_screen(session), session)
        return
    except DomainError as error:
        await session.rollback()
        fresh = await views.slots_screen(session, deps, hall_id, day)
        if error.code == "day_not_full" and fresh is not None:
            callback_answer.text = _("Time has just freed up on this day")
            await show(callback, fresh, session)
            return
        callback_answer.text = _("This day cannot be booked")
        month = month_index(day.year, day.month)
        await show(callback, await views.calendar_screen(session, deps, hall_id, month), session)
        return
    callback_answer.text = _("Done: I will write if time frees up")
    text = _(
        "🔔 I will write to you here if time frees up on {date}. Meanwhile, another day:"
    ).format(date=day_text(day))
    calendar = await views.calendar_screen(
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
        screen = await views.slots_screen(session, deps, int(hall_id), day)
        if screen is None:
            callback_answer.text = _("No free time left on this day")
            screen = await full_day_screen(session, deps, int(hall_id), day)
    except (ValueError, NotFound):
        callback_answer.text = _(views.HALL_GONE)
        screen = await views.halls_screen(session)
    assert callback.bot is not None
    await send(callback.bot, callback.from_user.id, screen, session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_wait, WaitCallback.filter())
    router.callback_query.register(
        on_freed_day, MenuCallback.filter(F.action.startswith(DAY_ACTION))
    )
    return router
