"""After the gateway: the optional e-mail, the phone (shared or typed), then the hold.

These are the only steps with FSM state (they wait for typed input). The buttons still carry
the whole pick, so an old one gets a fresh view; a double tap on "create" finds the state
already used and makes nothing twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall
from booking.clients import Offer, hold_and_start_payment, known_contacts
from booking.deps import BookingDeps
from booking.errors import BookingRuleError, DomainError, NotFound, TooManyHolds
from booking.holds import (
    ClientInfo,
    HoldRequest,
    PaymentMode,
    Source,
    check_email,
    normalize_phone,
)
from booking.rules import accept_rules, rules_to_accept
from bot.states import BookingForm
from handlers import views
from handlers.common import Screen, close_picker, reply, send, show
from handlers.views import Stale
from i18n.catalogs import N_, current_language, ngettext
from i18n.catalogs import gettext as _
from keyboards.callbacks import (
    ContactCallback,
    GatewayCallback,
    Pick,
    RulesCallback,
    from_minutes,
)
from keyboards.menu import menu_keyboard
from keyboards.payment import remove_keyboard, share_phone_keyboard

NOT_A_COMMAND = ~F.text.startswith("/")
STEP_GONE = N_("This step has expired — please choose again")


async def on_gateway(
    callback: CallbackQuery,
    callback_data: GatewayCallback | RulesCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """Gateway chosen: the studio's rules if this client has not accepted them yet, else
    the e-mail (optional); Back from the phone step lands here. "I accept the rules"
    (RulesCallback) records the version in force and goes on to the e-mail."""
    pick = Pick.of(callback_data)
    found = await views.offer_for(session, deps, pick)
    if isinstance(found, Stale) or not views.payable_pick(pick, deps):
        await show_stale(callback, callback_answer, session, found, deps, pick)
        return
    rules = await rules_to_accept(session, callback.from_user.id)
    if rules is not None and isinstance(callback_data, RulesCallback):
        await accept_rules(session, callback.from_user.id, rules.version)
    elif rules is not None:
        await show(callback, views.rules_screen(found, deps, pick, rules), session)
        return
    phone, email = await known_contacts(session, callback.from_user.id)
    await state.set_state(BookingForm.email)
    await state.set_data(_step_data(callback, pick, None, phone, email))
    await show(callback, views.email_screen(found, deps, pick, email), session)


async def on_email_choice(
    callback: CallbackQuery,
    callback_data: ContactCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """Skip the e-mail or use the saved one; then the phone step."""
    pick = Pick.of(callback_data)
    found = await views.offer_for(session, deps, pick)
    if isinstance(found, Stale):
        await show_stale(callback, callback_answer, session, found, deps, pick)
        return
    phone, email = await contacts_of(session, callback.from_user.id, await state.get_data(), pick)
    chosen = email if callback_data.action == "mail" else None
    await state.set_state(BookingForm.phone)
    await state.set_data(_step_data(callback, pick, chosen, phone, email))
    await show(callback, views.phone_screen(found, deps, pick, phone), session)
    if phone is None:
        await ask_phone(callback.from_user.id, state, callback.bot)


async def on_email_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
) -> None:
    try:
        email = check_email(message.text or "")
    except BookingRuleError:
        bad = _(
            "That does not look like an e-mail. Type an address like anna@example.com, "
            "or press «Skip» above."
        )
        await reply(message, Screen(bad))
        return
    data = await state.get_data()
    if "pick" not in data:  # state without its data (e.g. storage lost it): start over
        await state.clear()
        await reply(message, Screen(_(STEP_GONE)))
        return
    pick = Pick.from_list(data["pick"])
    found = await views.offer_for(session, deps, pick)
    if isinstance(found, Stale):
        await state.clear()
        await reply(message, taken(found.screen), session)
        return
    phone, _email = await contacts_of(session, message.chat.id, data, pick)
    await state.update_data(email=email)
    await state.set_state(BookingForm.phone)
    if phone is not None:
        sent = await reply(message, views.phone_screen(found, deps, pick, phone), session)
        await state.update_data(picker=sent)
    else:
        await ask_phone(message.chat.id, state, message.bot, views.offer_text(found, deps))


def _step_data(
    callback: CallbackQuery,
    pick: Pick,
    chosen_email: str | None,
    phone: str | None,
    email: str | None,
) -> dict[str, Any]:
    """The contact steps' data: the pick, the picker message to close later, the e-mail
    chosen so far, and the saved contacts (see contacts_of)."""
    picker = callback.message.message_id if callback.message else None
    return {
        "pick": pick.as_list(),
        "picker": picker,
        "email": chosen_email,
        "known": [phone, email],
    }


async def contacts_of(
    session: AsyncSession, telegram_id: int, data: dict[str, Any], pick: Pick
) -> tuple[str | None, str | None]:
    """The saved phone and e-mail: read once when the gateway is chosen and carried in the
    step's data (only this booking flow changes them), read again for any other pick."""
    known = data.get("known")
    if data.get("pick") == pick.as_list() and isinstance(known, list) and len(known) == 2:
        return known[0], known[1]
    return await known_contacts(session, telegram_id)


