"""/start (with a deep link to a hall), the menu, halls and prices, help and contacts."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clients import list_halls, opening_hours, set_bot_blocked
from booking.deps import BookingDeps
from booking.domain.policy import parse_tiers
from bot import StudioInfo
from bot.texts import Texts
from db.models import Hall
from handlers import views
from handlers.common import Screen, reply, show
from keyboards.callbacks import MenuCallback, NoopCallback
from keyboards.menu import halls_keyboard, main_menu_keyboard, single_button_keyboard

NOOP_HINTS = {"full": "noop.full", "closed": "noop.closed", "edge": "noop.edge"}


def menu_screen(t: Texts, intro: str = "") -> Screen:
    markup = main_menu_keyboard(t("menu.book"), t("menu.my"), t("menu.halls"), t("menu.help"))
    return Screen(f"{intro}\n\n{t('menu.text')}" if intro else t("menu.text"), markup)


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
    texts: Texts,
    studio: StudioInfo,
    command: CommandObject,
) -> None:
    await state.clear()
    assert message.from_user is not None
    await set_bot_blocked(session, message.from_user.id, False)  # Start after unblocking
    hall = find_hall(list(await list_halls(session)), command.args) if command.args else None
    if hall is not None:
        await reply(message, await views.calendar_screen(session, deps, texts, hall.id), session)
        return
    assert message.from_user is not None
    name = studio.name or texts("studio.default")
    greeting = texts("greeting", name=message.from_user.first_name, studio=name)
    await reply(message, menu_screen(texts, greeting), session)


async def on_home(callback: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    await state.clear()
    await show(callback, menu_screen(texts))


async def help_text(session: AsyncSession, deps: BookingDeps, t: Texts, studio: StudioInfo) -> str:
    hours = await opening_hours(session)
    lines = []
    for weekday, name in enumerate(t.weekdays):
        day = hours.get(weekday)
        span = (
            f"{day.open_minute // 60:02d}:{day.open_minute % 60:02d}–"
            f"{day.close_minute // 60:02d}:{day.close_minute % 60:02d}"
            if day
            else t("help.closed")
        )
        lines.append(f"{name} {span}")
    tiers = parse_tiers(deps.rules.refund_tiers)
    policy = ", ".join(
        t("policy.tier", hours=tier.min_hours_before, percent=tier.percent)
        if tier.min_hours_before
        else t("policy.last", percent=tier.percent)
        for tier in tiers
    )
    return t(
        "help",
        studio=studio.name or t("studio.default"),
        address=studio.address or "—",
        hours="\n".join(lines),
        hold=int(deps.rules.hold.total_seconds() // 60),
        percent=deps.rules.prepayment_percent,
        policy=policy,
    )


async def on_help_command(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    deps: BookingDeps,
    texts: Texts,
    studio: StudioInfo,
) -> None:
    await state.clear()
    text = await help_text(session, deps, texts, studio)
    await reply(message, menu_screen(texts, text), session)


async def on_help(
    callback: CallbackQuery,
    session: AsyncSession,
    deps: BookingDeps,
    texts: Texts,
    studio: StudioInfo,
) -> None:
    text = await help_text(session, deps, texts, studio)
    back = single_button_keyboard(texts("back"), MenuCallback(action="home"))
    await show(callback, Screen(text, back), session)


async def on_halls(callback: CallbackQuery, session: AsyncSession, texts: Texts) -> None:
    """Halls and prices, each hall a button straight to its calendar."""
    halls = list(await list_halls(session))
    parts = [texts("halls.title")]
    for hall in halls:
        parts.append(hall_card(texts, hall))
    items = [
        (hall.id, texts("menu.book") + " · " + views.hall_name(hall, texts)) for hall in halls
    ]
    await show(callback, Screen("\n\n".join(parts), halls_keyboard(items, texts("back"))), session)


def hall_card(t: Texts, hall: Hall) -> str:
    card = t(
        "halls.item",
        name=views.hall_name(hall, t),
        price=t.money(hall.hourly_price),
        min=t.duration(hall.min_minutes),
        description=views.hall_description(hall, t),
    ).strip()
    for band in hall.price_bands or []:
        days = ", ".join(t.weekdays[d] for d in band["weekdays"])
        start, end = int(band["start_minute"]), int(band["end_minute"])
        card += "\n" + t(
            "halls.band",
            days=days,
            start=f"{start // 60:02d}:{start % 60:02d}",
            end=f"{end // 60:02d}:{end % 60:02d}",
            price=t.money(int(band["hourly_price"])),
        )
    return card


async def on_noop(
    callback: CallbackQuery,
    callback_data: NoopCallback,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    hint = NOOP_HINTS.get(callback_data.what)
    if hint is not None:
        callback_answer.text = texts(hint)


async def on_membership(update: ChatMemberUpdated, session: AsyncSession) -> None:
    """The client blocked the bot or unblocked it."""
    blocked = update.new_chat_member.status == ChatMemberStatus.KICKED
    await set_bot_blocked(session, update.from_user.id, blocked)


def create_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_membership, F.chat.type == ChatType.PRIVATE)
    router.message.register(on_start, CommandStart())
    router.message.register(on_help_command, Command("help"))
    router.callback_query.register(on_home, MenuCallback.filter(F.action == "home"))
    router.callback_query.register(on_help, MenuCallback.filter(F.action == "help"))
    router.callback_query.register(on_halls, MenuCallback.filter(F.action == "halls"))
    router.callback_query.register(on_noop, NoopCallback.filter())
    return router
