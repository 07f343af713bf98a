"""/start (with a deep link to a hall), the menu, halls and prices, help and contacts."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType, ParseMode
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ChatMemberUpdated, FSInputFile, InputMediaPhoto, Message
from aiogram.types.media_union import MediaUnion
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clients import list_halls, opening_hours, set_bot_blocked
from booking.deps import BookingDeps
from booking.domain.policy import parse_tiers
from booking.offers import active_addons, offered_in
from booking.studio_file import StudioInfo
from db.models import Hall
from handlers import hall_specs, picker_views
from handlers.common import Screen, release, reply, show
from handlers.hall_specs import hall_extras, specs_line
from i18n.catalogs import N_, current_language, ngettext
from i18n.catalogs import gettext as _
from i18n.formats import clock, duration, money, weekdays
from keyboards.callbacks import MenuCallback, NoopCallback, PhotosCallback
from keyboards.menu import (
    hall_choice_keyboard,
    main_menu_keyboard,
    single_button_keyboard,
)
from settings import Settings

NOOP_HINTS = {
    "full": N_("This day is fully booked"),
    "closed": N_("This day cannot be booked"),
    "edge": N_("You cannot book further ahead"),
}


def menu_screen(intro: str = "") -> Screen:
    markup = main_menu_keyboard(
        _("📅 Book"),
        _("📋 My bookings"),
        _("💰 Halls and prices"),
        _("ℹ️ Contacts and help"),
        _("🎁 Gift certificate"),
    )
    question = _("What would you like to do?")
    return Screen(f"{intro}\n\n{question}" if intro else question, markup)


def find_hall(halls: list[Hall], payload: str) -> Hall | None:
    """A deep link names a hall by slug ("white") or id ("hall-2", "hall_2")."""
    key = payload.strip().lower()
    for hall in halls:
        if key in (hall.slug.lower(), f"hall-{hall.id}", f"hall_{hall.id}"):
            return hall
    return None


async def on_start(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    studio: StudioInfo,
    command: CommandObject,
) -> None:
    await state.clear()
    assert message.from_user is not None
    await set_bot_blocked(session, message.from_user.id, False)  # Start after unblocking
    hall = find_hall(list(await list_halls(session)), command.args) if command.args else None
    if hall is not None:
        await reply(message, await picker_views.calendar_screen(session, deps, hall.id), session)
        return
    assert message.from_user is not None
    greeting = _(
        "Hello, {name}! 📸 {studio}\n"
        "Pick a hall and a time, pay for the booking and manage your bookings here."
    ).format(name=message.from_user.first_name, studio=studio_name(studio))
    await reply(message, menu_screen(greeting), session)


async def on_home(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, menu_screen())


def studio_name(studio: StudioInfo) -> str:
    return studio.name_in(current_language()) or _("Photo studio")


def policy_text(tiers: str) -> str:
    """What a client's cancellation gives back, tier by tier, always as a share of what
    was paid."""
    parts = []
    for tier in parse_tiers(tiers):
        if tier.min_hours_before:
            text = _("{hours} h or more before the start, {percent}% of what you paid")
            parts.append(text.format(hours=tier.min_hours_before, percent=tier.percent))
        elif tier.percent:
            parts.append(_("later, {percent}% of what you paid").format(percent=tier.percent))
        else:
            parts.append(_("later, nothing"))
    return "; ".join(parts)


async def help_text(session: AsyncSession, deps: BookingDeps, studio: StudioInfo) -> str:
    hours = await opening_hours(session)
    lines = []
    for weekday, name in enumerate(weekdays(current_language())):
        day = hours.get(weekday)
        span = f"{clock(day.open_minute)}–{clock(day.close_minute)}" if day else _("closed")
        lines.append(f"{name} {span}")
    hold = int(deps.rules.hold.total_seconds() // 60)
    payment = ngettext(
        "An unpaid booking is kept for {minutes} minute. Pay a {percent}% prepayment "
        "or the full price.",
        "An unpaid booking is kept for {minutes} minutes. Pay a {percent}% prepayment "
        "or the full price.",
        hold,
    ).format(minutes=hold, percent=deps.rules.prepayment_percent)
    return _(
        "{studio}\n📍 {address}\n\n🕘 Opening hours:\n{hours}\n\n{payment}\n"
        "If you cancel, we refund: {policy}.\n\n"
        "Commands: /book — book, /my — my bookings, /help — this help."
    ).format(
        studio=studio_name(studio),
        address=studio.address_in(current_language()) or "—",
        hours="\n".join(lines),
        payment=payment,
        policy=policy_text(deps.rules.refund_tiers),
    )


async def on_help_command(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    studio: StudioInfo,
) -> None:
    await state.clear()
    text = await help_text(session, deps, studio)
    await reply(message, menu_screen(text), session)


async def on_help(
    callback: CallbackQuery, session: AsyncSession, deps: BookingDeps, studio: StudioInfo
) -> None:
    text = await help_text(session, deps, studio)
    back = single_button_keyboard(_("‹ Back"), MenuCallback(action="home"))
    await show(callback, Screen(text, back), session)


async def on_halls(callback: CallbackQuery, session: AsyncSession) -> None:
    """Halls and prices, each hall a button straight to its calendar."""
    halls = list(await list_halls(session))
    addons = await active_addons(session)
    parts = [_("💰 Halls and prices")]
    for hall in halls:
        extras = hall_extras(hall, offered_in(addons, hall.id))
        parts.append(hall_card(hall) + (f"\n{extras}" if extras else ""))
    items = [
        (
            hall.id,
            _("📅 Book") + " · " + hall_specs.hall_name(hall),
            _("📷 Photos") if hall.photos else None,
        )
        for hall in halls
    ]
    markup = hall_choice_keyboard(items, _("‹ Back"))
    await show(callback, Screen("\n\n".join(parts), markup), session)


async def on_photos(
    callback: CallbackQuery,
    callback_data: PhotosCallback,
    session: AsyncSession,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    """The hall's photos as an album, captioned with its name and specs."""
    hall = await session.get(Hall, callback_data.hall_id)
    if hall is None or not hall.active or not hall.photos or callback.message is None:
        callback_answer.text = _("No photos of this hall")
        return
    caption = "\n".join(filter(None, (hall_specs.hall_name(hall), specs_line(hall))))
    folder = settings.studio.studio_file.parent
    album: list[MediaUnion] = [
        InputMediaPhoto(
            media=photo
            if photo.startswith(("https://", "http://"))
            else FSInputFile(folder / photo),
            caption=caption if n == 0 else None,
        )
        for n, photo in enumerate(hall.photos[:10])  # an album holds at most ten
    ]
    await release(session)
    if len(album) == 1:  # an album holds two or more
        await callback.message.answer_photo(album[0].media, caption=caption)
    else:
        await callback.message.answer_media_group(album)


