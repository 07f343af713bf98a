"""Screens of "my bookings": the lists, one booking, cancel confirmation, payment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from booking.own_bookings import ClientBooking, client_bookings
from booking.pricing import money_state
from db.models import Payment
from handlers.common import Screen
from handlers.hall_specs import hall_name
from handlers.hold_views import kind_text, link_text, pay_keyboard_for
from handlers.offer_views import gateways
from i18n.catalogs import N_
from i18n.catalogs import gettext as _
from i18n.formats import day, day_month, money, time
from i18n.paid import paid_line
from keyboards.bookings import (
    booking_keyboard,
    bookings_keyboard,
    cancel_confirm_keyboard,
    pay_gateway_keyboard,
)
from keyboards.callbacks import MyListCallback
from keyboards.menu import single_button_keyboard

STATUSES = {
    "pending_payment": N_("⏳ awaiting payment"),
    "confirmed": N_("✅ confirmed"),
    "completed": N_("☑️ took place"),
    "cancelled": N_("✖ cancelled"),
    "expired": N_("⌛ not paid in time"),
    "no_show": N_("🚷 missed"),
}
BOOKING_CHANGED = N_("The booking has changed")


def status_of(view: ClientBooking) -> str:
    """A hold past its time shows as expired before the sweeper marks it."""
    status = view.booking.status
    if status == "pending_payment" and not view.upcoming and view.due_kind is None:
        return "expired"
    return status


def _when(view: ClientBooking, deps: BookingDeps) -> dict[str, str]:
    tz = deps.rules.tz
    start, end = view.booking.start_at.astimezone(tz), view.booking.end_at.astimezone(tz)
    return {
        "hall": hall_name(view.hall),
        "date": day(start.date()),
        "start": time(start),
        "end": time(end),
    }


#: Bookings a page of "my bookings" lists.
PAGE = 10


async def bookings_screen(
    session: AsyncSession, deps: BookingDeps, telegram_id: int, *, past: bool, page: int = 0
) -> Screen:
    """A page of the client's bookings; a page gone meanwhile (bookings moved from upcoming
    to past) shows the first."""
    views = await client_bookings(
        session, deps, telegram_id, past=past, limit=PAGE + 1, offset=page * PAGE
    )
    if not views and page > 0:
        return await bookings_screen(session, deps, telegram_id, past=past)
    more, views = len(views) > PAGE, views[:PAGE]
    tz = deps.rules.tz
    items = []
    for view in views:
        start = view.booking.start_at.astimezone(tz)
        status = _(STATUSES[status_of(view)])
        label = f"{day_month(start.date())} {time(start)} · {hall_name(view.hall)} · {status}"
        items.append((view.booking.id, label))
    if past:
        title = _("🕘 Past and cancelled bookings:") if items else _("🕘 No past bookings yet.")
    else:
        title = (
            _("📋 Your upcoming bookings:")
            if items
            else _("📋 No upcoming bookings. To book: /book")
        )
    markup = bookings_keyboard(
        items,
        past=past,
        switch=_("📅 Upcoming") if past else _("🕘 Past"),
        menu=_("🏠 Menu"),
        page=page,
        previous=_("⬅️ Previous") if page > 0 else None,
        following=_("Next ➡️") if more else None,
    )
    return Screen(title, markup)


def booking_screen(view: ClientBooking, deps: BookingDeps) -> Screen:
    booking = view.booking
    text = _("Booking {code}\n{hall}, {date}, {start}–{end}\nStatus: {status}").format(
        code=booking.code, status=_(STATUSES[status_of(view)]), **_when(view, deps)
    )
    # The money as every other place words it: refunds under way said as on their way back.
    text += paid_line(money_state(booking, returning=view.returning))
    pay_label = None
    if view.due_now > 0 and view.due_kind is not None:
        due = money(view.due_now)
        text += _("\nTo pay: {due} ({kind})").format(due=due, kind=kind_text(view.due_kind))
        if booking.status == "pending_payment" and booking.hold_expires_at is not None:
            until = time(booking.hold_expires_at.astimezone(deps.rules.tz))
            text += _(", by {until}").format(until=until)
        if view.due_kind == "balance":
            pay_label = _("💳 Pay the balance {amount}").format(amount=due)
        else:
            pay_label = _("💳 Pay {amount}").format(amount=due)
    markup = booking_keyboard(
        booking.id,
        pay_label=pay_label,
        cancel_label=_("✖ Cancel booking") if view.can_cancel else None,
        back=_("‹ Back"),
        past=not view.upcoming,
        move_label=_("🔁 Move") if view.can_move else None,
        extend_label=_("⏱ More time") if view.can_extend else None,
    )
    return Screen(text, markup)


def cancel_screen(view: ClientBooking, deps: BookingDeps) -> Screen:
    """The refund the policy gives now, shown before the client agrees."""
    booking, refund = view.booking, view.refund_if_cancelled
    paid = booking.paid - booking.refunded - view.returning
    if paid <= 0:
        refund_text = _("Nothing was paid, so there is nothing to refund.")
    elif refund >= paid:
        refund_text = _("You get everything back: {refund}.").format(refund=money(refund))
    elif refund > 0:
        refund_text = _(
            "Under the cancellation rules you get back {refund} of the {paid} you paid."
        ).format(refund=money(refund), paid=money(paid))
    else:
        refund_text = _(
            "Under the cancellation rules the {paid} you paid is not refunded."
        ).format(paid=money(paid))
    text = _("Cancel booking {code} ({hall}, {date}, {start})?\n{refund}").format(
        code=booking.code, refund=refund_text, **_when(view, deps)
    )
    markup = cancel_confirm_keyboard(booking.id, refund, yes=_("Yes, cancel"), no=_("No, keep it"))
    return Screen(text, markup)


def cancelled_screen(code: str, refund: int) -> Screen:
    if refund > 0:
        text = _("Booking {code} is cancelled. A refund of {refund} is on its way.").format(
            code=code, refund=money(refund)
        )
    else:
        text = _("Booking {code} is cancelled.").format(code=code)
    return Screen(text, single_button_keyboard(_("📋 My bookings"), MyListCallback(past=False)))


def pay_choice_screen(view: ClientBooking, deps: BookingDeps) -> Screen:
    text = _("Booking {code}: {amount} to pay ({kind}).\nChoose the payment method:").format(
        code=view.booking.code, amount=money(view.due_now), kind=kind_text(view.due_kind)
    )
    return Screen(text, pay_gateway_keyboard(view.booking.id, gateways(deps), _("‹ Back")))


def pay_ready_screen(view: ClientBooking, payment: Payment) -> Screen:
    text = _(
        "Booking {code}: {amount} to pay ({kind}).\n"
        "Press the button to pay; the confirmation will come here."
    ).format(code=view.booking.code, amount=money(payment.amount), kind=kind_text(payment.kind))
    url = payment.confirmation_url
    return Screen(text, pay_keyboard_for(view.booking.id, url, payment.amount), link_text(url))
