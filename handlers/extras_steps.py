"""The handlers of the people, add-ons and promo code / gift certificate steps (screens
are built by handlers/booking_extras.py from the cart in the FSM data)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.certificates import is_certificate
from booking.deps import BookingDeps
from bot.states import BookingForm
from handlers.booking_extras import (
    Refused,
    cart_of,
    change_addon,
    sale_for,
    save_cart,
    step_screen,
)
from handlers.common import Screen, reply, show
from handlers.extras_views import PROMO_PROMPT, refusal
from handlers.offer_views import offer_text
from handlers.picker_views import Stale
from i18n.catalogs import gettext as _
from keyboards.callbacks import Pick
from keyboards.extras import (
    AddonCallback,
    GuestsCallback,
    PromoCallback,
    StepCallback,
    promo_button,
)
from keyboards.rows import markup

NOT_A_COMMAND = ~F.text.startswith("/")


def pick_of(data: GuestsCallback | AddonCallback | PromoCallback | StepCallback) -> Pick:
    return Pick(data.hall_id, data.start, data.minutes)


async def show_step(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    pick: Pick,
    step: str,
) -> None:
    screen, reason = await step_screen(session, deps, state, pick, step)
    if reason:
        callback_answer.text = _(reason)
    await show(callback, screen, session)


async def on_guests(
    callback: CallbackQuery,
    callback_data: GuestsCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """The number of people chosen (the capacity is checked when it is priced)."""
    pick = pick_of(callback_data)
    cart = await cart_of(state, pick)
    cart["guests"] = callback_data.guests
    await save_cart(state, cart)
    await show_step(callback, callback_answer, session, deps, state, pick, "addons")


async def on_addon(
    callback: CallbackQuery,
    callback_data: AddonCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """+1 / −1 of an add-on (the add-ons again), or Next (the summary)."""
    pick = pick_of(callback_data)
    if callback_data.addon == 0:
        await show_step(callback, callback_answer, session, deps, state, pick, "summary")
        return
    if not await change_addon(session, state, pick, callback_data.addon, callback_data.delta):
        # A tap on a count's label, or on an older screen's − or + at the edge: the screen
        # stays as it is (Telegram refuses an edit that changes nothing) and the tap is told why.
        if callback_data.delta == 0:
            callback_answer.text = _("Tap − or + to change how many.")
        elif callback_data.delta > 0:
            callback_answer.text = _("That is as many as you can take.")
        else:
            callback_answer.text = _("None taken.")
        return
    await show_step(callback, callback_answer, session, deps, state, pick, "addons")


async def on_step(
    callback: CallbackQuery,
    callback_data: StepCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """Back to the people or the add-ons (from the step after them)."""
    step = callback_data.step if callback_data.step in ("guests", "addons") else "guests"
    await show_step(callback, callback_answer, session, deps, state, pick_of(callback_data), step)


async def on_promo(
    callback: CallbackQuery,
    callback_data: PromoCallback,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    callback_answer: CallbackAnswer,
) -> None:
    """ "I have a promo code / certificate": wait for it typed; "Without the promo code"
    (or certificate): the summary without them."""
    pick = pick_of(callback_data)
    cart = await cart_of(state, pick)
    if callback_data.action != "ask":
        cart["promo"] = cart["certificate"] = None
        await save_cart(state, cart)
        await state.set_state(None)
        await show_step(callback, callback_answer, session, deps, state, pick, "summary")
        return
    found = await sale_for(session, deps, pick, cart)
    if not isinstance(found, (Stale, Refused)):
        await state.set_state(BookingForm.promo)
        await state.update_data(promo_pick=pick.as_list())
        without = promo_button(pick, _("‹ Without a code"), "drop")
        text = offer_text(found.offer, deps) + "\n\n" + _(PROMO_PROMPT)
        await show(callback, Screen(text, markup([without])), session)
        return
    await show_step(callback, callback_answer, session, deps, state, pick, "summary")


async def on_promo_text(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> None:
    """A typed promo code or gift certificate's code: checked as the hold will check it;
    refused in words, or the summary with the discount or what the certificate pays."""
    data = await state.get_data()
    if "promo_pick" not in data:
        await state.set_state(None)
        await reply(message, Screen(_("This step has expired — please choose again")))
        return
    pick = Pick.from_list(data["promo_pick"])
    cart = await cart_of(state, pick)
    typed = (message.text or "").strip()[:32]
    kept = dict(cart)
    cart["certificate" if await is_certificate(session, typed) else "promo"] = typed
    found = await sale_for(session, deps, pick, cart)
    if isinstance(found, Refused):
        await save_cart(state, kept)  # the code refused is not kept; the other one is
        without = promo_button(pick, _("‹ Without a code"), "drop")
        again = _("\nType another code or go on without one.")
        await reply(message, Screen(refusal(found.code) + again, markup([without])))
        return
    await state.set_state(None)
    if isinstance(found, Stale):
        await reply(message, found.screen, session)
        return
    await save_cart(state, cart)
    screen, _reason = await step_screen(session, deps, state, pick, "summary")
    await reply(message, screen, session)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_guests, GuestsCallback.filter())
    router.callback_query.register(on_addon, AddonCallback.filter())
    router.callback_query.register(on_promo, PromoCallback.filter())
    router.callback_query.register(on_step, StepCallback.filter())
    router.message.register(on_promo_text, StateFilter(BookingForm.promo), F.text, NOT_A_COMMAND)
    return router
