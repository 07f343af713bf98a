"""Admins and money by hand: `/confirm` a booking paid in cash, `/cancel` it with a full
refund, `/refund` an amount, and `/settle` a refund the service cannot tell was made. An
admin who is not an owner refunds at most ADMIN_REFUND_LIMIT at once."""

from __future__ import annotations

import logging

from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.money_by_hand import (
    cancel_by_admin,
    confirm_paid_by_hand,
    refund_booking,
    settle_by_hand,
)
from booking.pricing import money_state
from booking.refunds import owed_back
from handlers import admin_views as tx
from handlers.admin_args import BadArguments, args_of, parse_id, parse_money, rest_of
from handlers.admin_common import admin_id, answer
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.paid import paid_sentence
from settings import Settings

log = logging.getLogger(__name__)


async def on_confirm(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    amount = parse_money(args[1]) if len(args) == 2 else None
    if len(args) > 2 or (len(args) == 2 and amount is None):
        raise BadArguments
    note = f"cash, confirmed in Telegram by admin {admin_id(message)}"
    booking = await confirm_paid_by_hand(session, deps, args[0], amount, note)
    log.info(
        "admin confirmed by hand", extra={"booking_id": booking.id, "admin_id": admin_id(message)}
    )
    text = _("✅ Booking <code>{code}</code> confirmed.").format(code=booking.code)
    state = money_state(booking, returning=await owed_back(session, booking.id))
    text = f"{text} {paid_sentence(state)}".rstrip()
    await answer(message, text, session)


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
    booking, amount, refunds = await cancel_by_admin(session, deps, code, reason, limit)
    log.info("admin cancelled", extra={"booking_id": booking.id, "admin_id": admin_id(message)})
    if amount:
        text = _("❌ Booking <code>{code}</code> cancelled. Refund {refund} ₽.")
    else:
        text = _("❌ Booking <code>{code}</code> cancelled. Nothing to refund.")
    lines = [tx.refund_line(r.amount, r.status, r.error) for r in refunds]
    text = text.format(code=booking.code, refund=rub(amount))
    await answer(message, "\n".join([text, *lines]), session)


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
    refunds = await refund_booking(session, deps, code, amount, reason, limit)
    log.info("admin refund", extra={"booking_code": code, "admin_id": admin_id(message)})
    lines = [tx.refund_line(r.amount, r.status, r.error) for r in refunds]
    done = sum(r.amount for r in refunds)
    if amount is not None and done < amount:
        partial = _("Refunded {done} of {asked} ₽ — check /booking {code}.")
        lines.append(partial.format(done=rub(done), asked=rub(amount), code=code.upper()))
    text = _("↩️ Booking <code>{code}</code>:\n{lines}")
    await answer(message, text.format(code=code.upper(), lines="\n".join(lines)), session)


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
    note = rest_of(command, 2) or f"settled in Telegram by admin {admin_id(message)}"
    refund = await settle_by_hand(session, deps, refund_id, made=made, note=note)
    log.info(
        "admin settled a refund",
        extra={"refund_id": refund.id, "made": made, "admin_id": admin_id(message)},
    )
    if made:
        text = _("☑️ Refund #{id} of {amount} ₽ recorded as made.")
    else:
        text = _("☑️ Refund #{id} of {amount} ₽ cancelled; the amount can be refunded again.")
    await answer(message, text.format(id=refund.id, amount=rub(refund.amount)), session)
