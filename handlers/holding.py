"""Making the hold at the end of the contact steps: the slot with the people, add-ons and
promo code of the cart, through the use case the API calls; what went meanwhile gets a
clear word and a fresh step."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import active_hall
from booking.chat_sale import hold_request
from booking.clients import Offer, hold_and_start_payment
from booking.deps import BookingDeps
from booking.errors import DomainError, NotFound, TooManyHolds
from booking.holds import ClientInfo
from booking.pricing import certificate_paid
from booking.rules import rules_to_accept
from handlers import hold_views, offer_views, picker_views
from handlers.booking_extras import CART, cart_in, extras_of, step_screen
from handlers.common import Screen
from handlers.extras_views import REFUSALS, refusal
from i18n.catalogs import current_language, ngettext
from i18n.catalogs import gettext as _
from keyboards.callbacks import Pick, from_minutes
from keyboards.menu import menu_keyboard


async def make_hold(
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    user: User,
    pick: Pick,
    data: dict[str, object],
    phone: str,
) -> tuple[Screen, Offer | None]:
    """Hold the slot and open its payment; when it was taken meanwhile, a fresh day view."""
    start = from_minutes(pick.start)
    if not offer_views.payable_pick(pick, deps):
        return taken(await picker_views.fresh_day(session, deps, pick.hall_id, start)), None
    email = data.get("email")
    client = ClientInfo(
        name=user.full_name,
        phone=phone,
        email=email if isinstance(email, str) else None,
        telegram_id=user.id,
        username=user.username,
        language=current_language(),
    )
    accepted = await rules_to_accept(session, user.id) is None
    extras = extras_of(cart_in(data, pick))
    request = hold_request(pick.hall_id, start, pick.minutes, extras, pick.mode, client, accepted)
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
        return taken(await picker_views.halls_screen(session)), None
    except DomainError as error:
        await session.rollback()
        if error.code == "client_blocked":
            return picker_views.blocked_screen(deps), None
        if error.code in REFUSALS:  # an add-on or the code's last use went meanwhile
            return await refused_meanwhile(session, deps, state, pick, data, error.code), None
        return taken(await picker_views.fresh_day(session, deps, pick.hall_id, start)), None
    hall = await active_hall(session, booking.hall_id)
    paid_by_certificate = certificate_paid(booking)
    offer = Offer(
        hall,
        booking.start_at,
        booking.end_at,
        booking.total,
        booking.prepay_amount,
        paid_by_certificate,
    )
    if booking.status == "confirmed":  # a promo code or a certificate covered it all
        covered = _(
            "✅ Booking {code} is confirmed: the promo code or gift certificate covers the "
            "whole price. The details will come here, in this chat."
        ).format(code=booking.code)
        return Screen(covered, menu_keyboard(_("📋 My bookings"), "my")), offer
    return hold_views.hold_screen(booking, hall, payment, deps), offer


async def refused_meanwhile(
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    pick: Pick,
    data: dict[str, object],
    code: str,
) -> Screen:
    """Why the hold was refused, and the step to choose again (without what went)."""
    await state.update_data({CART: cart_in(dict(data), pick)})
    plain = Pick(pick.hall_id, pick.start, pick.minutes)
    fresh, _reason = await step_screen(session, deps, state, plain, "summary")
    return Screen(f"😔 {refusal(code)}\n\n{fresh.text}", fresh.markup)


def taken(fresh: Screen) -> Screen:
    sorry = _("😔 Someone took this time while you were booking. Please choose another:")
    return Screen(f"{sorry}\n\n{fresh.text}", fresh.markup)
