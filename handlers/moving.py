"""A client moves a booking or adds time to it from "my bookings".

"🔁 Move" remembers the booking in the FSM data and opens its hall's calendar: the client
walks the same day, start and duration pickers as for a new booking, and the duration chosen
leads to the move instead of a new booking (booking/changes.py). The calendar's "‹ Back"
leads to the halls, the move going on: another hall is priced, and must take the booking's
people and add-ons, as booking/changes.py checks (the halls that cannot are not offered).
The pickers show the booking's own time as free (a shift by half an hour overlaps it). A
time that costs no more is shown first, as it will be with its price and what becomes of the
money paid, and moved to on "✅ Move" (its button carries what was shown, so a second tap or
a late one moves nothing twice); a dearer time shows the gateways for the difference, the
new time held meanwhile (handlers/move_views.py).
"⏱ More time" offers 15-minute steps after the end."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.change_parts import unfit_halls
from booking.change_quote import Shown
from booking.changes import Actor, extend, quote_move, reschedule
from booking.clients import list_halls
from booking.deps import BookingDeps
from booking.domain.calendar import Interval
from booking.errors import BookingRuleError, DomainError, NotFound, SlotTakenError
from booking.own_bookings import ClientBooking, client_booking
from db.models import Booking
from handlers import hall_specs, picker_views
from handlers.common import Screen, show
from handlers.move_views import after_change, confirm_screen
from handlers.picker_views import MOVE_HALLS
from handlers.views_my import BOOKING_CHANGED, booking_screen, bookings_screen
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from keyboards.bookings import extend_keyboard
from keyboards.callbacks import (
    BookingCallback,
    ExtendCallback,
    MenuCallback,
    MoveCallback,
    Pick,
    from_minutes,
)

#: The FSM data key of the booking being moved.
MOVING = "moving"
EXTEND_STEPS = (15, 30, 60, 120)
MOVE_REFUSED = {
    "reschedule_closed": N_("It is too late to move this booking; please call the studio."),
    "reschedule_limit": N_("This booking has been moved as many times as allowed."),
    "change_pending": N_("Please pay the overtime billed for this booking first."),
    "over_capacity": N_("That hall takes fewer people than your booking brings."),
    "addon_unavailable": N_("An extra of your booking is taken then or not offered in that hall."),
    "same_slot": N_("The booking is already at that time."),
    "already_moved": N_("The booking is already moved."),
    "price_changed": N_("The price of the move has changed — please check again."),
}
#: Why a hall is not offered for a move, by the code a move there would be refused with.
LEFT_OUT = {
    "over_capacity": N_("• {hall}: takes up to {capacity} people, the booking is for {guests}"),
    "addon_unavailable": N_("• {hall}: does not offer an extra of the booking"),
}


async def start_move(
    view: ClientBooking, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> Screen:
    """Remember the booking and show its hall's calendar, titled as a move."""
    await state.clear()
    await state.update_data({MOVING: view.booking.id})
    return await picker_views.calendar_screen(
        session, deps, view.booking.hall_id, moving=view.booking.id
    )


async def moving(state: FSMContext) -> int | None:
    """The booking whose new time the pickers are choosing, if any."""
    value = (await state.get_data()).get(MOVING)
    return int(value) if value is not None else None


async def move_halls(session: AsyncSession, booking_id: int) -> Screen:
    """The halls to move a booking to ("‹ Back": the booking): those too small for the
    people its client named, or without one of its add-ons, are left out, named with why."""
    back = BookingCallback(booking_id=booking_id, action="show")
    booking = await session.get(Booking, booking_id)
    if booking is None:
        return await picker_views.halls_screen(session, back)
    halls = await list_halls(session)
    unfit = await unfit_halls(session, booking, halls)
    screen = await picker_views.halls_screen(
        session, back, [h for h in halls if h.id not in unfit]
    )
    title = _("🔁 Moving booking {code}.").format(code=booking.code)
    text = f"{title}\n\n{screen.text}"
    if unfit:
        lines = [
            _(LEFT_OUT[unfit[hall.id]]).format(
                hall=hall_specs.hall_name(hall),
                capacity=hall.capacity,
                guests=booking.guests_chosen,
            )
            for hall in halls
            if hall.id in unfit
        ]
        text += "\n\n" + _("Not offered for this booking:") + "\n" + "\n".join(lines)
    return Screen(text, screen.markup)


