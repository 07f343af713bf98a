"""The steps beside hall time, between the duration and the payment: how many people, the
add-ons (only what is free for that time), and the promo code or gift certificate typed on
the summary.

What the client chose lives in the FSM data under `cart`, tied to its pick (hall, start,
length): a cart of another pick is never used, so an old button starts a fresh cart. Every
screen is priced by booking.chat_sale, the same sale functions the hold runs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aiogram.fsm.context import FSMContext
from sqlalchemy.ext.asyncio import AsyncSession

from booking.chat_sale import Extras, SaleOffer, sale_offer
from booking.clients import Offer
from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound
from booking.no_show import full_payment_only_in_chat
from booking.offers import hall_addons
from booking.pricing import AddonWanted
from booking.stock import addon_availability
from handlers import offer_views, picker_views
from handlers.common import Screen
from handlers.extras_views import (
    REFUSALS,
    addons_screen,
    asks_guests,
    guests_screen,
    sale_summary_screen,
)
from handlers.picker_views import HALL_GONE, SLOT_GONE, Stale
from keyboards.callbacks import Pick, from_minutes

CART = "cart"
STEPS = ("guests", "addons", "summary")


@dataclass(frozen=True, slots=True)
class Refused:
    """What the client chose cannot be sold now (the error's code, see REFUSALS)."""

    code: str


def _key(pick: Pick) -> list[int]:
    return [pick.hall_id, pick.start, pick.minutes]


def cart_in(data: dict[str, Any], pick: Pick) -> dict[str, Any]:
    """The cart of this pick in the FSM data, or an empty one."""
    cart = data.get(CART)
    if isinstance(cart, dict) and cart.get("pick") == _key(pick):
        return cart
    return {"pick": _key(pick), "guests": None, "addons": {}, "promo": None, "certificate": None}


async def cart_of(state: FSMContext, pick: Pick) -> dict[str, Any]:
    return cart_in(await state.get_data(), pick)


async def save_cart(state: FSMContext, cart: dict[str, Any]) -> None:
    await state.update_data({CART: cart})


async def only_cart(state: FSMContext) -> dict[str, Any]:
    """The FSM data to carry into a step that replaces the data: the cart alone."""
    cart = (await state.get_data()).get(CART)
    return {CART: cart} if cart is not None else {}


def extras_of(cart: dict[str, Any]) -> Extras:
    addons = tuple(AddonWanted(slug, n) for slug, n in cart["addons"].items() if n > 0)
    return Extras(cart["guests"], addons, cart["promo"], cart.get("certificate"))


async def sale_for(
    session: AsyncSession, deps: BookingDeps, pick: Pick, cart: dict[str, Any]
) -> SaleOffer | Stale | Refused:
    """The priced offer with the cart; a fresh view when the slot is gone; Refused when
    something in the cart cannot be sold now."""
    start = from_minutes(pick.start)
    try:
        return await sale_offer(session, deps, pick.hall_id, start, pick.minutes, extras_of(cart))
    except NotFound:
        return Stale(HALL_GONE, await picker_views.halls_screen(session))
    except DomainError as error:
        if error.code in REFUSALS:
            return Refused(error.code)
        return Stale(SLOT_GONE, await picker_views.fresh_day(session, deps, pick.hall_id, start))


async def step_screen(
    session: AsyncSession, deps: BookingDeps, state: FSMContext, pick: Pick, step: str
) -> tuple[Screen, str | None]:
    """The screen of `step` or the first one after it this hall has, and why it differs
    from what was asked (a marked text for the callback's answer), if it does."""
    cart = await cart_of(state, pick)
    found = await sale_for(session, deps, pick, cart)
    reason = None
    if isinstance(found, Refused):
        reason, step = REFUSALS[found.code], _dropped(cart, found.code)
        found = await sale_for(session, deps, pick, cart)
    await save_cart(state, cart)
    if isinstance(found, Stale):
        return found.screen, found.reason
    if isinstance(found, Refused):  # nothing left to drop: start the extras again
        await save_cart(state, cart_in({}, pick))
        return await step_screen(session, deps, state, pick, "guests")
    if await full_payment_only_in_chat(session, deps, state.key.user_id):
        # Past NO_SHOW_LIMIT: the full price online, no prepayment offered.
        found = replace(found, offer=replace(found.offer, prepay=found.offer.total))
        if pick.mode == "prepay":
            pick = Pick(pick.hall_id, pick.start, pick.minutes, "full", pick.gateway)
    guests_step = "guests" if asks_guests(found.offer.hall) else None
    if step == "guests" and guests_step is None:
        step = "addons"
    has_addons = bool(await hall_addons(session, pick.hall_id))
    if step == "addons" and has_addons:
        offered = await offered_addons(session, deps, pick, cart)
        return addons_screen(found, deps, pick, offered, guests_step), reason
    if step == "guests":
        return guests_screen(found, deps, pick), reason
    if pick.mode and found.offer.total > 0:  # nothing to pay: the summary's Confirm
        return offer_views.gateways_screen(found.offer, deps, pick), reason
    back = "addons" if has_addons else guests_step
    codes = (cart["promo"], cart.get("certificate"))
    return sale_summary_screen(found, deps, pick, codes, back), reason


def _dropped(cart: dict[str, Any], code: str) -> str:
    """Drop from the cart what was refused; the step to show again."""
    if code == "over_capacity":
        cart["guests"] = None
        return "guests"
    if code == "addon_unavailable":
        cart["addons"] = {}
        return "addons"
    if code.startswith("certificate_"):
        cart["certificate"] = None
    elif code != "price_changed":
        cart["promo"] = None
    return "summary"


async def offered_addons(
    session: AsyncSession, deps: BookingDeps, pick: Pick, cart: dict[str, Any]
) -> list[tuple[Any, int, int]]:
    """The hall's add-ons with how many are free for this time (the API's availability)
    and how many the cart holds."""
    addons = await hall_addons(session, pick.hall_id)
    start = from_minutes(pick.start)
    end = from_minutes(pick.start + pick.minutes)
    free = dict(await addon_availability(session, deps, pick.hall_id, start, end))
    return [(a, free.get(a.slug, 0), int(cart["addons"].get(a.slug, 0))) for a in addons]


async def change_addon(
    session: AsyncSession, state: FSMContext, pick: Pick, addon_id: int, delta: int
) -> bool:
    """+1 / −1 of an add-on, kept within 0 … its max_quantity (stock is checked on the
    screen that follows); False when the count is already at that edge."""
    cart = await cart_of(state, pick)
    addon = next((a for a in await hall_addons(session, pick.hall_id) if a.id == addon_id), None)
    if addon is None:
        return False
    before = int(cart["addons"].get(addon.slug, 0))
    after = max(0, min(addon.max_quantity, before + delta))
    if after == before:
        return False
    cart["addons"][addon.slug] = after
    cart["addons"] = {slug: n for slug, n in cart["addons"].items() if n > 0}
    await save_cart(state, cart)
    return True


async def offer_of(
    session: AsyncSession, deps: BookingDeps, state: FSMContext, pick: Pick
) -> Offer | Stale:
    """The offer with the cart for the contact steps; when something in the cart cannot be
    sold now, a fresh step without it and why."""
    found = await sale_for(session, deps, pick, await cart_of(state, pick))
    if isinstance(found, SaleOffer):
        return found.offer
    if isinstance(found, Stale):
        return found
    plain = Pick(pick.hall_id, pick.start, pick.minutes)
    screen, _reason = await step_screen(session, deps, state, plain, "summary")
    return Stale(REFUSALS[found.code], screen)
