"""What admin commands answer (HTML), in the admin's language; anything people typed (names,
reasons) is escaped before it goes into a message. How they refuse is in
handlers.admin_refusals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from booking.admin_ops import BookingCard, BookingView
from booking.pricing import money_state
from db.models import Booking, Closure, Hall
from handlers.sale_lines import price, sale_text
from i18n.catalogs import N_, current_language
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub
from i18n.paid import paid_sentence
from notifications.telegram import split_utf16, utf16_length

STATUSES = {
    "pending_payment": N_("⏳ awaiting payment until {hold}"),
    "confirmed": N_("✅ confirmed"),
    "completed": N_("☑️ completed"),
    "cancelled": N_("❌ cancelled"),
    "expired": N_("⌛ expired"),
    "no_show": N_("🚷 no-show"),
}
MODES = {"prepay": N_("prepayment"), "full": N_("full payment")}
SOURCES = {"telegram": "Telegram", "web": N_("website"), "admin": N_("admin")}
GATEWAYS = {
    "yookassa": N_("YooKassa"),
    "tinkoff": N_("T-Bank"),
    "sberpay": N_("SberPay"),
    "mock": N_("test payment"),
    "cash": N_("cash"),
}
KINDS = {"prepayment": N_("prepayment"), "full": N_("full price"), "balance": N_("balance")}
PAYMENT_STATUSES = {
    "pending": N_("awaiting payment"),
    "authorized": N_("authorised, not charged"),
    "succeeded": N_("paid"),
    "canceled": N_("not paid"),
    "refunded": N_("refunded"),
    "partially_refunded": N_("partly refunded"),
}
REFUND_STATUSES = {
    "succeeded": N_("done"),
    "pending": N_("in progress"),
    "canceled": N_("not made"),
}


def hall_name(hall: Hall) -> str:
    return escape(hall.name_en if current_language() == "en" and hall.name_en else hall.name)


def _client(view: BookingView | BookingCard) -> str:
    client = view.client
    parts = [client.name, client.phone or "", f"@{client.username}" if client.username else ""]
    if isinstance(view, BookingCard):
        parts.append(client.email or "")
    return escape(" ".join(p for p in parts if p)) or "—"


def _status(view: BookingView | BookingCard, tz: ZoneInfo) -> str:
    hold = view.booking.hold_expires_at
    text = _(STATUSES[view.booking.status])
    return text.format(hold=f"{hold.astimezone(tz):%H:%M}" if hold else "—")


def _named(names: dict[str, str], code: str) -> str:
    """A stored code in words, or the code itself for one this version does not know."""
    return _(names[code]) if code in names else escape(code)


def booking_line(view: BookingView, tz: ZoneInfo) -> str:
    booking = view.booking
    parts = [paid_sentence(money_state(booking, returning=view.returning)).removesuffix(".")]
    if booking.status == "confirmed" and booking.paid == 0 and booking.total > 0:
        parts.append(_("⚠️ unpaid"))  # confirmed on trust (/new, /confirm CODE 0)
    money = " · ".join(part for part in parts if part)
    sold = sale_text(booking)
    return (
        _("{start}–{end} · {hall} · <code>{code}</code> · {client}\n   {status}").format(
            start=f"{booking.start_at.astimezone(tz):%H:%M}",
            end=f"{booking.end_at.astimezone(tz):%H:%M}",
            hall=hall_name(view.hall),
            code=booking.code,
            client=_client(view),
            status=_status(view, tz),
        )
        + (f" · {money}" if money else "")
        + (f"\n   {sold}" if sold else "")
        + change_due_line(booking, "\n   ")
    )


def change_due_line(booking: Booking, prefix: str) -> str:
    """A change waiting for its money (unpaid overtime, a dearer move): what it asks."""
    if booking.change_due <= 0:
        return ""
    return prefix + _("⏱ Unpaid change or overtime: {due} ₽").format(due=rub(booking.change_due))


def dated_line(view: BookingView, tz: ZoneInfo) -> str:
    return f"{view.booking.start_at.astimezone(tz):%d.%m} " + booking_line(view, tz)


def day_text(day: str, views: Sequence[BookingView], tz: ZoneInfo) -> str:
    if not views:
        return _("No bookings on {date}.").format(date=day)
    lines = [booking_line(v, tz) for v in views]
    title = _("<b>Bookings on {date}</b> ({count})").format(date=day, count=len(views))
    return title + "\n\n" + "\n\n".join(lines)


def card_text(card: BookingCard, tz: ZoneInfo) -> str:
    b = card.booking
    start, end = b.start_at.astimezone(tz), b.end_at.astimezone(tz)
    due = b.total - b.paid if b.status in ("pending_payment", "confirmed") else 0
    parts = [
        _(
            "<b>Booking {code}</b> — {status}\n"
            "{hall}, {date} {start}–{end}\n"
            "Client: {client}\n"
            "Total {total} ₽, paid {paid} ₽, refunded {refunded} ₽, due {due} ₽\n"
            "Payment: {mode}, source: {source}"
        ).format(
            code=b.code,
            status=_status(card, tz),
            hall=hall_name(card.hall),
            date=f"{start:%d.%m.%Y}",
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
            client=_client(card),
            total=rub(price(b)),
            paid=rub(b.paid),
            refunded=rub(b.refunded),
            due=rub(max(0, due)),
            mode=_named(MODES, b.payment_mode),
            source=_named(SOURCES, b.source),
        )
    ]
    sold = sale_text(b)
    if sold:
        parts.append(sold)
    if b.booked_by is not None:
        parts.append(_("Taken for the client by admin {id}").format(id=b.booked_by))
    if b.change_due > 0:
        parts.append(change_due_line(b, ""))
    if b.cancel_reason:
        parts.append(_("Cancelled because: {reason}").format(reason=escape(b.cancel_reason)))
    if card.payments:
        parts.append(_("<b>Payments</b>"))
        parts += [
            f"#{p.id} {_named(GATEWAYS, p.gateway)} · {_named(KINDS, p.kind)} · "
            f"{rub(p.amount)} ₽ · {_named(PAYMENT_STATUSES, p.status)}"
            for p in card.payments
        ]
    if card.refunds:
        parts.append(_("<b>Refunds</b>"))
        parts += [
            f"#{r.id} {rub(r.amount)} ₽ · {_named(REFUND_STATUSES, r.status)}"
            + (f" ({escape(r.error)})" if r.error else "")
            for r in card.refunds
        ]
    return "\n".join(parts)


def refund_line(amount: int, status: str, error: str | None) -> str:
    if status == "pending" and error:
        said = _("failed ({error}), will be retried automatically").format(error=escape(error))
    elif status == "canceled":
        said = _("declined by the gateway")
    else:
        said = _named(REFUND_STATUSES, status)
    return _("Refund {amount} ₽: {status}").format(amount=rub(amount), status=said)


def period_text(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return f"{a:%d.%m.%Y %H:%M}–{b:%H:%M}"
    return f"{a:%d.%m.%Y %H:%M} – {b:%d.%m.%Y %H:%M}"


def target_text(hall: Hall | None) -> str:
    return hall_name(hall) if hall is not None else _("the whole studio")


def closure_conflict_text(lines: str, command: str) -> str:
    """The bookings in the way and the forcing command, which repeats the typed reason."""
    return _(
        "The period overlaps bookings:\n{lines}\n\n"
        "To close anyway (the bookings stay; cancel them with /cancel):\n"
        "<code>{command}</code>"
    ).format(lines=lines, command=escape(command))


def closures_text(items: Sequence[tuple[Closure, Hall | None]], tz: ZoneInfo) -> str:
    if not items:
        return _("No closures.")
    lines = [
        "{id} · {target} · {period}{reason}".format(
            id=c.id,
            target=target_text(h),
            period=period_text(c.start_at, c.end_at, tz),
            reason=f" — {escape(c.reason)}" if c.reason else "",
        )
        for c, h in items
    ]
    return _("<b>Closures</b>") + "\n" + "\n".join(lines)


def chunks(text: str, limit: int = 4000) -> list[str]:
    """Split a long message at blank lines (then lines) to fit Telegram's 4096 characters."""
    out: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        for piece in [block] if utf16_length(block) <= limit else block.split("\n"):
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_length(candidate) <= limit:
                current = candidate
            else:
                if current:
                    out.append(current)
                current = split_utf16(piece, limit)[0]
    if current:
        out.append(current)
    return out