def hall_card(hall: Hall) -> str:
    card = (
        _("{name} — from {price}/h, at least {min}\n{description}")
        .format(
            name=hall_specs.hall_name(hall),
            price=money(hall.hourly_price),
            min=duration(hall.min_minutes),
            description=hall_specs.hall_description(hall),
        )
        .strip()
    )
    names = weekdays(current_language())
    for band in hall.price_bands or []:
        card += "\n" + _("• {days} {start}–{end} — {price}/h").format(
            days=", ".join(names[d] for d in band["weekdays"]),
            start=clock(int(band["start_minute"])),
            end=clock(int(band["end_minute"])),
            price=money(int(band["hourly_price"])),
        )
    return card


async def on_noop(
    callback: CallbackQuery, callback_data: NoopCallback, callback_answer: CallbackAnswer
) -> None:
    hint = NOOP_HINTS.get(callback_data.what)
    if hint is not None:
        callback_answer.text = _(hint)


async def on_membership(update: ChatMemberUpdated, session: AsyncSession) -> None:
    """The client blocked the bot or unblocked it."""
    blocked = update.new_chat_member.status == ChatMemberStatus.KICKED
    await set_bot_blocked(session, update.from_user.id, blocked)


ROLES = {
    "owner": N_("owner (prices, hours, halls, roles and large refunds too)"),
    "admin": N_("admin"),
    "client": N_("client"),
}


async def on_whoami(message: Message, settings: Settings, session: AsyncSession) -> None:
    """Anyone's Telegram id and role: what an owner puts in ADMIN_IDS or OWNER_IDS."""
    await release(session)
    if message.from_user is None:
        return
    user_id = message.from_user.id
    role = settings.bot.role_of(user_id)
    text = _("🪪 Your Telegram id: <code>{id}</code>\nRole: {role}").format(
        id=user_id, role=_(ROLES[role])
    )
    if role == "client":
        text += "\n\n" + _("To make you an admin, the studio's owner adds this id to ADMIN_IDS.")
    await message.answer(text, parse_mode=ParseMode.HTML)


def create_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_membership, F.chat.type == ChatType.PRIVATE)
    router.message.register(on_start, CommandStart())
    router.message.register(on_help_command, Command("help"))
    router.message.register(on_whoami, Command("whoami"))
    router.callback_query.register(on_home, MenuCallback.filter(F.action == "home"))
    router.callback_query.register(on_help, MenuCallback.filter(F.action == "help"))
    router.callback_query.register(on_halls, MenuCallback.filter(F.action == "halls"))
    router.callback_query.register(on_photos, PhotosCallback.filter())
    router.callback_query.register(on_noop, NoopCallback.filter())
    return router
