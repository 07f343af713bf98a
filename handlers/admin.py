"""The admin router: the command menu, one place that answers refusals, and the commands
that read (/today, /day, /booking, /stats, /admin) or set a price (/price); the others are
in the handlers/admin_*.py modules it registers. Each command parses its arguments, calls
a use case of booking, and renders.

Only ADMIN_IDS and OWNER_IDS get here (IsAdmin on the router); anyone else falls through to
the client routers and gets their "unknown command" answer. Owners' commands (prices,
closures, promo codes, new certificates, new feed addresses, refunds above
ADMIN_REFUND_LIMIT) answer other admins that an owner is needed. Bad arguments get a usage
line and change nothing; a refused use case gets its reason. Every event an admin's command
records carries the admin's Telegram id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiogram import BaseMiddleware, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, TelegramObject
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import admin_ops as ops
from booking.deps import BookingDeps
from booking.errors import DomainError, Forbidden
from booking.events import acting_as
from booking.stats import period_stats
from bot.filters import IsAdmin, IsOwner
from db.models import Hall
from handlers import admin_closures as closures
from handlers import admin_money as money
from handlers import admin_moves as moves
from handlers import admin_people as people
from handlers import admin_reports as reports
from handlers import admin_sales as sales
from handlers import admin_studio as studio
from handlers import admin_views as tx
from handlers.admin_args import (
    BadArguments,
    args_of,
    parse_date,
    parse_money,
    parse_stats_range,
)
from handlers.admin_common import admin_id, answer, today
from handlers.admin_feeds import on_calendar
from handlers.admin_refusals import error_text, usage
from handlers.studio_views import STUDIO_COMMANDS, studio_help
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub

log = logging.getLogger(__name__)

#: The admins' command menu: (command, description marked for the catalogs).
ADMIN_COMMANDS: Final[list[tuple[str, str]]] = [
    ("today", N_("Today's bookings")),
    ("day", N_("Bookings on a day: /day 2026-12-05")),
    ("booking", N_("A booking by code: /booking CODE")),
    ("new", N_("Book for a client (by phone): /new")),
    ("confirm", N_("Paid in cash: /confirm CODE [amount]")),
    ("cancel", N_("Cancel with a full refund: /cancel CODE reason")),
    ("refund", N_("Refund an amount: /refund CODE amount")),
    ("settle", N_("Settle a refund: /settle ID yes|no")),
    ("close", N_("Close a hall or the studio for a period")),
    ("reopen", N_("Remove a closure: /reopen ID")),
    ("closures", N_("Closures of halls and the studio")),
    ("price", N_("Hourly price: /price hall 2800")),
    ("stats", N_("Stats for a period")),
    ("noshow", N_("The client did not come: /noshow CODE")),
    ("block", N_("Block a client: /block PHONE|ID|CODE [reason]")),
    ("unblock", N_("Unblock a client: /unblock PHONE|ID|CODE")),
    ("calendar", N_("Calendar feeds for the staff: /calendar [new]")),
    ("promo", N_("New promo code: /promo CODE 20% [uses] [from] [to]")),
    ("promos", N_("Promo codes")),
    ("promo_off", N_("Disable a promo code: /promo_off CODE")),
    ("certificate", N_("Gift certificate: /certificate 5000, or its balance: /certificate CODE")),
    ("certorder", N_("A stuck gift certificate payment, from the cabinet: /certorder 12 yes|no")),
    *STUDIO_COMMANDS,
    ("move", N_("Move a booking: /move CODE 2026-12-05 15:00 [hall]")),
    ("overtime", N_("Overtime after a session: /overtime CODE 30")),
    ("admin", N_("Admin commands")),
]

#: Commands only owners may give (IsOwner); other admins are told an owner is needed.
OWNER_COMMANDS: Final = ("price", "close", "reopen", "promo", "promo_off")
#: Left out of a plain admin's command menu: what only owners may do.
OWNER_ONLY: Final = frozenset({*OWNER_COMMANDS, *(name for name, _text in STUDIO_COMMANDS)})


class AdminErrors(BaseMiddleware):
    """Answers this router's refusals: bad arguments with the usage, rule errors with why."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Message)
        command: CommandObject | None = data.get("command")
        session: AsyncSession | None = data.get("session")
        data["is_owner"] = await IsOwner()(event, **data)
        try:
            with acting_as(admin_id=admin_id(event)):
                return await handler(event, data)
        except BadArguments:
            text = usage(command.command if command else "admin")
        except DomainError as exc:
            arg = (command.args or "").split(maxsplit=1)[0] if command and command.args else ""
            log.info(
                "admin command refused", extra={"code": exc.code, "admin_id": admin_id(event)}
            )
            text = error_text(exc, arg)
        if session is not None and session.in_transaction():
            await session.rollback()  # a refusal changes nothing
        await answer(event, text)
        return None


