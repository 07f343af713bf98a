"""The booking picker: hall → month → day → start → duration → people → add-ons → summary →
payment mode (the people, add-ons and promo code steps: handlers/booking_extras.py).

Each step edits the picker message in place. Up to the summary every button carries the pick
(hall, start, length), so an old button still works, or gets a short answer and a fresh view;
what the client adds beside the time (people, add-ons, a promo code) is the cart of that pick
in the FSM data, and every screen is rebuilt from it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.blocks import is_blocked_in_chat
from booking.deps import BookingDeps
from booking.errors import NotFound
from handlers import offer_views, picker_views, waitlist
from handlers.booking_extras import only_cart
from handlers.common import Screen, reply, show
from handlers.extras_steps import show_step
from handlers.moving import finish_move, move_halls, moving
from handlers.picker_views import HALL_GONE, SLOT_GONE
from i18n.catalogs import gettext as _
from keyboards.calendar import month_index
from keyboards.callbacks import (
    DayCallback,
    DurationCallback,
    HallCallback,
    MenuCallback,
    ModeCallback,
    MonthCallback,
    Pick,
    SlotCallback,
    from_day,
    from_minutes,
)


async def calendar_or_halls(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    month: int | None,
    callback_answer: CallbackAnswer,
    booking_id: int | None = None,
) -> Screen:
    """The hall's month, or the halls when it is gone (`booking_id`: of a move)."""
    try:
        return await picker_views.calendar_screen(session, deps, hall_id, month, moving=booking_id)
    except NotFound:
        callback_answer.text = _(HALL_GONE)
        if booking_id is not None:
            return await move_halls(session, booking_id)
        return await picker_views.halls_screen(session)


async def first_screen(session: AsyncSession, deps: BookingDeps, user_id: int) -> Screen:
    """The halls, or for a blocked client the studio's phone to call."""
    if await is_blocked_in_chat(session, user_id):
        return picker_views.blocked_screen(deps)
    return await picker_views.halls_screen(session)


async def on_book_command(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    await state.clear()
    user_id = message.from_user.id if message.from_user else 0
    await reply(message, await first_screen(session, deps, user_id), session)


async def on_book(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    await state.clear()
    await show(callback, await first_screen(session, deps, callback.from_user.id), session)


async def on_hall(
    callback: CallbackQuery,
    callback_data: HallCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    screen = await calendar_or_halls(
        session, deps, callback_data.hall_id, None, callback_answer, await moving(state)
    )
    await show(callback, screen, session)


async def on_month(
    callback: CallbackQuery,
    callback_data: MonthCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    screen = await calendar_or_halls(
        session,
        deps,
        callback_data.hall_id,
        callback_data.month,
        callback_answer,
        await moving(state),
    )
    await show(callback, screen, session)


async def on_day(
    callback: CallbackQuery,
    callback_data: DayCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The day's free starts; a full day offers its waitlist (a move: the month again)."""
    day, hall_id = from_day(callback_data.day), callback_data.hall_id
    booking_id = await moving(state)
    try:
        screen = await picker_views.slots_screen(
            session, deps, hall_id, day, callback_data.part, moving=booking_id
        )
    except NotFound:
        screen = None
    if screen is None and booking_id is not None:  # a move: no waitlist, the month again
        callback_answer.text = _("No free time left on this day")
        month = month_index(day.year, day.month)
        screen = await calendar_or_halls(
            session, deps, hall_id, month, callback_answer, booking_id
        )
    elif screen is None:
        try:  # the waitlist of a full day, or why the day cannot be booked
            callback_answer.text, screen = await waitlist.no_start_screen(
                session, deps, hall_id, day
            )
        except NotFound:
            callback_answer.text = _(HALL_GONE)
            screen = await picker_views.halls_screen(session)
    await show(callback, screen, session)


async def on_slot(
    callback: CallbackQuery,
    callback_data: SlotCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    start, hall_id = from_minutes(callback_data.start), callback_data.hall_id
    booking_id = await moving(state)
    try:
        screen = await picker_views.durations_screen(
            session, deps, hall_id, start, moving=booking_id
        )
        if screen is None:
            callback_answer.text = _(SLOT_GONE)
            screen = await picker_views.fresh_day(session, deps, hall_id, start, moving=booking_id)
    except NotFound:
        callback_answer.text = _(HALL_GONE)
        if booking_id is not None:
            screen = await move_halls(session, booking_id)
        else:
            screen = await picker_views.halls_screen(session)
    await show(callback, screen, session)


async def on_duration(
    callback: CallbackQuery,
    callback_data: DurationCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The duration chosen: the first of the people, add-ons and summary this hall has;
    or, when the client is choosing a booking's new time, the move (handlers/moving.py)."""
    pick = Pick.of(callback_data)
    booking_id = await moving(state)
    if booking_id is not None:
        await finish_move(callback, callback_answer, session, deps, state, pick, booking_id)
        return
    await show_step(callback, callback_answer, session, deps, state, pick, "guests")


async def on_mode(
    callback: CallbackQuery,
    callback_data: ModeCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The summary (no mode, or Back from the gateways) or the gateways (mode chosen);
    Back from the e-mail step lands here, so the contact steps' data goes (the cart stays)."""
    await state.set_state(None)
    await state.set_data(await only_cart(state))
    pick = Pick.of(callback_data)
    if pick.mode not in offer_views.MODES:
        pick = Pick(pick.hall_id, pick.start, pick.minutes)
    await show_step(callback, callback_answer, session, deps, state, pick, "summary")


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_book_command, Command("book"))
    router.callback_query.register(on_book, MenuCallback.filter(F.action == "book"))
    router.callback_query.register(on_hall, HallCallback.filter())
    router.callback_query.register(on_month, MonthCallback.filter())
    router.callback_query.register(on_day, DayCallback.filter())
    router.callback_query.register(on_slot, SlotCallback.filter())
    router.callback_query.register(on_duration, DurationCallback.filter())
    router.callback_query.register(on_mode, ModeCallback.filter())
    return router
