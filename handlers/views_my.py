"""Screens of "my bookings": the lists, one booking, cancel confirmation, payment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clients import ClientBooking, client_bookings
from booking.deps import BookingDeps
from bot.texts import Texts
from db.models import Payment
from handlers.common import Screen
from handlers.views import gateways, hall_name
from keyboards.bookings import (
    booking_keyboard,
    bookings_keyboard,
    cancel_confirm_keyboard,
    pay_gateway_keyboard,
)
from keyboards.callbacks import MyListCallback
from keyboards.menu import single_button_keyboard
from keyboards.payment import pay_keyboard


def status_of(view: ClientBooking) -> str:
    """A hold past its time shows as expired before the sweeper marks it."""
    status = view.booking.status
    if status == "pending_payment" and not view.upcoming and view.due_kind is None:
        return "expired"
    return status


def _when(t: Texts, view: ClientBooking, deps: BookingDeps) -> dict[str, str]:
    tz = deps.rules.tz
    start, end = view.booking.start_at.astimezone(tz), view.booking.end_at.astimezone(tz)
    return {
        "hall": hall_name(view.hall, t),
        "date": t.date(start.date()),
        "start": t.time(start),
        "end": t.time(end),
    }


#: Bookings a page of "my bookings" lists.
PAGE = 10


async def bookings_screen(
    session: AsyncSession,
    deps: BookingDeps,
    t: Texts,
    telegram_id: int,
    *,
    past: bool,
    page: int = 0,
) -> Screen:
    """A page of the client's bookings; a page gone meanwhile (bookings moved from upcoming
    to past) shows the first."""
    views = await client_bookings(
        session, deps, telegram_id, past=past, limit=PAGE + 1, offset=page * PAGE
    )
    if not views and page > 0:
        return await bookings_screen(session, deps, t, telegram_id, past=past)
    more, views = len(views) > PAGE, views[:PAGE]
    tz = deps.rules.tz
    items = []
    for view in views:
        start = view.booking.start_at.astimezone(tz)
        label = t(
            "my.item",
            date=t.day_month(start.date()),
            start=t.time(start),
            hall=hall_name(view.hall, t),
            status=t(f"status.{status_of(view)}"),
        )
        items.append((view.booking.id, label))
    key = "my.past" if past else "my.upcoming"
    title = t(key) if items else t(f"{key}_none")
    switch = t("my.to_upcoming") if past else t("my.to_past")
    markup = bookings_keyboard(
        items,
        past=past,
        switch=switch,
        menu=t("menu.home"),
        page=page,
        previous=t("my.previous") if page > 0 else None,
        following=t("my.next") if more else None,
    )
    return Screen(title, markup)


def booking_screen(t: Texts, view: ClientBooking, deps: BookingDeps) -> Screen:
    booking = view.booking
    text = t(
        "booking.details",
        code=booking.code,
        status=t(f"status.{status_of(view)}"),
        total=t.money(booking.total),
        paid=t.money(booking.paid),
        **_when(t, view, deps),
    )
    if booking.refunded:
        text += t("booking.refunded", refunded=t.money(booking.refunded))
    pay_label = None
    if view.due_now > 0 and view.due_kind is not None:
        text += t("booking.due", due=t.money(view.due_now), kind=t(f"kind.{view.due_kind}"))
        if booking.status == "pending_payment" and booking.hold_expires_at is not None:
            text += t(
                "booking.hold_until",
                until=t.time(booking.hold_expires_at.astimezone(deps.rules.tz)),
            )
        key = "booking.pay_balance" if view.due_kind == "balance" else "booking.pay"
        pay_label = t(key, amount=t.money(view.due_now))
    markup = booking_keyboard(
        booking.id,
        pay_label=pay_label,
        cancel_label=t("booking.cancel") if view.can_cancel else None,
        back=t("back"),
        past=not view.upcoming,
    )
    return Screen(text, markup)


def cancel_screen(t: Texts, view: ClientBooking, deps: BookingDeps) -> Screen:
    """The refund the policy gives now, shown before the client agrees."""
    booking, refund = view.booking, view.refund_if_cancelled
    paid = booking.paid - booking.refunded
    if paid <= 0:
        refund_text = t("cancel.nothing_paid")
    elif refund >= paid:
        refund_text = t("cancel.full_refund", refund=t.money(refund))
    elif refund > 0:
        refund_text = t("cancel.part_refund", refund=t.money(refund), paid=t.money(paid))
    else:
        refund_text = t("cancel.no_refund", paid=t.money(paid))
    text = t("cancel.ask", code=booking.code, refund=refund_text, **_when(t, view, deps))
    markup = cancel_confirm_keyboard(booking.id, refund, yes=t("cancel.yes"), no=t("cancel.no"))
    return Screen(text, markup)


def cancelled_screen(t: Texts, code: str, refund: int) -> Screen:
    text = (
        t("cancel.done_refund", code=code, refund=t.money(refund))
        if refund > 0
        else t("cancel.done", code=code)
    )
    return Screen(text, single_button_keyboard(t("booking.my"), MyListCallback(past=False)))


def pay_choice_screen(t: Texts, view: ClientBooking, deps: BookingDeps) -> Screen:
    text = t(
        "pay.choose",
        code=view.booking.code,
        amount=t.money(view.due_now),
        kind=t(f"kind.{view.due_kind}"),
    )
    return Screen(text, pay_gateway_keyboard(view.booking.id, gateways(deps, t), t("back")))


def pay_ready_screen(t: Texts, view: ClientBooking, payment: Payment) -> Screen:
    amount = t.money(payment.amount)
    text = t("pay.ready", code=view.booking.code, amount=amount, kind=t(f"kind.{payment.kind}"))
    url = payment.confirmation_url
    markup = pay_keyboard(
        view.booking.id,
        url=url,
        pay_label=t("pay.button", amount=amount),
        retry_label=t("pay.retry"),
        cancel_label=t("booking.cancel"),
        my_label=t("booking.my"),
    )
    return Screen(text, markup, t("pay.link", url=url) if url else None)