async def ask_phone(chat_id: int, state: FSMContext, bot: Bot | None, intro: str = "") -> None:
    """The message with the contact-sharing keyboard (it cannot carry inline buttons)."""
    assert bot is not None
    if intro:
        text = intro + _(views.PHONE_PROMPT)
    else:
        text = _("Press the button below or type your phone number.")
    markup = share_phone_keyboard(_("📱 Share my phone"), "+7 999 123-45-67")
    await send(bot, chat_id, Screen(text.strip(), markup))
    await state.update_data(keyboard=True)


async def on_phone_message(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
) -> None:
    """A shared contact or a typed number: validate it, then make the hold."""
    raw = message.contact.phone_number if message.contact else (message.text or "")
    try:
        phone = normalize_phone(raw)
    except BookingRuleError:
        bad = _(
            "I could not read that number. Type it like +7 999 123-45-67 "
            "or press «Share my phone»."
        )
        await reply(message, Screen(bad))
        return
    data = await state.get_data()
    if "pick" not in data:
        await on_stray_contact(message, state)
        return
    await state.set_state(None)
    await state.set_data({"booked": data["pick"]})
    if data.get("keyboard"):
        got = _("✓ Got {phone}, making the booking…").format(phone=phone)
        await reply(message, Screen(got, remove_keyboard()))
    assert message.from_user is not None and message.bot is not None
    pick = Pick.from_list(data["pick"])
    screen, offer = await make_hold(session, deps, message.from_user, pick, data, phone)
    await reply(message, screen, session)
    if offer is not None:
        done = views.picker_done_text(offer, deps)
        await close_picker(message.bot, message.chat.id, data.get("picker"), done)


async def on_stray_contact(message: Message, state: FSMContext) -> None:
    """A phone shared when none is asked for (e.g. the old keyboard after /start)."""
    await state.clear()
    not_now = _("No phone number is needed right now. To book, send /book.")
    await reply(message, Screen(not_now, remove_keyboard()))


