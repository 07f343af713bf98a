"""A client moves a booking or adds time to it from "my bookings".

"🔁 Move" remembers the booking in the FSM data and opens its hall's calendar: the client
walks the same day, start and duration pickers as for a new booking, and the duration chosen
moves the booking instead of starting a new one (booking/changes.py). The calendar's "‹ Back"
leads to the halls, the move going on: another hall is priced, and must take the booking's
people and add-ons, as booking/changes.py checks (the halls that cannot are not offered).
The pickers show the booking's own time as free (a shift by half an hour overlaps it). A
dearer time shows the gateways for the difference; the new time is held meanwhile.
"⏱ More time" offers 15-minute steps after the end."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.change_parts import unfit_halls
from booking.changes import Actor, extend, reschedule
from booking.clients import list_halls
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, DomainError, NotFound, SlotTakenError
from booking.own_bookings import ClientBooking, client_booking
from db.models import Booking
from handlers import hall_specs, picker_views
from handlers.common import Screen, show
from handlers.picker_views import MOVE_HALLS
from handlers.views_my import BOOKING_CHANGED, booking_screen, bookings_screen, pay_choice_screen
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import money
from keyboards.bookings import extend_keyboard
from keyboards.callbacks import BookingCallback, ExtendCallback, MenuCallback, Pick, from_minutes

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
    """The duration is chosen: move the booking there (or hold it and ask for the rest)."""
    user_id = callback.from_user.id
    start = from_minutes(pick.start)
    try:
        await client_booking(session, deps, user_id, booking_id)  # the client's own
        booking = await reschedule(
            session,
            deps,
            booking_id,
            pick.hall_id,
            start,
            start + timedelta(minutes=pick.minutes),
            Actor(admin=False),
        )
    except NotFound:
        await state.clear()
        callback_answer.text = _(BOOKING_CHANGED)
        await show(callback, await bookings_screen(session, deps, user_id, past=False))
        return
    except DomainError as exc:
        await session.rollback()
        callback_answer.text = _refused(exc)
        callback_answer.show_alert = True
        if isinstance(exc, SlotTakenError | BookingRuleError):  # another time: the move goes on
            fresh = await picker_views.fresh_day(
                session, deps, pick.hall_id, start, moving=booking_id
            )
            await show(callback, fresh)
            return
        await state.clear()
        view = await client_booking(session, deps, user_id, booking_id)
        await show(callback, booking_screen(view, deps), session)
        return
    await state.clear()
    view = await client_booking(session, deps, user_id, booking.id)
    await show(callback, _after_change(view, deps, moved=True), session)


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


def _after_change(view: ClientBooking, deps: BookingDeps, *, moved: bool) -> Screen:
    """The booking once changed, or the gateways for the difference a dearer change asks."""
    if view.due_kind == "change" and view.due_now > 0:
        screen = pay_choice_screen(view, deps)
        note = _(
            "The new time is held for you for {minutes} minutes: pay the difference of "
            "{amount} and the change is made; otherwise the booking stays as it is."
        ).format(minutes=int(deps.rules.hold.total_seconds() // 60), amount=money(view.due_now))
        return Screen(f"{note}\n\n{screen.text}", screen.markup)
    screen = booking_screen(view, deps)
    done = _("✅ The booking is moved.") if moved else _("✅ Time added.")
    return Screen(f"{done}\n\n{screen.text}", screen.markup)


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
    await show(callback, _after_change(view, deps, moved=False), session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_extend, ExtendCallback.filter())
    router.callback_query.register(on_move_halls, MenuCallback.filter(F.action == MOVE_HALLS))
    return router
