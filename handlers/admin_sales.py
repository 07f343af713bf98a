"""Admins and what is sold beside hall time: a booking's guests, add-ons and discount in
the cards and day lists, the promo code commands (/promo, /promos, /promo_off) and gift
certificates (/certificate, /certorder)."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.filters import CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, promo
from booking.certificate_settle import settle_order
from booking.deps import BookingDeps
from booking.errors import Forbidden
from booking.money_by_hand import issue_certificate
from db.sales import PromoCode
from handlers.admin_args import BadArguments, args_of, parse_date, parse_id, parse_money
from handlers.admin_common import answer
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.formats import date_with_year


def _code_line(code: PromoCode, uses: int) -> str:
    off = f"{code.percent}%" if code.percent else f"{rub(code.amount or 0)} ₽"
    limit = f"{uses}/{code.max_uses}" if code.max_uses else str(uses)
    window = ""
    if code.valid_from or code.valid_to:
        window = f" · {code.valid_from or '…'} — {code.valid_to or '…'}"
    state = "" if code.active else _(" (off)")
    return _("<code>{code}</code> −{off} · used {uses}{window}{state}").format(
        code=escape(code.code), off=off, uses=limit, window=window, state=state
    )


def _discount(token: str) -> tuple[int | None, int | None]:
    """ "20%" → a percentage, "500" → rubles off; BadArguments otherwise."""
    if token.endswith("%"):
        percent = parse_id(token[:-1])
        if percent is None or not 1 <= percent <= 100:
            raise BadArguments
        return percent, None
    amount = parse_money(token)
    if not amount:
        raise BadArguments
    return None, amount


async def on_promo(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    """/promo CODE 20%|500 [uses] [from] [to]: a new promo code."""
    args = args_of(command, 2)
    percent, amount = _discount(args[1])
    uses = parse_id(args[2]) if len(args) > 2 and "-" not in args[2] else None
    if len(args) > 2 and "-" not in args[2] and not uses:
        raise BadArguments
    today = deps.now().astimezone(deps.rules.tz).date()
    days: list[date] = []
    for token in args[3 if uses else 2 :]:
        day = parse_date(token, today)
        if day is None:
            raise BadArguments
        days.append(day)
    if len(days) > 2:
        raise BadArguments
    new = promo.NewCode(
        code=args[0],
        percent=percent,
        amount=amount,
        max_uses=uses,
        valid_from=days[0] if days else None,
        valid_to=days[-1] if days else None,
    )
    made = await promo.create_code(session, new)
    text = _("🏷 Promo code created: {line}").format(line=_code_line(made, 0))
    await answer(message, text, session)


async def on_promos(message: Message, session: AsyncSession, deps: BookingDeps) -> None:
    codes = await promo.list_codes(session, deps.now())
    lines = [_code_line(code, uses) for code, uses in codes]
    text = _("<b>Promo codes</b>") + "\n" + ("\n".join(lines) if lines else "—")
    await answer(message, text, session)


async def on_promo_off(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    args = args_of(command, 1)
    if len(args) != 1:
        raise BadArguments
    code = await promo.disable_code(session, args[0])
    uses = await promo.uses(session, code.id, deps.now())
    text = _("🚫 Promo code disabled: {line}").format(line=_code_line(code, uses))
    await answer(message, text, session)


async def on_certificate(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    deps: BookingDeps,
    is_owner: bool,
) -> None:
    """/certificate 5000: a new gift certificate (owners); /certificate CODE: its balance."""
    args = args_of(command, 1)
    amount = parse_money(args[0]) if len(args) == 1 else None
    if amount is not None and not is_owner:
        raise Forbidden("owner_needed", "Only an owner can issue a gift certificate.")
    if amount is not None:
        made = await issue_certificate(session, deps, amount)
        code, left, expires = made.code, amount, made.expires_at
        title = _("🎁 Gift certificate issued")
    else:
        found = await certificates.find(session, " ".join(args))
        left = await certificates.balance(session, found.id, deps.now())
        code, expires = found.code, found.expires_at
        title = _("🎁 Gift certificate")
    text = _("{title}: <code>{code}</code>\nBalance: {balance} ₽ · valid until {until}").format(
        title=title,
        code=code,
        balance=rub(left),
        until=date_with_year(expires.astimezone(deps.rules.tz).date()),
    )
    await answer(message, text, session)


#: The answer to "did the money arrive?" (/certorder 12 yes).
PAID = {"да": True, "yes": True, "пришли": True, "paid": True, "нет": False, "no": False}


async def on_certificate_order(
    message: Message, command: CommandObject, session: AsyncSession, deps: BookingDeps
) -> None:
    """/certorder 12 yes|no: a certificate order stuck at its gateway, settled from the
    gateway's cabinet: paid, its certificate is issued once and sent to the buyer; not, the
    order is cancelled."""
    args = args_of(command, 2)
    order_id, paid = parse_id(args[0]), PAID.get(args[1].lower())
    if len(args) != 2 or order_id is None or paid is None:
        raise BadArguments
    admin_id = message.from_user.id if message.from_user else None
    settled = await settle_order(session, deps, order_id, paid=paid, admin_id=admin_id)
    order, made = settled.order, settled.certificate
    if made is not None:
        text = _(
            "☑️ Order no. {id}: {amount} ₽ recorded as paid. Gift certificate "
            "<code>{code}</code> issued and sent to the buyer."
        ).format(id=order.id, amount=rub(order.amount), code=made.code)
    else:
        text = _(
            "☑️ Order no. {id} for {amount} ₽ cancelled, nothing issued. Should the gateway "
            "report the payment after all, the certificate is issued then."
        ).format(id=order.id, amount=rub(order.amount))
    await answer(message, text, session)
