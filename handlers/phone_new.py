"""/new: an admin books for a client who called (or came to the desk).

The admin walks the clients' own picker (hall, month, day, start, length: the handlers of
handlers/booking.py, unchanged) in the `PhoneBookingForm.calendar` state; this router, ahead
of the clients' ones, takes over at the length: the client's name, phone and optional
e-mail are typed, then the booking is settled (paid in cash, confirmed unpaid, or a payment
link to forward) by booking.phone_booking, the use case the admin API calls.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
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
from booking.phone_booking import PhoneBooking, Settle, book_for_client
from bot.filters import IsAdmin
from bot.states import PhoneBookingForm
from handlers import views
from handlers.common import Screen, reply, show
from handlers.views import Stale
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import money, time
from keyboards.callbacks import DurationCallback, MenuCallback, Pick, SettleCallback, from_minutes
from keyboards.rows import button, column, markup

log = logging.getLogger(__name__)

NOT_A_COMMAND = ~F.text.startswith("/")
STEP_GONE = N_("This step has expired — start again with /new")
SETTLES = {
    "cash": N_("💵 Paid in cash"),
    "unpaid": N_("🤝 Confirm unpaid"),
    "link": N_("🔗 Payment link"),
}


def _cancel_button() -> list[InlineKeyboardButton]:
    return [button(_("✖ Cancel"), SettleCallback(action="cancel"))]


async def on_new(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.clear()
    await state.set_state(PhoneBookingForm.calendar)
    halls = await views.halls_screen(session)
    intro = _(
        "📞 A booking for a client. Choose the hall, day, start and length the client asks "
        "for; then type their name and phone."
    )
    await reply(message, Screen(f"{intro}\n\n{halls.text}", halls.markup), session)


async def on_halls(callback: CallbackQuery, session: AsyncSession) -> None:
    """Back from a calendar to the halls, still booking for the client."""
    await show(callback, await views.halls_screen(session), session)


async def on_length(
    callback: CallbackQuery,
    callback_data: DurationCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The length chosen: priced as the clients' picker prices it, then the client's name."""
    pick = Pick.of(callback_data)
    found = await views.offer_for(session, deps, pick)
    if isinstance(found, Stale):
        callback_answer.text = _(found.reason)
        await show(callback, found.screen, session)
        return
    await state.set_state(PhoneBookingForm.name)
    picker = callback.message.message_id if callback.message else None
    await state.set_data({"pick": [pick.hall_id, pick.start, pick.minutes], "picker": picker})
    text = views.offer_text(found, deps) + "\n\n" + _("Type the client's name:")
    await show(callback, Screen(text, markup(_cancel_button())), session)


async def on_name(message: Message, state: FSMContext) -> None:
    name = " ".join((message.text or "").split())[:200]
    await state.update_data(name=name)
    await state.set_state(PhoneBookingForm.phone)
    text = _("Client: {name}. Type their phone number, like +7 999 123-45-67:").format(name=name)
    await reply(message, Screen(text, markup(_cancel_button())))


async def on_phone(message: Message, state: FSMContext, session: AsyncSession) -> None:
    try:
        phone = normalize_phone(message.text or "")
    except BookingRuleError:
        again = _("I could not read that number. Type it like +7 999 123-45-67.")
        await reply(message, Screen(again, markup(_cancel_button())))
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
    await reply(message, Screen(text, markup([skip], _cancel_button())))


async def on_email(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    try:
        email = check_email(message.text or "")
    except BookingRuleError:
        again = _("That does not look like an e-mail. Type one like anna@example.com, or skip.")
        skip = button(_("Skip"), SettleCallback(action="skip_email"))
        await reply(message, Screen(again, markup([skip], _cancel_button())))
        return
    await state.update_data(email=email)
    await state.set_state(PhoneBookingForm.settle)
    await reply(message, await settle_screen(session, deps, state), session)


async def on_skip_email(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    await state.update_data(email=None)
    await state.set_state(PhoneBookingForm.settle)
    await show(callback, await settle_screen(session, deps, state), session)


async def settle_screen(session: AsyncSession, deps: BookingDeps, state: FSMContext) -> Screen:
    data = await state.get_data()
    found = await views.offer_for(session, deps, Pick(*data["pick"]))
    offer = "" if isinstance(found, Stale) else views.offer_text(found, deps) + "\n\n"
    who = _("Client: {name}, {phone}").format(name=data["name"], phone=data["phone"])
    if data.get("email"):
        who += f", {data['email']}"
    question = _("How is it settled?")
    settles = dict(SETTLES)
    if await full_payment_only(session, deps, phone=data["phone"]):
        question = f"{full_price_text(deps)}\n\n{question}"
        del settles["unpaid"]
    buttons = [
        button(_(label), SettleCallback(action=action)) for action, label in settles.items()
    ]
    keyboard = markup(*column(buttons), _cancel_button())
    return Screen(f"{offer}{who}\n\n{question}", keyboard)


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
        fresh = await views.fresh_day(session, deps, hall_id, start)
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


def blocked_text(phone: str) -> str:
    """Why nothing can be booked for a blocked client, and how to lift the block."""
    return _(
        "⛔ The client {phone} is blocked: nothing can be booked for them, by phone either. "
        "To lift the block: /unblock {phone} — then start again with /new"
    ).format(phone=phone)


def full_price_text(deps: BookingDeps, *, refused: bool = False) -> str:
    """A client past NO_SHOW_LIMIT: the full price, in cash or by a link for all of it."""
    text = _(
        "⚠️ The client has missed {limit} or more bookings: they pay the full price — in cash "
        "or by a payment link for the whole sum; a booking unpaid is not possible."
    ).format(limit=deps.rules.no_show_limit)
    if refused:
        text = _("😔 Not booked.") + " " + text + "\n" + _("Start again: /new")
    return text


def done_text(taken: PhoneBooking, data: dict[str, object], deps: BookingDeps) -> str:
    """What the admin reads once it is booked: the code, how it stands, the link to forward."""
    booking = taken.booking
    values = {
        "code": booking.code,
        "who": _("{name}, {phone}").format(name=data["name"], phone=data["phone"]),
        "paid": money(booking.paid),
        "due": money(booking.total - booking.paid),
    }
    if booking.status == "confirmed" and booking.paid >= booking.total:
        text = _("✅ Booking {code} for {who} is confirmed. Paid {paid}.").format(**values)
    elif booking.status == "confirmed":
        text = _(
            "✅ Booking {code} for {who} is confirmed, unpaid: {due} due at the studio."
        ).format(**values)
    else:
        until = booking.hold_expires_at or booking.start_at
        values["until"] = time(until.astimezone(deps.rules.tz))
        text = _("⏳ Booking {code} for {who} is held until {until}.").format(**values)
        if taken.payment is not None and taken.payment.confirmation_url:
            link = _("Forward this payment link to the client:")
            text += f"\n{link}\n{taken.payment.confirmation_url}"
        else:
            text += "\n" + _("The payment service did not answer; no link was made.")
    if data.get("email"):
        text += "\n" + _("The client gets the confirmation by e-mail.")
    later = _(
        "When the client opens the bot and shares this phone (/phone), the booking shows there."
    )
    return f"{text}\n{later}"


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
    calendar = StateFilter(PhoneBookingForm.calendar)
    router.callback_query.register(on_halls, calendar, MenuCallback.filter(F.action == "book"))
    router.callback_query.register(on_length, calendar, DurationCallback.filter())
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
