"""The admin's longer texts: the command help with the halls, and the period's stats."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from booking.stats import PeriodStats
from db.models import Hall
from handlers.admin_views import hall_name
from i18n.catalogs import gettext as _
from i18n.formats import amount as rub


def help_text(halls: Sequence[Hall]) -> str:
    lines = [
        _("{id} · <code>{slug}</code> · {name} · {price} ₽/h{hidden}").format(
            id=h.id,
            slug=escape(h.slug),
            name=hall_name(h),
            price=rub(h.hourly_price),
            hidden="" if h.active else _(" (hidden)"),
        )
        for h in halls
    ]
    return (
        _(
            "<b>Admin commands</b>\n"
            "/today — today's bookings\n"
            "/day 2026-12-05 — bookings on a day (or “tomorrow”)\n"
            "/booking CODE — a booking by its code\n"
            "/confirm CODE [amount] — paid in cash (prepayment, then the balance; 0: unpaid)\n"
            "/cancel CODE reason — cancel with a full refund\n"
            "/refund CODE amount|all [reason] — refund an amount\n"
            "/settle ID yes|no [note] — settle a refund the service cannot tell was made\n"
            "   (ID from /booking; check the payment in the gateway's cabinet first)\n"
            "/close all|hall 2026-12-05 10:00 18:00 [force] [reason] — close a hall/studio\n"
            "   (period: date [time] [date] [time]; a date without a time is the whole day)\n"
            "/reopen ID — remove a closure\n"
            "/closures — current and future closures\n"
            "/price hall 2800 — a hall's hourly price (bookings keep their total)\n"
            "/stats [2026-12-01 2026-12-31 | 2026-12] — stats (this month by default)\n"
            "/promo CODE 20%|500 [uses] [from] [to] — a promo code; /promos; /promo_off CODE\n"
            "Amounts in rubles: 2500 or 2500.50. A hall is its number or code.\n"
            "\n<b>Halls</b>\n{halls}"
        ).format(halls="\n".join(lines) or "—")
        + "\n\n"
        + _(
            "<b>Clients</b>\n"
            "/new — book for a client who called (cash, unpaid or a payment link)\n"
            "/move CODE 2026-12-05 15:00 [hall] — move a booking (no cutoff or limit)\n"
            "/overtime CODE 30 — overtime after a session: the client gets a payment link\n"
            "/noshow CODE — the client did not come (after the start; nothing is refunded)\n"
            "/block PHONE|TELEGRAM_ID|CODE [reason] — no more online bookings; /unblock the same\n"
            "/certificate CODE — a gift certificate's balance; /certificate 5000 issues one\n"
            "/calendar — the calendar addresses for staff\n"
            "/whoami — your Telegram id and role\n"
            "\n🔒 Owners only: /price, /close, /reopen, /promo, /promo_off, /certificate 5000, "
            "/calendar new, and refunds above ADMIN_REFUND_LIMIT."
        )
    )


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


def stats_text(stats: PeriodStats) -> str:
    counts = stats.by_status
    halls = "\n".join(
        _("{name}: {percent}% — {booked} h of {open} h").format(
            name=hall_name(h.hall),
            percent=round(h.ratio * 100),
            booked=_hours(h.booked_minutes),
            open=_hours(h.open_minutes),
        )
        for h in stats.halls
    )
    pending = stats.refunds_pending
    text = _(
        "<b>Stats for {first} — {last}</b> (by session date)\n"
        "Bookings: {count} — confirmed {confirmed}, cancelled {cancelled}, "
        "awaiting payment {pending}, expired {expired}\n"
        "Paid: {paid} ₽\n"
        "Refunds: {refunds} for {refunded} ₽{refunds_pending}\n"
        "<b>Revenue: {revenue} ₽</b>\n"
        "Add-ons sold: {addons} ₽; discounts given: {discounts} ₽\n"
        "\n<b>Occupancy</b>\n{halls}"
    ).format(
        first=f"{stats.first:%d.%m.%Y}",
        last=f"{stats.last:%d.%m.%Y}",
        count=sum(counts.values()),
        confirmed=counts.get("confirmed", 0) + counts.get("completed", 0),
        cancelled=counts.get("cancelled", 0),
        pending=counts.get("pending_payment", 0),
        expired=counts.get("expired", 0),
        paid=rub(stats.paid),
        refunds=stats.refunds,
        refunded=rub(stats.refunded),
        refunds_pending=(
            _(" ({amount} ₽ more in progress)").format(amount=rub(pending)) if pending else ""
        ),
        revenue=rub(stats.revenue),
        addons=rub(stats.addon_revenue),
        discounts=rub(stats.discounts),
        halls=halls or "—",
    )
    main, _gap, occupancy = text.partition("\n\n")
    missed = _("No-shows: {count}").format(count=counts.get("no_show", 0))
    return f"{main}\n{_money_split(stats)}\n{missed}\n\n{occupancy}"


def _money_split(stats: PeriodStats) -> str:
    """Of what was paid, the cash admins recorded; and what confirmed bookings still owe."""
    return _("In cash: {cash} ₽; owed by confirmed bookings: {unpaid} ₽").format(
        cash=rub(stats.cash), unpaid=rub(stats.unpaid)
    )
