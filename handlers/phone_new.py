"""/new: an admin books for a client who called (or came to the desk).

The admin walks the clients' own picker (hall, month, day, start, length: the handlers of
handlers/booking.py, unchanged) in the `PhoneBookingForm.calendar` state; this router, ahead
of the clients' ones, takes over at the length: the people coming (where the hall takes a
stated number or charges for more; priced as for clients), the client's name, phone and
optional e-mail are typed, then the booking is settled (paid in cash, confirmed unpaid, or
a payment link to forward) by booking.phone_booking, the use case the admin API calls.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.blocks import is_blocked
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, DomainError, SlotTakenError
from booking.holds import (
    ClientInfo,
    HoldRequest,
    PaymentMode,
    Source,
    check_email,
    normalize_phone,
)
from booking.no_show import full_payment_only
from booking.phone_booking import Settle, book_for_client
from bot.filters import IsAdmin
from bot.states import PhoneBookingForm
from db.models import Hall
from handlers import offer_views, picker_views
from handlers.common import Screen, reply, show
from handlers.phone_texts import (
    SETTLES,
    asks_guests,
    blocked_text,
    cancel_button,
    done_text,
    full_price_text,
    guests_again,
    guests_screen,
    priced_text,
    settle_screen,
)
from handlers.picker_views import Stale
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from keyboards.callbacks import DurationCallback, MenuCallback, Pick, SettleCallback, from_minutes
from keyboards.extras import GuestsCallback
from keyboards.rows import button, markup

log = logging.getLogger(__name__)

NOT_A_COMMAND = ~F.text.startswith("/")
STEP_GONE = N_("This step has expired — start again with /new")


async def on_new(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.clear()
    await state.set_state(PhoneBookingForm.calendar)
    halls = await picker_views.halls_screen(session)
    intro = _(
        "📞 A booking for a client. Choose the hall, day, start and length the client asks "
        "for; then type their name and phone."
    )
    await reply(message, Screen(f"{intro}\n\n{halls.text}", halls.markup), session)


async def on_halls(callback: CallbackQuery, session: AsyncSession) -> None:
    """Back from a calendar to the halls, still booking for the client."""
    await show(callback, await picker_views.halls_screen(session), session)


async def on_length(
    callback: CallbackQuery,
    callback_data: DurationCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The length chosen: priced as the clients' picker prices it, then the people coming
    (where the hall counts them) or the client's name."""
    pick = Pick.of(callback_data)
    found = await picker_views.offer_for(session, deps, pick)
    if isinstance(found, Stale):
        callback_answer.text = _(found.reason)
        await show(callback, found.screen, session)
        return
    picker = callback.message.message_id if callback.message else None
    await state.set_data({"pick": [pick.hall_id, pick.start, pick.minutes], "picker": picker})
    if asks_guests(found.hall):
        await state.set_state(PhoneBookingForm.guests)
        await show(callback, guests_screen(offer_views.offer_text(found, deps), found.hall, pick))
        return
    await state.set_state(PhoneBookingForm.name)
    text = offer_views.offer_text(found, deps) + "\n\n" + _("Type the client's name:")
    await show(callback, Screen(text, markup(cancel_button())), session)


async def on_guests(
    callback: CallbackQuery,
    callback_data: GuestsCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
) -> None:
    """A number pressed: the price with those people, then the client's name."""
    await show(callback, await guests_chosen(session, deps, state, callback_data.guests), session)


