"""After the gateway: the optional e-mail, the phone (shared or typed), then the hold.

These are the only steps with FSM state (they wait for typed input). The buttons still carry
the whole pick, so an old one gets a fresh view; a double tap on "create" finds the state
already used and makes nothing twice.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clients import Offer, known_contacts
from booking.deps import BookingDeps
from booking.errors import BookingRuleError
from booking.holds import check_email, normalize_phone
from booking.rules import accept_rules, rules_to_accept
from bot.states import BookingForm
from handlers import offer_views
from handlers.booking_extras import (
    offer_of,
    only_cart,
)
from handlers.common import Screen, close_picker, reply, send, show
from handlers.holding import make_hold, taken
from handlers.phone_link import link_contact
from handlers.picker_views import Stale
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from keyboards.callbacks import (
    ContactCallback,
    GatewayCallback,
    Pick,
    RulesCallback,
)
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
    found = await offer_of(session, deps, state, pick)
    if isinstance(found, Stale) or not offer_views.payable_pick(pick, deps):
        await show_stale(callback, callback_answer, session, found, deps, pick)
        return
    rules = await rules_to_accept(session, callback.from_user.id)
    if rules is not None and isinstance(callback_data, RulesCallback):
        await accept_rules(session, callback.from_user.id, rules.version)
    elif rules is not None:
        await show(callback, offer_views.rules_screen(found, deps, pick, rules), session)
        return
    phone, email = await known_contacts(session, callback.from_user.id)
    await state.set_state(BookingForm.email)
    await state.set_data(_step_data(callback, pick, None, phone, email) | await only_cart(state))
    await show(callback, offer_views.email_screen(found, deps, pick, email), session)


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
    found = await offer_of(session, deps, state, pick)
    if isinstance(found, Stale):
        await show_stale(callback, callback_answer, session, found, deps, pick)
        return
    phone, email = await contacts_of(session, callback.from_user.id, await state.get_data(), pick)
    chosen = email if callback_data.action == "mail" else None
    await state.set_state(BookingForm.phone)
    await state.set_data(_step_data(callback, pick, chosen, phone, email) | await only_cart(state))
    await show(callback, offer_views.phone_screen(found, deps, pick, phone), session)
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
    found = await offer_of(session, deps, state, pick)
    if isinstance(found, Stale):
        await state.clear()
        await reply(message, taken(found.screen), session)
        return
    phone, _email = await contacts_of(session, message.chat.id, data, pick)
    await state.update_data(email=email)
    await state.set_state(BookingForm.phone)
    if phone is not None:
        sent = await reply(message, offer_views.phone_screen(found, deps, pick, phone), session)
        await state.update_data(picker=sent)
    else:
        await ask_phone(message.chat.id, state, message.bot, offer_views.offer_text(found, deps))


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
        text = intro + _(offer_views.PHONE_PROMPT)
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
        await on_stray_contact(message, state, session, deps)
        return
    await state.set_state(None)
    await state.set_data({"booked": data["pick"]})
    if data.get("keyboard"):
        got = _("✓ Got {phone}, making the booking…").format(phone=phone)
        await reply(message, Screen(got, remove_keyboard()))
    assert message.from_user is not None and message.bot is not None
    pick = Pick.from_list(data["pick"])
    screen, offer = await make_hold(session, deps, state, message.from_user, pick, data, phone)
    await reply(message, screen, session)
    if offer is not None:
        done = offer_views.picker_done_text(offer, deps)
        await close_picker(message.bot, message.chat.id, data.get("picker"), done)


async def on_stray_contact(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    """A phone shared when no booking asks for one: the bookings an admin took for it join
    this chat (/phone); else it is not needed (e.g. the old keyboard after /start)."""
    if await link_contact(message, state, session, deps):
        return
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
        await on_stale_phone(callback, callback_answer, session, deps, state, pick, data)
        return
    phone, _email = await contacts_of(session, callback.from_user.id, data, pick)
    await state.set_state(None)
    await state.set_data({"booked": data["pick"]})
    screen, _offer = await make_hold(
        session, deps, state, callback.from_user, pick, data, phone or ""
    )
    await show(callback, screen, session)


async def on_stale_phone(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    pick: Pick,
    data: dict[str, object],
) -> None:
    """A second tap after the hold was made changes nothing; a step lost (e.g. a restart)
    starts again at the e-mail."""
    if data.get("booked") == pick.as_list():
        callback_answer.text = _("The booking is already made")
        return
    callback_answer.text = _(STEP_GONE)
    found = await offer_of(session, deps, state, pick)
    await show_stale(callback, callback_answer, session, found, deps, pick, keep_text=True)


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
    await show(callback, offer_views.gateways_screen(found, deps, pick), session)


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
