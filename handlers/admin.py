"""Admin commands: parse the arguments, call a use case of booking.admin_ops, render.

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
from datetime import date
from typing import Any, Final

from aiogram import BaseMiddleware, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType, ParseMode
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking import admin_ops as ops
from booking.admin_ops import settle_by_hand
from booking.deps import BookingDeps
from booking.errors import DomainError, Forbidden
from booking.events import acting_as
from booking.pricing import money_state
from booking.stats import period_stats
from bot.filters import IsAdmin, IsOwner
from db.models import Hall
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
    parse_id,
    parse_money,
    parse_period,
    parse_stats_range,
    rest_of,
)
from handlers.admin_feeds import on_calendar
from handlers.common import release
from handlers.studio_views import STUDIO_COMMANDS, studio_help
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.paid import paid_sentence
from settings import Settings

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

ALL_HALLS = frozenset({"all", "все", "всё", "студия", "studio"})
FORCE = frozenset({"force", "!"})


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
            with acting_as(admin_id=_uid(event)):
                return await handler(event, data)
        except BadArguments:
            text = tx.usage(command.command if command else "admin")
        except DomainError as exc:
            arg = (command.args or "").split(maxsplit=1)[0] if command and command.args else ""
            log.info("admin command refused", extra={"code": exc.code, "admin_id": _uid(event)})
            text = tx.error_text(exc, arg)
        if session is not None and session.in_transaction():
            await session.rollback()  # a refusal changes nothing
        await _answer(event, text)
        return None


# ------------------------------------------------------------------------------ helpers


def _uid(message: Message) -> int | None:
    return message.from_user.id if message.from_user else None


# ------------------------------------------------------------------------------ handlers


async def _answer(message: Message, text: str, session: AsyncSession | None = None) -> None:
    await release(session)
    for part in tx.chunks(text):
        await message.answer(part, parse_mode=ParseMode.HTML)


def _today(deps: BookingDeps) -> date:
    return deps.now().astimezone(deps.rules.tz).date()


async def on_help(message: Message, session: AsyncSession) -> None:
    halls = (await session.scalars(select(Hall).order_by(Hall.sort_order, Hall.id))).all()
    await _answer(message, reports.help_text(halls) + studio_help(), session)


async def on_day(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command)
    day = _today(deps)
    if command.command == "day":
        if len(args) != 1 or (parsed := parse_date(args[0], day)) is None:
            raise BadArguments
        day = parsed
    views = await ops.bookings_of_day(session, deps, day)
    await _answer(message, tx.day_text(f"{day:%d.%m.%Y}", views, deps.rules.tz), session)


async def on_booking(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    if len(args) != 1:
        raise BadArguments
    card = await ops.booking_card(session, args[0])
    await _answer(message, tx.card_text(card, deps.rules.tz), session)


async def on_confirm(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    amount = parse_money(args[1]) if len(args) == 2 else None
    if len(args) > 2 or (len(args) == 2 and amount is None):
        raise BadArguments
    note = f"cash, confirmed in Telegram by admin {_uid(message)}"
    booking = await ops.confirm_paid_by_hand(session, deps, args[0], amount, note)
    log.info(
        "admin confirmed by hand", extra={"booking_id": booking.id, "admin_id": _uid(message)}
    )
    text = _("✅ Booking <code>{code}</code> confirmed.").format(code=booking.code)
    text = f"{text} {paid_sentence(money_state(booking))}".rstrip()
    await _answer(message, text, session)


async def on_cancel(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    deps: BookingDeps,
    state: FSMContext,
    settings: Settings,
    is_owner: bool,
) -> None:
    if not command.args and await state.get_state() is not None:
        raise SkipHandler  # a bare /cancel inside a client dialog belongs to that dialog
    code = args_of(command, 2)[0]
    reason = rest_of(command, 1)
    limit = None if is_owner else settings.bot.refund_limit
    booking, amount, refunds = await ops.cancel_by_admin(session, deps, code, reason, limit)
    log.info("admin cancelled", extra={"booking_id": booking.id, "admin_id": _uid(message)})
    if amount:
        text = _("❌ Booking <code>{code}</code> cancelled. Refund {refund} ₽.")
    else:
        text = _("❌ Booking <code>{code}</code> cancelled. Nothing to refund.")
    lines = [tx.refund_line(r.amount, r.status, r.error) for r in refunds]
    text = text.format(code=booking.code, refund=rub(amount))
    await _answer(message, "\n".join([text, *lines]), session)


async def on_refund(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    deps: BookingDeps,
    settings: Settings,
    is_owner: bool,
) -> None:
    code, raw_amount = args_of(command, 2)[:2]
    everything = raw_amount.lower() in ("all", "всё", "все")
    amount = None if everything else parse_money(raw_amount)
    if not everything and not amount:
        raise BadArguments
    reason = rest_of(command, 2) or "refund by admin"
    limit = None if is_owner else settings.bot.refund_limit
    refunds = await ops.refund_booking(session, deps, code, amount, reason, limit)
    log.info("admin refund", extra={"booking_code": code, "admin_id": _uid(message)})
    lines = [tx.refund_line(r.amount, r.status, r.error) for r in refunds]
    done = sum(r.amount for r in refunds)
    if amount is not None and done < amount:
        partial = _("Refunded {done} of {asked} ₽ — check /booking {code}.")
        lines.append(partial.format(done=rub(done), asked=rub(amount), code=code.upper()))
    text = _("↩️ Booking <code>{code}</code>:\n{lines}")
    await _answer(message, text.format(code=code.upper(), lines="\n".join(lines)), session)


MADE = {
    "да": True,
    "yes": True,
    "сделан": True,
    "made": True,
    "нет": False,
    "no": False,
    "не": False,
    "not": False,
}


async def on_settle(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    """A refund the service cannot tell was made, settled from the gateway's cabinet."""
    args = args_of(command, 2)
    refund_id, made = parse_id(args[0]), MADE.get(args[1].lower())
    if refund_id is None or made is None:
        raise BadArguments
    note = rest_of(command, 2) or f"settled in Telegram by admin {_uid(message)}"
    refund = await settle_by_hand(session, deps, refund_id, made=made, note=note)
    log.info(
        "admin settled a refund",
        extra={"refund_id": refund.id, "made": made, "admin_id": _uid(message)},
    )
    if made:
        text = _("☑️ Refund #{id} of {amount} ₽ recorded as made.")
    else:
        text = _("☑️ Refund #{id} of {amount} ₽ cancelled; the amount can be refunded again.")
    await _answer(message, text.format(id=refund.id, amount=rub(refund.amount)), session)


