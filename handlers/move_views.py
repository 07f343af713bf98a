"""The screens of a change the client asked for, one layout for both ways it goes: the
booking as it is and as it will be (hall, day, time, price), then what becomes of the money.
A change that costs no more waits for "✅ Move"; a dearer one shows the gateways for the
difference, its new time held meanwhile."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking.change_quote import ChangeQuote, Place, pending_quote
from booking.deps import BookingDeps
from booking.own_bookings import ClientBooking
from db.models import Hall
from handlers.common import Screen
from handlers.hall_specs import hall_name
from handlers.views_my import booking_screen, pay_choice_screen
from i18n.catalogs import gettext as _
from i18n.formats import day, money, time
from keyboards.bookings import move_confirm_keyboard
from keyboards.callbacks import MoveCallback, to_minutes


async def summary(
    session: AsyncSession, deps: BookingDeps, code: str, quote: ChangeQuote, *, moved: bool
) -> str:
    """The title, the booking as it is and as it will be, each with its price."""
    title = (
        _("🔁 Moving booking {code}.") if moved else _("⏱ Adding time to booking {code}.")
    ).format(code=code)
    was = _("Was: {span}, {total}").format(
        span=await _span(session, deps, quote.was), total=money(quote.was.total)
    )
    new = _("Will be: {span}, {total}").format(
        span=await _span(session, deps, quote.new), total=money(quote.new.total)
    )
    return "\n".join((title, was, new))


async def _span(session: AsyncSession, deps: BookingDeps, place: Place) -> str:
    hall = await session.get(Hall, place.hall_id)
    local_start, local_end = (
        place.start.astimezone(deps.rules.tz),
        place.end.astimezone(deps.rules.tz),
    )
    return _("{hall}, {date}, {start}–{end}").format(
        hall=hall_name(hall) if hall is not None else "",
        date=day(local_start.date()),
        start=time(local_start),
        end=time(local_end),
    )


def money_text(quote: ChangeQuote) -> str:
    """What becomes of the money paid when a change that costs no more is made
    (booking/change_making.py: refunded or kept, by RESCHEDULE_CHEAPER)."""
    paid = money(quote.paid)
    if quote.back and quote.kept:
        text = _(
            "Paid {paid}: the {back} above the new price stays on the booking and pays for "
            "a later change."
        ).format(paid=paid, back=money(quote.back))
    elif quote.back:
        text = _(
            "Paid {paid}: the {back} above the new price is refunded the way you paid."
        ).format(paid=paid, back=money(quote.back))
    elif quote.balance:
        text = _(
            "Paid {paid}: nothing to pay now; the rest, {balance}, can be paid in the bot or "
            "at the studio."
        ).format(paid=paid, balance=money(quote.balance))
    elif quote.paid:
        text = _("Paid {paid}: nothing more to pay.").format(paid=paid)
    else:
        text = _("Nothing to pay.")
    if quote.to_certificate:
        text += " " + _("{amount} goes back to your gift certificate.").format(
            amount=money(quote.to_certificate)
        )
    return text


async def confirm_screen(
    session: AsyncSession, deps: BookingDeps, code: str, booking_id: int, quote: ChangeQuote
) -> Screen:
    """A move that costs no more, shown before it is made."""
    head = await summary(session, deps, code, quote, moved=True)
    text = f"{head}\n\n{money_text(quote)}\n\n" + _("Move the booking?")
    go = MoveCallback(
        action="go",
        booking_id=booking_id,
        hall_id=quote.new.hall_id,
        start=to_minutes(quote.new.start),
        minutes=int((quote.new.end - quote.new.start) / timedelta(minutes=1)),
        sequence=quote.sequence,
        total=quote.new.total,
        back=quote.back,
    )
    keyboard = move_confirm_keyboard(
        go, yes=_("✅ Move"), another=_("‹ Another time"), keep=_("✖ Keep it as it is")
    )
    return Screen(text, keyboard)


async def after_change(
    session: AsyncSession, deps: BookingDeps, view: ClientBooking, *, moved: bool
) -> Screen:
    """The booking once changed, or the gateways for the difference a dearer change asks."""
    quote = await pending_quote(session, deps, view.booking)
    if view.due_kind == "change" and view.due_now > 0:
        screen = pay_choice_screen(view, deps)
        note = _(
            "The new time is held for you for {minutes} minutes: pay the difference of "
            "{amount} and the change is made; otherwise the booking stays as it is."
        ).format(minutes=int(deps.rules.hold.total_seconds() // 60), amount=money(view.due_now))
        if quote is not None:
            head = await summary(session, deps, view.booking.code, quote, moved=moved)
            note = f"{head}\n\n{note}"
        return Screen(f"{note}\n\n{screen.text}", screen.markup)
    screen = booking_screen(view, deps)
    done = _("✅ The booking is moved.") if moved else _("✅ Time added.")
    return Screen(f"{done}\n\n{screen.text}", screen.markup)
