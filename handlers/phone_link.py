"""A client whose booking an admin took by phone sees it in the chat once they share that
phone with the contact button (only their own contact counts: a phone typed, or a contact
forwarded, proves nothing). /phone asks for it; a contact shared at any other moment works
as well (handlers/checkout.py `on_stray_contact`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.errors import BookingRuleError
from booking.holds import ClientInfo
from booking.phone_booking import link_shared_phone
from handlers.common import Screen, reply
from i18n.catalogs import current_language, ngettext
from i18n.catalogs import gettext as _
from keyboards.payment import remove_keyboard, share_phone_keyboard

LINKING = "linking"


async def on_phone_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.update_data({LINKING: True})
    text = _(
        "Booked with the studio by phone? Share your phone with the button below, and your "
        "bookings will show here."
    )
    markup = share_phone_keyboard(_("📱 Share my phone"), "+7 999 123-45-67")
    await reply(message, Screen(text, markup))


async def link_contact(
    message: Message, state: FSMContext, session: AsyncSession, deps: BookingDeps
) -> bool:
    """The user's own contact: link the bookings taken for that phone and say so. False when
    it is not their own or nothing was found (nothing said unless they asked with /phone)."""
    contact, user = message.contact, message.from_user
    if contact is None or user is None or contact.user_id != user.id:
        return False
    asked = bool((await state.get_data()).get(LINKING))
    who = ClientInfo(
        name=user.full_name,
        phone=contact.phone_number,
        telegram_id=user.id,
        username=user.username,
        language=current_language(),
    )
    try:
        found = await link_shared_phone(session, deps, who)
    except BookingRuleError:  # not a number we can read
        found = []
    if not found and not asked:
        return False
    await state.clear()
    if found:
        text = ngettext(
            "📋 Found {count} booking the studio made for you; its details follow.",
            "📋 Found {count} bookings the studio made for you; their details follow.",
            len(found),
        ).format(count=len(found))
    else:
        text = _("No upcoming bookings were made for this phone. To book: /book")
    await reply(message, Screen(text, remove_keyboard()), session)
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_phone_command, Command("phone"))
    return router