async def on_guests_text(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    """A number typed (more than the buttons show, or instead of pressing one)."""
    pick = Pick(*(await state.get_data())["pick"])
    hall = await session.get(Hall, pick.hall_id)
    typed = (message.text or "").strip()
    number = int(typed) if typed.isdigit() else 0
    if hall is None:
        await state.clear()
        await reply(message, Screen(_(STEP_GONE)))
        return
    if number < 1 or (hall.capacity and number > hall.capacity):
        await reply(message, Screen(guests_again(hall), markup(cancel_button())))
        return
    await reply(message, await guests_chosen(session, deps, state, number), session)


async def guests_chosen(
    session: AsyncSession, deps: BookingDeps, state: FSMContext, guests: int
) -> Screen:
    await state.update_data(guests=guests)
    await state.set_state(PhoneBookingForm.name)
    offer = await priced_text(session, deps, await state.get_data())
    text = (offer + "\n\n" if offer else "") + _("Type the client's name:")
    return Screen(text, markup(cancel_button()))


async def on_name(message: Message, state: FSMContext) -> None:
    name = " ".join((message.text or "").split())[:200]
    await state.update_data(name=name)
    await state.set_state(PhoneBookingForm.phone)
    text = _("Client: {name}. Type their phone number, like +7 999 123-45-67:").format(name=name)
    await reply(message, Screen(text, markup(cancel_button())))


async def on_phone(message: Message, state: FSMContext, session: AsyncSession) -> None:
    try:
        phone = normalize_phone(message.text or "")
    except BookingRuleError:
        again = _("I could not read that number. Type it like +7 999 123-45-67.")
        await reply(message, Screen(again, markup(cancel_button())))
        return
    if await is_blocked(session, phone=phone):
        await state.clear()
        await reply(message, Screen(blocked_text(phone)))
        return
    await state.update_data(phone=phone)
    await state.set_state(PhoneBookingForm.email)
    text = _("Phone {phone}. Type the client's e-mail for the confirmation, or skip it:").format(
        phone=phone
    )
    skip = button(_("Skip"), SettleCallback(action="skip_email"))
    await reply(message, Screen(text, markup([skip], cancel_button())))


async def on_email(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    try:
        email = check_email(message.text or "")
    except BookingRuleError:
        again = _("That does not look like an e-mail. Type one like anna@example.com, or skip.")
        skip = button(_("Skip"), SettleCallback(action="skip_email"))
        await reply(message, Screen(again, markup([skip], cancel_button())))
        return
    await state.update_data(email=email)
    await state.set_state(PhoneBookingForm.settle)
    await reply(message, await settle_screen(session, deps, await state.get_data()), session)


async def on_skip_email(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    await state.update_data(email=None)
    await state.set_state(PhoneBookingForm.settle)
    await show(callback, await settle_screen(session, deps, await state.get_data()), session)


async def on_settle(
    callback: CallbackQuery,
    callback_data: SettleCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """Hold the slot and settle it; the slot taken meanwhile: the day's fresh starts."""
    data = await state.get_data()
    await state.clear()
    hall_id, start_minutes, minutes = data["pick"]
    start = from_minutes(start_minutes)
    full_only = await full_payment_only(session, deps, phone=data["phone"])
    request = HoldRequest(
        hall_id=hall_id,
        start=start,
        end=start + timedelta(minutes=minutes),
        payment_mode=PaymentMode.FULL if full_only else PaymentMode.PREPAY,
        client=ClientInfo(name=data["name"], phone=data["phone"], email=data.get("email")),
        source=Source.ADMIN,
        guests=data.get("guests"),
    )
    admin_id = callback.from_user.id
    try:
        taken = await book_for_client(
            session, deps, request, Settle(callback_data.action), admin_id=admin_id
        )
    except DomainError as error:
        await session.rollback()
        log.info("phone booking refused", extra={"code": error.code, "admin_id": admin_id})
        if error.code in ("client_blocked", "full_payment_required"):
            callback_answer.text = _("Not booked")
            why = blocked_text(data["phone"]) if error.code == "client_blocked" else None
            await show(callback, Screen(why or full_price_text(deps, refused=True)), session)
            return
        await state.set_state(PhoneBookingForm.calendar)
        fresh = await picker_views.fresh_day(session, deps, hall_id, start)
        if isinstance(error, SlotTakenError):
            sorry = _("😔 Not booked: this time is no longer free. Choose another:")
        else:
            sorry = _("😔 Not booked (code {code}). Choose again:").format(code=error.code)
        callback_answer.text = _("Not booked")
        await show(callback, Screen(f"{sorry}\n\n{fresh.text}", fresh.markup), session)
        return
    log.info(
        "admin booked for a client",
        extra={
            "booking_id": taken.booking.id,
            "admin_id": admin_id,
            "settle": callback_data.action,
        },
    )
    await show(callback, Screen(done_text(taken, data, deps)), session)


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, Screen(_("Nothing booked. A new booking for a client: /new")))


async def on_stale(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = _(STEP_GONE)


def create_router() -> Router:
    """Ahead of the clients' routers: only admins in a private chat reach it."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(on_new, Command("new"))
    # Back from the people to the lengths walks the picker again, the booking going on.
    picker = StateFilter(PhoneBookingForm.calendar, PhoneBookingForm.guests)
    router.callback_query.register(on_halls, picker, MenuCallback.filter(F.action == "book"))
    router.callback_query.register(on_length, picker, DurationCallback.filter())
    guests = StateFilter(PhoneBookingForm.guests)
    router.callback_query.register(on_guests, guests, GuestsCallback.filter())
    router.message.register(on_guests_text, guests, F.text, NOT_A_COMMAND)
    router.message.register(on_name, StateFilter(PhoneBookingForm.name), F.text, NOT_A_COMMAND)
    router.message.register(on_phone, StateFilter(PhoneBookingForm.phone), F.text, NOT_A_COMMAND)
    router.message.register(on_email, StateFilter(PhoneBookingForm.email), F.text, NOT_A_COMMAND)
    router.callback_query.register(on_cancel, SettleCallback.filter(F.action == "cancel"))
    router.callback_query.register(
        on_skip_email,
        StateFilter(PhoneBookingForm.email),
        SettleCallback.filter(F.action == "skip_email"),
    )
    router.callback_query.register(
        on_settle,
        StateFilter(PhoneBookingForm.settle),
        SettleCallback.filter(F.action.in_(set(SETTLES))),
    )
    router.callback_query.register(on_stale, SettleCallback.filter())
    return router
