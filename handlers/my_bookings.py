"""My bookings: upcoming and past, one booking's details, cancel with the refund shown
first, and paying what is due (the prepayment of a hold, or the balance)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.errors import BookingRuleError, DomainError, GatewayUnavailable, NotFound
from booking.own_bookings import cancel_own_booking, client_booking, pay_own_booking
from handlers.common import Screen, reply, show
from handlers.moving import MOVING, extend_screen, start_move
from handlers.offer_views import gateways
from handlers.views_my import (
    BOOKING_CHANGED,
    booking_screen,
    bookings_screen,
    cancel_screen,
    cancelled_screen,
    pay_choice_screen,
    pay_ready_screen,
)
from i18n.catalogs import gettext as _
from keyboards.callbacks import (
    BookingCallback,
    CancelCallback,
    MenuCallback,
    MyListCallback,
    PayCallback,
)


async def on_my_command(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    await state.clear()
    assert message.from_user is not None
    screen = await bookings_screen(session, deps, message.from_user.id, past=False)
    await reply(message, screen, session)


async def on_list(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_data: MyListCallback | MenuCallback,
) -> None:
    await state.clear()
    past = isinstance(callback_data, MyListCallback) and callback_data.past
    page = callback_data.page if isinstance(callback_data, MyListCallback) else 0
    screen = await bookings_screen(session, deps, callback.from_user.id, past=past, page=page)
    await show(callback, screen, session)


async def on_booking(
    callback: CallbackQuery,
    callback_data: BookingCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """Details ("show"), the cancel question ("cancel"), the gateways ("pay"), a new time
    ("move": the pickers) or more time ("extend")."""
    user_id, action = callback.from_user.id, callback_data.action
    if action != "move":  # a move left (its halls' "‹ Back"): the pickers book anew
        await state.update_data({MOVING: None})
    try:
        view = await client_booking(session, deps, user_id, callback_data.booking_id)
    except NotFound:
        callback_answer.text = _(BOOKING_CHANGED)
        await show(callback, await bookings_screen(session, deps, user_id, past=False))
        return
    screen = booking_screen(view, deps)
    if action == "cancel" and view.can_cancel:
        screen = cancel_screen(view, deps)
    elif action == "pay" and view.due_now > 0:
        screen = pay_choice_screen(view, deps)
    elif action == "move" and view.can_move:
        screen = await start_move(view, state, session, deps)
    elif action == "extend" and view.can_extend:
        screen = extend_screen(view)
    elif action in ("cancel", "move", "extend"):
        callback_answer.text = _(BOOKING_CHANGED)
    elif action == "pay":
        callback_answer.text = _("There is nothing to pay for this booking now.")
    await show(callback, screen, session)


async def on_cancel(
    callback: CallbackQuery,
    callback_data: CancelCallback,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    user_id, booking_id = callback.from_user.id, callback_data.booking_id
    try:
        booking, refund = await cancel_own_booking(
            session, deps, user_id, booking_id, callback_data.refund
        )
        screen = cancelled_screen(booking.code, refund)
    except NotFound:
        callback_answer.text = _(BOOKING_CHANGED)
        screen = await bookings_screen(session, deps, user_id, past=False)
    except DomainError as exc:
        changed = isinstance(exc, BookingRuleError) and exc.code == "refund_changed"
        callback_answer.text = (
            _("The refund has changed — please check again") if changed else _(BOOKING_CHANGED)
        )
        view = await client_booking(session, deps, user_id, booking_id)
        screen = cancel_screen(view, deps) if changed else booking_screen(view, deps)
    await show(callback, screen, session)


async def on_pay(
    callback: CallbackQuery,
    callback_data: PayCallback,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    user_id, booking_id = callback.from_user.id, callback_data.booking_id
    try:
        if callback_data.gateway not in dict(gateways(deps)):
            raise BookingRuleError("unknown_gateway", "Not offered.")
        payment = await pay_own_booking(session, deps, user_id, booking_id, callback_data.gateway)
        view = await client_booking(session, deps, user_id, booking_id)
        screen: Screen = pay_ready_screen(view, payment)
    except NotFound:
        callback_answer.text = _(BOOKING_CHANGED)
        screen = await bookings_screen(session, deps, user_id, past=False)
    except DomainError as exc:
        failed = isinstance(exc, GatewayUnavailable)
        callback_answer.text = (
            _("The payment service did not answer. Please try again a bit later.")
            if failed
            else _(BOOKING_CHANGED)
        )
        view = await client_booking(session, deps, user_id, booking_id)
        screen = pay_choice_screen(view, deps) if failed else booking_screen(view, deps)
    await show(callback, screen, session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_my_command, Command("my"))
    router.callback_query.register(on_list, MenuCallback.filter(F.action == "my"))
    router.callback_query.register(on_list, MyListCallback.filter())
    router.callback_query.register(on_booking, BookingCallback.filter())
    router.callback_query.register(on_cancel, CancelCallback.filter())
    router.callback_query.register(on_pay, PayCallback.filter())
    return router
