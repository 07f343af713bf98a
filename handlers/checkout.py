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
from booking.errors import BookingRuleError, DomainError, NotFound
from booking.holds import (
    ClientInfo,
    HoldRequest,
    PaymentMode,
    Source,
    check_email,
    normalize_phone,
)
from bot.states import BookingForm
from bot.texts import Texts
from handlers import views
from handlers.common import Screen, close_picker, reply, send, show
from handlers.views import Stale
from keyboards.callbacks import ContactCallback, GatewayCallback, Pick, from_minutes
from keyboards.payment import remove_keyboard, share_phone_keyboard

NOT_A_COMMAND = ~F.text.startswith("/")


async def on_gateway(
    callback: CallbackQuery,
    callback_data: GatewayCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Gateway chosen: ask for the e-mail (optional); Back from the phone step lands here."""
    pick = Pick.of(callback_data)
    found = await views.offer_for(session, deps, texts, pick)
    if isinstance(found, Stale) or not views.payable_pick(pick, deps, texts):
        await show_stale(callback, callback_answer, texts, session, found, deps, pick)
        return
    phone, email = await known_contacts(session, callback.from_user.id)
    await state.set_state(BookingForm.email)
    await state.set_data(_step_data(callback, pick, None, phone, email))
    await show(callback, views.email_screen(texts, found, deps, pick, email), session)


async def on_email_choice(
    callback: CallbackQuery,
    callback_data: ContactCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Skip the e-mail or use the saved one; then the phone step."""
    pick = Pick.of(callback_data)
    found = await views.offer_for(session, deps, texts, pick)
    if isinstance(found, Stale):
        await show_stale(callback, callback_answer, texts, session, found, deps, pick)
        return
    phone, email = await contacts_of(session, callback.from_user.id, await state.get_data(), pick)
    chosen = email if callback_data.action == "mail" else None
    await state.set_state(BookingForm.phone)
    await state.set_data(_step_data(callback, pick, chosen, phone, email))
    await show(callback, views.phone_screen(texts, found, deps, pick, phone), session)
    if phone is None:
        await ask_phone(callback.from_user.id, state, texts, callback.bot)


async def on_email_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    texts: Texts,
) -> None:
    try:
        email = check_email(message.text or "")
    except BookingRuleError:
        await reply(message, Screen(texts("email.bad")))
        return
    data = await state.get_data()
    if "pick" not in data:  # state without its data (e.g. storage lost it): start over
        await state.clear()
        await reply(message, Screen(texts("stale.step")))
        return
    pick = Pick.from_list(data["pick"])
    found = await views.offer_for(session, deps, texts, pick)
    if isinstance(found, Stale):
        await state.clear()
        await reply(message, taken(texts, found.screen), session)
        return
    phone, _ = await contacts_of(session, message.chat.id, data, pick)
    await state.update_data(email=email)
    await state.set_state(BookingForm.phone)
    if phone is not None:
        sent = await reply(message, views.phone_screen(texts, found, deps, pick, phone), session)
        await state.update_data(picker=sent)
    else:
        await ask_phone(
            message.chat.id, state, texts, message.bot, views.offer_text(texts, found, deps)
        )


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


async def ask_phone(
    chat_id: int, state: FSMContext, t: Texts, bot: Bot | None, intro: str = ""
) -> None:
    """The message with the contact-sharing keyboard (it cannot carry inline buttons)."""
    assert bot is not None
    text = intro + t("phone.text") if intro else t("phone.prompt")
    markup = share_phone_keyboard(t("phone.share"), t("phone.placeholder"))
    await send(bot, chat_id, Screen(text.strip(), markup))
    await state.update_data(keyboard=True)


async def on_phone_message(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    texts: Texts,
) -> None:
    """A shared contact or a typed number: validate it, then make the hold."""
    raw = message.contact.phone_number if message.contact else (message.text or "")
    try:
        phone = normalize_phone(raw)
    except BookingRuleError:
        await reply(message, Screen(texts("phone.bad")))
        return
    data = await state.get_data()
    if "pick" not in data:
        await on_stray_contact(message, state, texts)
        return
    await state.set_state(None)
    await state.set_data({"booked": data["pick"]})
    if data.get("keyboard"):
        await reply(message, Screen(texts("phone.ok", phone=phone), remove_keyboard()))
    assert message.from_user is not None and message.bot is not None
    pick = Pick.from_list(data["pick"])
    screen, offer = await make_hold(session, deps, texts, message.from_user, pick, data, phone)
    await reply(message, screen, session)
    if offer is not None:
        done = views.picker_done_text(texts, offer, deps)
        await close_picker(message.bot, message.chat.id, data.get("picker"), done)