async def on_move_halls(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    """ "‹ Back" from a move's calendar: the halls, the move going on (a plain hall list
    when the move is no longer remembered)."""
    booking_id = await moving(state)
    if booking_id is None:
        await show(callback, await picker_views.halls_screen(session), session)
        return
    await show(callback, await move_halls(session, booking_id), session)


async def finish_move(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    pick: Pick,
    booking_id: int,
) -> None:
    """The duration is chosen: a move that costs no more is shown with its price and what
    becomes of the money, to be confirmed; a dearer one is held and its difference asked."""
    user_id = callback.from_user.id
    start = from_minutes(pick.start)
    end = start + timedelta(minutes=pick.minutes)
    try:
        code = (await client_booking(session, deps, user_id, booking_id)).booking.code
        quote = await quote_move(session, deps, booking_id, pick.hall_id, Interval(start, end))
        if quote.due == 0:
            screen = await confirm_screen(session, deps, code, booking_id, quote)
            await show(callback, screen, session)
            return
        await reschedule(
            session, deps, booking_id, pick.hall_id, start, end, Actor(admin=False), dearer=True
        )
    except DomainError as exc:
        await _refusal(callback, callback_answer, session, deps, state, exc, pick, booking_id)
        return
    await _done(callback, session, deps, state, booking_id)


async def on_move_confirm(
    callback: CallbackQuery,
    callback_data: MoveCallback,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
) -> None:
    """ "✅ Move": the move shown is made, unless the booking or the price changed since
    (tapped twice: said so, moved once); "‹ Another time": the day's starts, the move on."""
    data, user_id = callback_data, callback.from_user.id
    pick = Pick(data.hall_id, data.start, data.minutes)
    start = from_minutes(data.start)
    end = start + timedelta(minutes=data.minutes)
    try:
        await client_booking(session, deps, user_id, data.booking_id)  # the client's own
        if data.action != "go":
            await state.update_data({MOVING: data.booking_id})
            fresh = await picker_views.fresh_day(
                session, deps, data.hall_id, start, moving=data.booking_id
            )
            await show(callback, fresh, session)
            return
        shown = Shown(data.sequence, data.total, data.back)
        await reschedule(
            session, deps, data.booking_id, data.hall_id, start, end, Actor(admin=False),
            shown=shown,
        )  # fmt: skip
    except DomainError as exc:
        await _refusal(callback, callback_answer, session, deps, state, exc, pick, data.booking_id)
        return
    await _done(callback, session, deps, state, data.booking_id)


async def _done(
    callback: CallbackQuery,
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    booking_id: int,
) -> None:
    await state.clear()
    view = await client_booking(session, deps, callback.from_user.id, booking_id)
    await show(callback, await after_change(session, deps, view, moved=True), session)


async def _refusal(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    exc: DomainError,
    pick: Pick,
    booking_id: int,
) -> None:
    """A move refused: why, and where the client goes on from (another time, the move
    going on; the booking; the price as it is now; the list, when the booking is gone)."""
    await session.rollback()
    user_id = callback.from_user.id
    if isinstance(exc, NotFound):
        await state.clear()
        callback_answer.text = _(BOOKING_CHANGED)
        await show(callback, await bookings_screen(session, deps, user_id, past=False))
        return
    callback_answer.text = _refused(exc)
    callback_answer.show_alert = True
    if exc.code == "price_changed":  # shown again as it is now (or why not)
        await finish_move(callback, callback_answer, session, deps, state, pick, booking_id)
        return
    if isinstance(exc, SlotTakenError | BookingRuleError):  # another time: the move goes on
        await state.update_data({MOVING: booking_id})
        start = from_minutes(pick.start)
        fresh = await picker_views.fresh_day(session, deps, pick.hall_id, start, moving=booking_id)
        await show(callback, fresh)
        return
    await state.clear()
    view = await client_booking(session, deps, user_id, booking_id)
    await show(callback, booking_screen(view, deps), session)


def _refused(exc: DomainError) -> str:
    """Why a move was refused, in the client's language (the error's own message is English)."""
    if isinstance(exc, SlotTakenError):
        return _("This time has just been taken; please choose another.")
    text = MOVE_REFUSED.get(exc.code)
    if text:
        return _(text)
    if isinstance(exc, BookingRuleError):  # the calendar's rules: passed, too soon, closed…
        return _("This time cannot be chosen now; please choose another.")
    return _(BOOKING_CHANGED)


def extend_screen(view: ClientBooking) -> Screen:
    labels = {15: _("+15 min"), 30: _("+30 min"), 60: _("+1 hour"), 120: _("+2 hours")}
    text = _("How much time to add after booking {code}?").format(code=view.booking.code)
    choices = [(minutes, labels[minutes]) for minutes in EXTEND_STEPS]
    return Screen(text, extend_keyboard(view.booking.id, choices, _("‹ Back")))


async def on_extend(
    callback: CallbackQuery,
    callback_data: ExtendCallback,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    user_id, booking_id = callback.from_user.id, callback_data.booking_id
    try:
        await client_booking(session, deps, user_id, booking_id)
        await extend(session, deps, booking_id, callback_data.minutes, Actor(admin=False))
    except NotFound:
        callback_answer.text = _(BOOKING_CHANGED)
        await show(callback, await bookings_screen(session, deps, user_id, past=False))
        return
    except DomainError as exc:
        await session.rollback()
        callback_answer.show_alert = True
        callback_answer.text = (
            _("The hall is not free for that long after the booking.")
            if isinstance(exc, SlotTakenError) or exc.code in ("outside_hours", "closed")
            else _(MOVE_REFUSED["change_pending"])
            if exc.code == "change_pending"
            else _(BOOKING_CHANGED)
        )
        view = await client_booking(session, deps, user_id, booking_id)
        await show(callback, booking_screen(view, deps), session)
        return
    view = await client_booking(session, deps, user_id, booking_id)
    await show(callback, await after_change(session, deps, view, moved=False), session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_extend, ExtendCallback.filter())
    router.callback_query.register(on_move_confirm, MoveCallback.filter())
    router.callback_query.register(on_move_halls, MenuCallback.filter(F.action == MOVE_HALLS))
    return router