# ------------------------------------------------------------------------------ handlers


async def on_help(message: Message, session: AsyncSession) -> None:
    halls = (await session.scalars(select(Hall).order_by(Hall.sort_order, Hall.id))).all()
    await answer(message, reports.help_text(halls) + studio_help(), session)


async def on_day(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command)
    day = today(deps)
    if command.command == "day":
        if len(args) != 1 or (parsed := parse_date(args[0], day)) is None:
            raise BadArguments
        day = parsed
    views = await ops.bookings_of_day(session, deps, day)
    await answer(message, tx.day_text(f"{day:%d.%m.%Y}", views, deps.rules.tz), session)


async def on_booking(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    if len(args) != 1:
        raise BadArguments
    card = await ops.booking_card(session, args[0])
    await answer(message, tx.card_text(card, deps.rules.tz), session)


async def on_price(message: Message, command: CommandObject, session: AsyncSession) -> None:
    args = args_of(command, 2)
    price = parse_money(args[1])
    if len(args) != 2 or not price:
        raise BadArguments
    hall, old = await ops.set_hourly_price(session, args[0], price)
    log.info("admin price", extra={"hall_id": hall.id, "old": old, "admin_id": admin_id(message)})
    text = _("💰 {hall}: {old} → {new} ₽/h. Earlier bookings keep their total.").format(
        hall=tx.hall_name(hall), old=rub(old), new=rub(hall.hourly_price)
    )
    await answer(message, text, session)


async def on_owner_needed(message: Message) -> None:
    """An owner's command from an admin who is not one: refused, nothing changes."""
    raise Forbidden("owner_needed", "Only an owner can do this.")


async def on_stats(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    first, last = parse_stats_range(args_of(command), today(deps))
    stats = await period_stats(session, deps, first, last)
    await answer(message, reports.stats_text(stats), session)


def create_router() -> Router:
    """A fresh admin router (a router joins one dispatcher only, so tests build their own)."""
    admin = Router(name=__name__)
    # Private chats only: booking cards carry phone numbers that a staff group should not see.
    admin.message.filter(F.chat.type == ChatType.PRIVATE, IsAdmin())
    admin.message.middleware(AdminErrors())
    admin.message.register(on_help, Command("admin"))
    admin.message.register(on_day, Command("today", "day"))
    admin.message.register(on_booking, Command("booking"))
    admin.message.register(money.on_confirm, Command("confirm"))
    admin.message.register(money.on_cancel, Command("cancel"))
    admin.message.register(money.on_refund, Command("refund"))
    admin.message.register(money.on_settle, Command("settle"))
    admin.message.register(closures.on_close, Command("close"), IsOwner())
    admin.message.register(closures.on_reopen, Command("reopen"), IsOwner())
    admin.message.register(closures.on_closures, Command("closures"))
    admin.message.register(on_price, Command("price"), IsOwner())
    admin.message.register(on_stats, Command("stats"))
    admin.message.register(on_calendar, Command("calendar"))
    admin.message.register(sales.on_promo, Command("promo"), IsOwner())
    admin.message.register(sales.on_promos, Command("promos"))
    admin.message.register(sales.on_promo_off, Command("promo_off"), IsOwner())
    admin.message.register(sales.on_certificate, Command("certificate"))
    admin.message.register(sales.on_certificate_order, Command("certorder"))
    admin.message.register(people.on_no_show, Command("noshow"))
    admin.message.register(people.on_block, Command("block"))
    admin.message.register(people.on_unblock, Command("unblock"))
    admin.message.register(on_owner_needed, Command(*OWNER_COMMANDS))
    admin.include_router(studio.create_router())
    admin.message.register(moves.on_move, Command("move"))
    admin.message.register(moves.on_overtime, Command("overtime"))
    return admin


router = create_router()
