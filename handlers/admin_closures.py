"""Owners close a hall or the whole studio for a period (`/close`, refused over live
bookings unless forced; the bookings stay), remove a closure (`/reopen`); admins list the
closures to come (`/closures`)."""

from __future__ import annotations

import logging

from aiogram.filters import CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking import closures
from booking.deps import BookingDeps
from handlers import admin_views as tx
from handlers.admin_args import BadArguments, args_of, parse_id, parse_period
from handlers.admin_common import admin_id, answer, today
from i18n.catalogs import gettext as _

log = logging.getLogger(__name__)

ALL_HALLS = frozenset({"all", "все", "всё", "студия", "studio"})
FORCE = frozenset({"force", "!"})


async def on_close(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 2)
    tz = deps.rules.tz
    target = None if args[0].lower() in ALL_HALLS else args[0]
    start, end, rest = parse_period(args[1:], today(deps), tz)
    force = bool(rest) and rest[0].lower() in FORCE
    reason = " ".join(rest[1:] if force else rest)
    try:
        closure, hall, kept = await closures.close_period(
            session, deps, target, start, end, reason, force=force
        )
    except closures.ClosureConflict as conflict:
        lines = "\n".join(tx.dated_line(v, tz) for v in conflict.bookings)
        forced = f"/close {args[0]} {start.astimezone(tz):%Y-%m-%d %H:%M} "
        forced += f"{end.astimezone(tz):%Y-%m-%d %H:%M} force {reason}".rstrip()
        await answer(message, tx.closure_conflict_text(lines, forced), session)
        return
    log.info("admin closed", extra={"closure_id": closure.id, "admin_id": admin_id(message)})
    period = tx.period_text(start, end, tz)
    text = _("🚫 Closed: {target}, {period}. Closure number {id}. Undo: /reopen {id}").format(
        target=tx.target_text(hall), id=closure.id, period=period
    )
    if kept:
        lines = "\n".join(tx.dated_line(v, tz) for v in kept)
        kept_text = _("Bookings in this period still stand; cancel them with /cancel if needed:")
        text += f"\n\n{kept_text}\n{lines}"
    await answer(message, text, session)


async def on_reopen(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    closure_id = parse_id(args[0]) if len(args) == 1 else None
    if closure_id is None:
        raise BadArguments
    closure, hall = await closures.reopen(session, closure_id)
    log.info("admin reopened", extra={"closure_id": closure.id, "admin_id": admin_id(message)})
    period = tx.period_text(closure.start_at, closure.end_at, deps.rules.tz)
    text = _("✅ Closure {id} removed: {target}, {period}.").format(
        id=closure.id, target=tx.target_text(hall), period=period
    )
    await answer(message, text, session)


async def on_closures(message: Message, session: AsyncSession, deps: BookingDeps) -> None:
    items = await closures.upcoming_closures(session, deps)
    await answer(message, tx.closures_text(items, deps.rules.tz), session)
