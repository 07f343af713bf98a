"""Admin commands that change a booking: `/move CODE DATE TIME [hall]` and
`/overtime CODE MINUTES` (booking/overtime.py: priced by OVERTIME_RULE, the client gets the
payment link in the chat and by e-mail).

An admin moves any confirmed booking, whenever and however often (booking/changes.py: no
cutoff, no limit, made at once; a dearer time leaves the difference as the booking's
balance). The booking keeps its length; another hall is named by id or slug. Refusals say
why in the admin's language and change nothing."""

from __future__ import annotations

from html import escape

from aiogram.filters import CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking.changes import Actor, by_code, move_by_code
from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.overtime import record_overtime
from booking.pricing import money_state
from booking.refunds import owed_back
from db.models import Hall
from handlers import admin_views as tx
from handlers.admin_args import args_of, local_moment, parse_date, parse_time
from handlers.admin_common import answer
from handlers.admin_refusals import error_text
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.paid import paid_sentence
from settings import Settings

MOVE_USAGE = N_("/move CODE 2026-12-05 15:00 [hall]")
OVERTIME_USAGE = N_("/overtime CODE 30")
OVERTIME_REFUSED = {
    "within_grace": N_("No overtime to charge: that is within the grace minutes."),
    "too_early": N_("The session has not begun yet."),
    "change_pending": N_(
        "Cannot bill overtime now: the client's move or extra time is waiting for payment."
    ),
}
#: Why a move was refused, by the use case's code (others: the admin router's texts).
MOVE_REFUSED = {
    "slot_taken": N_("Cannot move: the time is taken by another booking."),
    "outside_hours": N_("Cannot move: that time is outside the opening hours."),
    "closed": N_("Cannot move: the hall or the studio is closed then."),
    "off_grid": N_("Cannot move: starts are on a 15-minute grid."),
    "in_past": N_("Cannot move: that time has passed."),
    "too_soon": N_("Cannot move: that time is too soon."),
    "beyond_horizon": N_("Cannot move: that time is too far ahead."),
    "same_slot": N_("The booking is already at that time."),
    "too_short": N_("Cannot move: the booking is shorter than that hall's minimum."),
    "addon_unavailable": N_(
        "Cannot move: an add-on of the booking is taken then or not offered in that hall."
    ),
    "over_capacity": N_("Cannot move: that hall takes fewer people than the booking brings."),
}


def admin_actor(message: Message, refund_limit: int | None = None) -> Actor:
    """The admin in the events; `refund_limit` None for an owner."""
    uid = message.from_user.id if message.from_user else 0
    return Actor(admin=True, who=f"admin:{uid}", refund_limit=refund_limit)


async def on_move(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    deps: BookingDeps,
    settings: Settings,
    is_owner: bool,
) -> None:
    args = args_of(command)
    tz = deps.rules.tz
    today = deps.now().astimezone(tz).date()
    day = parse_date(args[1], today) if len(args) in (3, 4) else None
    minute = parse_time(args[2]) if day is not None else None
    if day is None or minute is None:
        await answer(message, _("Usage: {usage}").format(usage=escape(_(MOVE_USAGE))))
        return
    hall_ref = args[3] if len(args) == 4 else None
    actor = admin_actor(message, None if is_owner else settings.bot.refund_limit)
    try:
        booking = await move_by_code(
            session, deps, args[0], local_moment(day, minute, tz), hall_ref, actor
        )
    except DomainError as exc:
        if session.in_transaction():
            await session.rollback()
        refused = MOVE_REFUSED.get(exc.code)
        text = _(refused) if refused else error_text(exc, args[3] if hall_ref else args[0])
        await answer(message, text)
        return
    hall = await session.get(Hall, booking.hall_id)
    assert hall is not None
    due = booking.total - (booking.paid - booking.refunded)
    text = _("🔁 Booking <code>{code}</code> moved: {hall}, {when}.").format(
        code=booking.code,
        hall=tx.hall_name(hall),
        when=tx.period_text(booking.start_at, booking.end_at, tz),
    )
    state = money_state(booking, returning=await owed_back(session, booking.id))
    text = f"{text} {paid_sentence(state)}".rstrip()
    if due > 0:
        text += _(" To pay: {due} ₽.").format(due=rub(due))
    await answer(message, text, session)


async def on_overtime(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command)
    minutes = int(args[1]) if len(args) == 2 and args[1].isdigit() else 0
    if not 1 <= minutes <= 24 * 60:
        await answer(message, _("Usage: {usage}").format(usage=escape(_(OVERTIME_USAGE))))
        return
    try:
        found = await by_code(session, args[0])
        booking, payment = await record_overtime(
            session, deps, found.id, minutes, admin_actor(message)
        )
    except DomainError as exc:
        if session.in_transaction():
            await session.rollback()
        refused = OVERTIME_REFUSED.get(exc.code)
        await answer(message, _(refused) if refused else error_text(exc, args[0]))
        return
    text = _(
        "⏱ Overtime {minutes} min for booking <code>{code}</code>: {amount} ₽. "
        "The client has the payment link: {url}"
    ).format(
        minutes=minutes,
        code=booking.code,
        amount=rub(payment.amount),
        url=escape(payment.confirmation_url or ""),
    )
    await answer(message, text, session)