async def on_stray_contact(message: Message, state: FSMContext, texts: Texts) -> None:
    """A phone shared when none is asked for (e.g. the old keyboard after /start)."""
    await state.clear()
    await reply(message, Screen(texts("phone.not_now"), remove_keyboard()))


async def on_saved_phone(
    callback: CallbackQuery,
    callback_data: ContactCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """The saved phone ("Use +7…"): the hold is made at once, the picker becomes its message."""
    pick = Pick.of(callback_data)
    data = await state.get_data()
    in_step = await state.get_state() == BookingForm.phone.state
    if not in_step or data.get("pick") != pick.as_list():
        await on_stale_phone(callback, callback_answer, texts, session, deps, pick, data)
        return
    phone, _ = await contacts_of(session, callback.from_user.id, data, pick)
    await state.set_state(None)
    await state.set_data({"booked": data["pick"]})
    screen, _ = await make_hold(session, deps, texts, callback.from_user, pick, data, phone or "")
    await show(callback, screen, session)


async def on_stale_phone(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    t: Texts,
    session: AsyncSession,
    deps: BookingDeps,
    pick: Pick,
    data: dict[str, object],
) -> None:
    """A second tap after the hold was made changes nothing; a step lost (e.g. a restart)
    starts again at the e-mail."""
    if data.get("booked") == pick.as_list():
        callback_answer.text = t("stale.done")
        return
    callback_answer.text = t("stale.step")
    found = await views.offer_for(session, deps, t, pick)
    await show_stale(callback, callback_answer, t, session, found, deps, pick, keep_text=True)


async def make_hold(
    session: AsyncSession,
    deps: BookingDeps,
    t: Texts,
    user: User,
    pick: Pick,
    data: dict[str, object],
    phone: str,
) -> tuple[Screen, Offer | None]:
    """Hold the slot and open its payment; when it was taken meanwhile, a fresh day view."""
    start = from_minutes(pick.start)
    if not views.payable_pick(pick, deps, t):
        return taken(t, await views.fresh_day(session, deps, t, pick.hall_id, start)), None
    email = data.get("email")
    client = ClientInfo(
        name=user.full_name,
        phone=phone,
        email=email if isinstance(email, str) else None,
        telegram_id=user.id,
        username=user.username,
        language=t.lang,
    )
    request = HoldRequest(
        hall_id=pick.hall_id,
        start=start,
        end=start + timedelta(minutes=pick.minutes),
        payment_mode=PaymentMode(pick.mode),
        client=client,
        source=Source.TELEGRAM,
    )
    try:
        booking, payment = await hold_and_start_payment(session, deps, request, pick.gateway)
    except NotFound:
        await session.rollback()  # nothing of a refused hold is kept (the reply commits)
        return taken(t, await views.halls_screen(session, t)), None
    except DomainError:
        await session.rollback()
        return taken(t, await views.fresh_day(session, deps, t, pick.hall_id, start)), None
    hall = await active_hall(session, booking.hall_id)
    offer = Offer(hall, booking.start_at, booking.end_at, booking.total, booking.prepay_amount)
    return views.hold_screen(t, booking, hall, payment, deps), offer


def taken(t: Texts, fresh: Screen) -> Screen:
    return Screen(f"{t('taken')}\n\n{fresh.text}", fresh.markup)


async def show_stale(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    t: Texts,
    session: AsyncSession,
    found: Offer | Stale,
    deps: BookingDeps,
    pick: Pick,
    *,
    keep_text: bool = False,
) -> None:
    """The slot is gone (a fresh day view), or only the step is stale (the gateways again)."""
    if isinstance(found, Stale):
        callback_answer.text = t(found.reason)
        await show(callback, found.screen, session)
        return
    if not keep_text:
        callback_answer.text = t("stale.step")
    await show(callback, views.gateways_screen(t, found, deps, pick), session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_gateway, GatewayCallback.filter())
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