async def on_saved_phone(
    callback: CallbackQuery,
    callback_data: ContactCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The saved phone ("Use +7…"): the hold is made at once, the picker becomes its message."""
    pick = Pick.of(callback_data)
    data = await state.get_data()
    in_step = await state.get_state() == BookingForm.phone.state
    if not in_step or data.get("pick") != pick.as_list():
        await on_stale_phone(callback, callback_answer, session, deps, pick, data)
        return
    phone, _email = await contacts_of(session, callback.from_user.id, data, pick)
    await state.set_state(None)
    await state.set_data({"booked": data["pick"]})
    screen, _offer = await make_hold(session, deps, callback.from_user, pick, data, phone or "")
    await show(callback, screen, session)


async def on_stale_phone(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    deps: BookingDeps,
    pick: Pick,
    data: dict[str, object],
) -> None:
    """A second tap after the hold was made changes nothing; a step lost (e.g. a restart)
    starts again at the e-mail."""
    if data.get("booked") == pick.as_list():
        callback_answer.text = _("The booking is already made")
        return
    callback_answer.text = _(STEP_GONE)
    found = await views.offer_for(session, deps, pick)
    await show_stale(callback, callback_answer, session, found, deps, pick, keep_text=True)


async def make_hold(
    session: AsyncSession,
    deps: BookingDeps,
    user: User,
    pick: Pick,
    data: dict[str, object],
    phone: str,
) -> tuple[Screen, Offer | None]:
    """Hold the slot and open its payment; when it was taken meanwhile, a fresh day view."""
    start = from_minutes(pick.start)
    if not views.payable_pick(pick, deps):
        return taken(await views.fresh_day(session, deps, pick.hall_id, start)), None
    email = data.get("email")
    client = ClientInfo(
        name=user.full_name,
        phone=phone,
        email=email if isinstance(email, str) else None,
        telegram_id=user.id,
        username=user.username,
        language=current_language(),
    )
    request = HoldRequest(
        hall_id=pick.hall_id,
        start=start,
        end=start + timedelta(minutes=pick.minutes),
        payment_mode=PaymentMode(pick.mode),
        client=client,
        source=Source.TELEGRAM,
        accept_rules=await rules_to_accept(session, user.id) is None,
    )
    try:
        booking, payment = await hold_and_start_payment(session, deps, request, pick.gateway)
    except TooManyHolds:
        await session.rollback()
        limit = deps.rules.max_active_holds
        text = ngettext(
            "😔 You can hold at most {limit} unpaid booking at a time. Pay for or cancel it "
            "in “My bookings”, and you can book again.",
            "😔 You can hold at most {limit} unpaid bookings at a time. Pay for or cancel one "
            "of them in “My bookings”, and you can book again.",
            limit,
        ).format(limit=limit)
        return Screen(text, menu_keyboard(_("📋 My bookings"), "my")), None
    except NotFound:
        await session.rollback()  # nothing of a refused hold is kept (the reply commits)
        return taken(await views.halls_screen(session)), None
    except DomainError:
        await session.rollback()
        return taken(await views.fresh_day(session, deps, pick.hall_id, start)), None
    hall = await active_hall(session, booking.hall_id)
    offer = Offer(hall, booking.start_at, booking.end_at, booking.total, booking.prepay_amount)
    return views.hold_screen(booking, hall, payment, deps), offer


def taken(fresh: Screen) -> Screen:
    sorry = _("😔 Someone took this time while you were booking. Please choose another:")
    return Screen(f"{sorry}\n\n{fresh.text}", fresh.markup)


async def show_stale(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    found: Offer | Stale,
    deps: BookingDeps,
    pick: Pick,
    *,
    keep_text: bool = False,
) -> None:
    """The slot is gone (a fresh day view), or only the step is stale (the gateways again)."""
    if isinstance(found, Stale):
        callback_answer.text = _(found.reason)
        await show(callback, found.screen, session)
        return
    if not keep_text:
        callback_answer.text = _(STEP_GONE)
    await show(callback, views.gateways_screen(found, deps, pick), session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_gateway, GatewayCallback.filter())
    router.callback_query.register(on_gateway, RulesCallback.filter())
    router.callback_query.register(
        on_email_choice, ContactCallback.filter(F.action.in_({"skip", "mail"}))
    )
    router.callback_query.register(on_saved_phone, ContactCallback.filter(F.action == "phone"))
    router.message.register(on_email_text, StateFilter(BookingForm.email), F.text, NOT_A_COMMAND)
    # A contact shared at the e-mail step (its keyboard outlived a Back from the phone
    # step): the client skipped the e-mail and gave the phone.
    router.message.register(
        on_phone_message, StateFilter(BookingForm.email, BookingForm.phone), F.contact
    )
    router.message.register(
        on_phone_message, StateFilter(BookingForm.phone), F.text, NOT_A_COMMAND
    )
    router.message.register(on_stray_contact, F.contact)
    return router
