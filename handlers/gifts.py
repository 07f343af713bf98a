"""A client buys a gift certificate in the chat: /gift (or the menu's button), an
amount, a gateway, the Pay link. The certificate is issued, and its code sent here, only
when the gateway's verified word comes (booking.certificate_orders, via the outbox)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificate_orders
from booking.certificates import Buyer
from booking.clients import known_contacts
from booking.deps import BookingDeps
from booking.errors import DomainError
from handlers.common import Screen, reply, show
from handlers.offer_views import gateways
from i18n.catalogs import current_language
from i18n.catalogs import gettext as _
from i18n.formats import money
from keyboards.callbacks import GiftCallback, MenuCallback
from keyboards.gifts import gift_amounts_keyboard, gift_gateways_keyboard, gift_pay_keyboard

#: The amounts offered, in rubles (within certificate_orders' online limits).
AMOUNTS = (3_000, 5_000, 10_000, 15_000, 20_000, 30_000)


def amounts_screen() -> Screen:
    text = _(
        "🎁 A gift certificate for the studio: the one who gets it books any hall and pays "
        "from its balance, over several bookings if they like.\n\n"
        "Choose the amount:"
    )
    labels = [(rubles, money(rubles * 100)) for rubles in AMOUNTS]
    return Screen(text, gift_amounts_keyboard(labels, _("‹ Back")))


def gateways_screen(rubles: int, deps: BookingDeps) -> Screen:
    text = _("🎁 Gift certificate for {amount}.\n\nChoose the payment method:").format(
        amount=money(rubles * 100)
    )
    return Screen(text, gift_gateways_keyboard(rubles, gateways(deps), _("‹ Back")))


async def on_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await reply(message, amounts_screen())


async def on_menu(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, amounts_screen())


async def on_gift(
    callback: CallbackQuery,
    callback_data: GiftCallback,
    session: AsyncSession,
    deps: BookingDeps,
) -> None:
    """An amount chosen: the gateways. A gateway chosen: the order and its Pay link."""
    rubles = callback_data.rubles
    offered = dict(gateways(deps))
    if rubles not in AMOUNTS or (callback_data.gateway and callback_data.gateway not in offered):
        await show(callback, amounts_screen(), session)  # an old or forged button
        return
    if not callback_data.gateway:
        await show(callback, gateways_screen(rubles, deps), session)
        return
    user = callback.from_user
    phone, email = await known_contacts(session, user.id)
    buyer = Buyer(user.full_name, phone, email, user.id)
    amount = money(rubles * 100)
    try:
        order = await certificate_orders.start_purchase(
            session, deps, rubles * 100, callback_data.gateway, buyer, current_language()
        )
        url: str | None = order.confirmation_url
        text = _(
            "🎁 Gift certificate for {amount}. Pay by the button below: the code will come "
            "here, in this chat, as soon as the payment goes through."
        ).format(amount=amount)
    except DomainError:
        await session.rollback()
        url = None
        text = _("😔 The payment service did not answer. Please try again.")
    markup = gift_pay_keyboard(
        url,
        _("💳 Pay {amount}").format(amount=amount),
        _("🔄 Try again"),
        rubles,
        callback_data.gateway,
        _("‹ Main menu"),
    )
    await show(callback, Screen(text, markup), session)


def create_router() -> Router:
    router = Router(name=__name__)
    # /gift: /certificate is the admins' (issue one by hand, or read a balance).
    router.message.register(on_command, Command("gift"))
    router.callback_query.register(on_menu, MenuCallback.filter(F.action == "gift"))
    router.callback_query.register(on_gift, GiftCallback.filter())
    return router