async def on_close(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 2)
    tz = deps.rules.tz
    target = None if args[0].lower() in ALL_HALLS else args[0]
    start, end, rest = parse_period(args[1:], _today(deps), tz)
    force = bool(rest) and rest[0].lower() in FORCE
    reason = " ".join(rest[1:] if force else rest)
    try:
        closure, hall, kept = await ops.close_period(
            session, deps, target, start, end, reason, force=force
        )
    except ops.ClosureConflict as conflict:
        lines = "\n".join(tx.dated_line(v, tz) for v in conflict.bookings)
        forced = f"/close {args[0]} {start.astimezone(tz):%Y-%m-%d %H:%M} "
        forced += f"{end.astimezone(tz):%Y-%m-%d %H:%M} force {reason}".rstrip()
        await _answer(message, tx.closure_conflict_text(lines, forced), session)
        return
    log.info("admin closed", extra={"closure_id": closure.id, "admin_id": _uid(message)})
    period = tx.period_text(start, end, tz)
    text = _("🚫 Closed: {target}, {period}. Closure number {id}. Undo: /reopen {id}").format(
        target=tx.target_text(hall), id=closure.id, period=period
    )
    if kept:
        lines = "\n".join(tx.dated_line(v, tz) for v in kept)
        kept_text = _("Bookings in this period still stand; cancel them with /cancel if needed:")
        text += f"\n\n{kept_text}\n{lines}"
    await _answer(message, text, session)


async def on_reopen(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    closure_id = parse_id(args[0]) if len(args) == 1 else None
    if closure_id is None:
        raise BadArguments
    closure, hall = await ops.reopen(session, closure_id)
    log.info("admin reopened", extra={"closure_id": closure.id, "admin_id": _uid(message)})
    period = tx.period_text(closure.start_at, closure.end_at, deps.rules.tz)
    text = _("✅ Closure {id} removed: {target}, {period}.").format(
        id=closure.id, target=tx.target_text(hall), period=period
    )
    await _answer(message, text, session)


async def on_closures(message: Message, session: AsyncSession, deps: BookingDeps) -> None:
    items = await ops.upcoming_closures(session, deps)
    await _answer(message, tx.closures_text(items, deps.rules.tz), session)


async def on_price(message: Message, command: CommandObject, session: AsyncSession) -> None:
    args = args_of(command, 2)
    price = parse_money(args[1])
    if len(args) != 2 or not price:
        raise BadArguments
    hall, old = await ops.set_hourly_price(session, args[0], price)
    log.info("admin price", extra={"hall_id": hall.id, "old": old, "admin_id": _uid(message)})
    text = _("💰 {hall}: {old} → {new} ₽/h. Earlier bookings keep their total.").format(
        hall=tx.hall_name(hall), old=rub(old), new=rub(hall.hourly_price)
    )
    await _answer(message, text, session)


async def on_owner_needed(message: Message) -> None:
    """An owner's command from an admin who is not one: refused, nothing changes."""
    raise Forbidden("owner_needed", "Only an owner can do this.")


async def on_stats(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    first, last = parse_stats_range(args_of(command), _today(deps))
    stats = await period_stats(session, deps, first, last)
    await _answer(message, reports.stats_text(stats), session)


def create_router() -> Router:
    """A fresh admin router (a router joins one dispatcher only, so tests build their own)."""
    admin = Router(name=__name__)
    # Private chats only: booking cards carry phone numbers that a staff group should not see.
    admin.message.filter(F.chat.type == ChatType.PRIVATE, IsAdmin())
    admin.message.middleware(AdminErrors())
    admin.message.register(on_help, Command("admin"))
    admin.message.register(on_day, Command("today", "day"))
    admin.message.register(on_booking, Command("booking"))
    admin.message.register(on_confirm, Command("confirm"))
    admin.message.register(on_cancel, Command("cancel"))
    admin.message.register(on_refund, Command("refund"))
    admin.message.register(on_settle, Command("settle"))
    admin.message.register(on_close, Command("close"), IsOwner())
    admin.message.register(on_reopen, Command("reopen"), IsOwner())
    admin.message.register(on_closures, Command("closures"))
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
