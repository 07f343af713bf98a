"""Texts of the admin commands (HTML), Russian first and English second, and their renderers.

Anything people typed (names, reasons) is escaped before it goes into a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Final
from zoneinfo import ZoneInfo

from booking.admin_ops import BookingCard, BookingView
from booking.stats import PeriodStats
from db.models import Closure, Hall
from notifications.outbox import rub
from notifications.telegram import split_utf16, utf16_length

TEXTS: Final[dict[str, dict[str, str]]] = {
    "ru": {
        "help": (
            "<b>Команды администратора</b>\n"
            "/today — брони на сегодня\n"
            "/day 2026-12-05 — брони на дату (или «завтра»)\n"
            "/booking КОД — бронь по коду\n"
            "/confirm КОД [сумма] — оплата наличными (предоплата, затем остаток; 0 — без оплаты)\n"
            "/cancel КОД причина — отменить с полным возвратом\n"
            "/refund КОД сумма|all [причина] — вернуть сумму\n"
            "/settle ID да|нет [примечание] — отметить возврат, о котором сервис не знает,\n"
            "   сделан ли он (ID из /booking; сначала проверьте платёж в кабинете)\n"
            "/close all|зал 2026-12-05 10:00 18:00 [force] [причина] — закрыть зал или студию\n"
            "   (период: дата [время] [дата] [время]; дата без времени — весь день)\n"
            "/reopen ID — снять закрытие\n"
            "/closures — текущие и будущие закрытия\n"
            "/price зал 2800 — цена часа зала (брони сохраняют свою сумму)\n"
            "/stats [2026-12-01 2026-12-31 | 2026-12] — статистика (по умолчанию месяц)\n"
            "Суммы в рублях: 2500 или 2500.50. Зал — номер или код.\n"
            "\n<b>Залы</b>\n{halls}"
        ),
        "hall_line": "{id} · <code>{slug}</code> · {name} · {price} ₽/ч{inactive}",
        "inactive": " (скрыт)",
        "usage": "Формат: {usage}",
        "usage.day": "/day 2026-12-05",
        "usage.booking": "/booking КОД",
        "usage.confirm": "/confirm КОД [сумма]",
        "usage.cancel": "/cancel КОД причина",
        "usage.refund": "/refund КОД сумма|all [причина]",
        "usage.close": "/close all|зал 2026-12-05 10:00 2026-12-05 18:00 [force] [причина]",
        "usage.reopen": "/reopen ID",
        "usage.price": "/price зал 2800",
        "usage.stats": "/stats 2026-12-01 2026-12-31",
        "usage.settle": "/settle ID да|нет [примечание]",
        "day.title": "<b>Брони на {date}</b> ({count})",
        "day.empty": "На {date} броней нет.",
        "line": "{start}–{end} · {hall} · <code>{code}</code> · {client}\n   {status} · {money}",
        "money": "оплачено {paid} из {total} ₽",
        "money.refunded": "оплачено {paid} из {total} ₽, возвращено {refunded} ₽",
        "status.pending_payment": "⏳ ждёт оплаты до {hold}",
        "status.confirmed": "✅ подтверждена",
        "status.completed": "☑️ завершена",
        "status.cancelled": "❌ отменена",
        "status.expired": "⌛ истекла",
        "card": (
            "<b>Бронь {code}</b> — {status}\n"
            "{hall}, {date} {start}–{end}\n"
            "Клиент: {client}\n"
            "Сумма {total} ₽, оплачено {paid} ₽, возвращено {refunded} ₽, к оплате {due} ₽\n"
            "Оплата: {mode}, источник: {source}"
        ),
        "card.reason": "Причина отмены: {reason}",
        "card.payments": "<b>Платежи</b>",
        "card.payment": "#{id} {gateway} · {kind} · {amount} ₽ · {status}",
        "card.refunds": "<b>Возвраты</b>",
        "card.refund": "#{id} {amount} ₽ · {status}{error}",
        "mode.prepay": "предоплата",
        "mode.full": "полная",
        "confirmed": "✅ Бронь <code>{code}</code> подтверждена. Оплачено {paid} из {total} ₽.",
        "cancelled": "❌ Бронь <code>{code}</code> отменена. Возврат {refund} ₽.",
        "cancelled.none": "❌ Бронь <code>{code}</code> отменена. Возвращать нечего.",
        "refund.line": "Возврат {amount} ₽: {status}",
        "refund.partial": "Вернуть удалось {done} из {asked} ₽ — проверьте /booking {code}.",
        "refund.succeeded": "выполнен",
        "refund.pending": "в обработке",
        "refund.failed": "не удался ({error}), повторим автоматически",
        "refund.canceled": "отклонён платёжной системой",
        "refunded": "↩️ Бронь <code>{code}</code>:\n{lines}",
        "closed": "🚫 Закрыто: {target}, {period}. Номер закрытия: {id}. Снять: /reopen {id}",
        "closed.forced": "Брони в этот период остались, при необходимости /cancel:\n{lines}",
        "closure.conflict": (
            "Период пересекается с бронями:\n{lines}\n\n"
            "Закрыть всё равно (брони останутся, их можно отменить через /cancel):\n"
            "<code>{command}</code>"
        ),
        "all_halls": "вся студия",
        "reopened": "✅ Закрытие {id} снято: {target}, {period}.",
        "closures.title": "<b>Закрытия</b>",
        "closures.empty": "Закрытий нет.",
        "closure.line": "{id} · {target} · {period}{reason}",
        "price": "💰 {hall}: {old} → {new} ₽/ч. Прежние брони сохраняют свою сумму.",
        "stats": (
            "<b>Статистика за {first} — {last}</b> (по дате съёмки)\n"
            "Брони: {count} — подтверждено {confirmed}, отменено {cancelled}, "
            "ждут оплаты {pending}, истекли {expired}\n"
            "Оплачено: {paid} ₽\n"
            "Возвраты: {refunds} на {refunded} ₽{refunds_pending}\n"
            "<b>Выручка: {revenue} ₽</b>\n"
            "\n<b>Загрузка залов</b>\n{halls}"
        ),
        "stats.pending": " (ещё {amount} ₽ в обработке)",
        "stats.hall": "{name}: {percent}% — {booked} ч из {open} ч",
        "error.booking_not_found": "Бронь {arg} не найдена.",
        "error.hall_not_found": "Зал {arg} не найден. Залы: /admin",
        "error.closure_not_found": "Закрытие {arg} не найдено. Список: /closures",
        "error.invalid_state": "Нельзя: {message}",
        "error.slot_taken": "Нельзя подтвердить: время уже занято другой бронью.",
        "error.bad_amount": "Неверная сумма: {message}",
        "error.not_payable": "Нечего подтверждать: бронь уже подтверждена и оплачена полностью.",
        "error.too_late": "Нельзя: время брони уже началось.",
        "error.refund_too_large": "Слишком большая сумма: {message}",
        "error.nothing_to_refund": "По этой брони нечего возвращать.",
        "error.not_refundable": "Этот платёж нельзя вернуть: {message}",
        "error.refund_not_found": "Возврата #{arg} нет.",
        "error.not_pending": "Возврат #{arg} уже завершён.",
        "error.refund_in_flight": (
            "По возврату #{arg} ещё может идти запрос; повторите через минуту."
        ),
        "settled.made": "☑️ Возврат #{id} на {amount} ₽ отмечен как сделанный.",
        "settled.not_made": "☑️ Возврат #{id} на {amount} ₽ отменён: сумму можно вернуть снова.",
        "error.bad_range": "Неверный период: конец раньше начала.",
        "error.range_too_long": "Слишком длинный период: не больше года.",
        "error.in_past": "Этот период уже прошёл.",
        "error.bad_price": "Неверная цена.",
        "error.gateway_unavailable": "Платёжная система не ответила, попробуйте ещё раз.",
        "error.other": "Не получилось: {message}",
    },
    "en": {
        "help": (
            "<b>Admin commands</b>\n"
            "/today — today's bookings\n"
            "/day 2026-12-05 — bookings of a day (or “tomorrow”)\n"
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
            "Amounts in rubles: 2500 or 2500.50. A hall is its number or code.\n"
            "\n<b>Halls</b>\n{halls}"
        ),
        "hall_line": "{id} · <code>{slug}</code> · {name} · {price} ₽/h{inactive}",
        "inactive": " (hidden)",
        "usage": "Usage: {usage}",
        "usage.day": "/day 2026-12-05",
        "usage.booking": "/booking CODE",
        "usage.confirm": "/confirm CODE [amount]",
        "usage.cancel": "/cancel CODE reason",
        "usage.refund": "/refund CODE amount|all [reason]",
        "usage.close": "/close all|hall 2026-12-05 10:00 2026-12-05 18:00 [force] [reason]",
        "usage.reopen": "/reopen ID",
        "usage.price": "/price hall 2800",
        "usage.stats": "/stats 2026-12-01 2026-12-31",
        "usage.settle": "/settle ID yes|no [note]",
        "day.title": "<b>Bookings of {date}</b> ({count})",
        "day.empty": "No bookings on {date}.",
        "line": "{start}–{end} · {hall} · <code>{code}</code> · {client}\n   {status} · {money}",
        "money": "paid {paid} of {total} ₽",
        "money.refunded": "paid {paid} of {total} ₽, refunded {refunded} ₽",
        "status.pending_payment": "⏳ awaiting payment until {hold}",
        "status.confirmed": "✅ confirmed",
        "status.completed": "☑️ completed",
        "status.cancelled": "❌ cancelled",
        "status.expired": "⌛ expired",
        "card": (
            "<b>Booking {code}</b> — {status}\n"
            "{hall}, {date} {start}–{end}\n"
            "Client: {client}\n"
            "Total {total} ₽, paid {paid} ₽, refunded {refunded} ₽, due {due} ₽\n"
            "Payment: {mode}, source: {source}"
        ),
        "card.reason": "Cancelled because: {reason}",
        "card.payments": "<b>Payments</b>",
        "card.payment": "#{id} {gateway} · {kind} · {amount} ₽ · {status}",
        "card.refunds": "<b>Refunds</b>",
        "card.refund": "#{id} {amount} ₽ · {status}{error}",
        "mode.prepay": "prepayment",
        "mode.full": "full",
        "confirmed": "✅ Booking <code>{code}</code> confirmed. Paid {paid} of {total} ₽.",
        "cancelled": "❌ Booking <code>{code}</code> cancelled. Refund {refund} ₽.",
        "cancelled.none": "❌ Booking <code>{code}</code> cancelled. Nothing to refund.",
        "refund.line": "Refund {amount} ₽: {status}",
        "refund.partial": "Refunded {done} of {asked} ₽ — check /booking {code}.",
        "refund.succeeded": "done",
        "refund.pending": "in progress",
        "refund.failed": "failed ({error}), will be retried automatically",
        "refund.canceled": "declined by the gateway",
        "refunded": "↩️ Booking <code>{code}</code>:\n{lines}",
        "closed": "🚫 Closed: {target}, {period}. Closure number {id}. Undo: /reopen {id}",
        "closed.forced": "Bookings in this period still stand; cancel them with /cancel:\n{lines}",
        "closure.conflict": (
            "The period overlaps bookings:\n{lines}\n\n"
            "To close anyway (the bookings stay; cancel them with /cancel):\n"
            "<code>{command}</code>"
        ),
        "all_halls": "the whole studio",
        "reopened": "✅ Closure {id} removed: {target}, {period}.",
        "closures.title": "<b>Closures</b>",
        "closures.empty": "No closures.",
        "closure.line": "{id} · {target} · {period}{reason}",
        "price": "💰 {hall}: {old} → {new} ₽/h. Earlier bookings keep their total.",
        "stats": (
            "<b>Stats for {first} — {last}</b> (by session date)\n"
            "Bookings: {count} — confirmed {confirmed}, cancelled {cancelled}, "
            "awaiting payment {pending}, expired {expired}\n"
            "Paid: {paid} ₽\n"
            "Refunds: {refunds} for {refunded} ₽{refunds_pending}\n"
            "<b>Revenue: {revenue} ₽</b>\n"
            "\n<b>Occupancy</b>\n{halls}"
        ),
        "stats.pending": " ({amount} ₽ more in progress)",
        "stats.hall": "{name}: {percent}% — {booked} h of {open} h",
        "error.booking_not_found": "Booking {arg} not found.",
        "error.hall_not_found": "Hall {arg} not found. Halls: /admin",
        "error.closure_not_found": "Closure {arg} not found. List: /closures",
        "error.invalid_state": "Not possible: {message}",
        "error.slot_taken": "Cannot confirm: the time is taken by another booking.",
        "error.bad_amount": "Wrong amount: {message}",
        "error.not_payable": "Nothing to confirm: the booking is confirmed and fully paid.",
        "error.too_late": "Not possible: the booking's time has already begun.",
        "error.refund_too_large": "Amount too large: {message}",
        "error.nothing_to_refund": "Nothing to refund for this booking.",
        "error.not_refundable": "This payment cannot be refunded: {message}",
        "error.refund_not_found": "There is no refund #{arg}.",
        "error.not_pending": "Refund #{arg} is finished already.",
        "error.refund_in_flight": "A call about refund #{arg} may still be under way; "
        "try again in a minute.",
        "settled.made": "☑️ Refund #{id} of {amount} ₽ recorded as made.",
        "settled.not_made": (
            "☑️ Refund #{id} of {amount} ₽ cancelled; the amount can be refunded again."
        ),
        "error.bad_range": "Wrong period: the end is before the start.",
        "error.range_too_long": "The period is too long: a year at most.",
        "error.in_past": "That period is already over.",
        "error.bad_price": "Wrong price.",
        "error.gateway_unavailable": "The payment service did not answer; try again.",
        "error.other": "Failed: {message}",
    },
}


def language_of(code: str | None) -> str:
    """Russian for Russian speakers and anyone unknown, English for the rest."""
    return "ru" if (code or "ru").lower().startswith("ru") else "en"


def t(lang: str, key: str, **values: object) -> str:
    template = TEXTS[lang].get(key) or TEXTS["ru"][key]
    return template.format(**values)


def usage(lang: str, command: str) -> str:
    return t(lang, "usage", usage=escape(t(lang, f"usage.{command}")))


def error_text(lang: str, code: str, message: str, arg: str = "") -> str:
    key = f"error.{code}"
    if key not in TEXTS[lang]:
        key = "error.other"
    return t(lang, key, message=escape(message), arg=escape(arg))


def hall_name(hall: Hall, lang: str) -> str:
    return escape(hall.name if lang == "ru" or not hall.name_en else hall.name_en)


def halls_text(lang: str, halls: Sequence[Hall]) -> str:
    return "\n".join(
        t(
            lang,
            "hall_line",
            id=h.id,
            slug=escape(h.slug),
            name=hall_name(h, lang),
            price=rub(h.hourly_price),
            inactive="" if h.active else t(lang, "inactive"),
        )
        for h in halls
    )


def _client(view: BookingView | BookingCard) -> str:
    client = view.client
    parts = [client.name, client.phone or "", f"@{client.username}" if client.username else ""]
    if isinstance(view, BookingCard):
        parts.append(client.email or "")
    return escape(" ".join(p for p in parts if p)) or "—"


def _status(lang: str, view: BookingView | BookingCard, tz: ZoneInfo) -> str:
    hold = view.booking.hold_expires_at
    return t(
        lang,
        f"status.{view.booking.status}",
        hold=f"{hold.astimezone(tz):%H:%M}" if hold else "—",
    )


def booking_line(lang: str, view: BookingView, tz: ZoneInfo) -> str:
    booking = view.booking
    money_key = "money.refunded" if booking.refunded else "money"
    return t(
        lang,
        "line",
        start=f"{booking.start_at.astimezone(tz):%H:%M}",
        end=f"{booking.end_at.astimezone(tz):%H:%M}",
        hall=hall_name(view.hall, lang),
        code=booking.code,
        client=_client(view),
        status=_status(lang, view, tz),
        money=t(
            lang,
            money_key,
            paid=rub(booking.paid),
            total=rub(booking.total),
            refunded=rub(booking.refunded),
        ),
    )


def dated_line(lang: str, view: BookingView, tz: ZoneInfo) -> str:
    return f"{view.booking.start_at.astimezone(tz):%d.%m} " + booking_line(lang, view, tz)


def day_text(lang: str, day: str, views: Sequence[BookingView], tz: ZoneInfo) -> str:
    if not views:
        return t(lang, "day.empty", date=day)
    lines = [booking_line(lang, v, tz) for v in views]
    return t(lang, "day.title", date=day, count=len(views)) + "\n\n" + "\n\n".join(lines)


def card_text(lang: str, card: BookingCard, tz: ZoneInfo) -> str:
    b = card.booking
    start, end = b.start_at.astimezone(tz), b.end_at.astimezone(tz)
    due = b.total - b.paid if b.status in ("pending_payment", "confirmed") else 0
    parts = [
        t(
            lang,
            "card",
            code=b.code,
            status=_status(lang, card, tz),
            hall=hall_name(card.hall, lang),
            date=f"{start:%d.%m.%Y}",
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
            client=_client(card),
            total=rub(b.total),
            paid=rub(b.paid),
            refunded=rub(b.refunded),
            due=rub(max(0, due)),
            mode=t(lang, f"mode.{b.payment_mode}"),
            source=escape(b.source),
        )
    ]
    if b.cancel_reason:
        parts.append(t(lang, "card.reason", reason=escape(b.cancel_reason)))
    if card.payments:
        parts.append(t(lang, "card.payments"))
        parts += [
            t(
                lang,
                "card.payment",
                id=p.id,
                gateway=escape(p.gateway),
                kind=escape(p.kind),
                amount=rub(p.amount),
                status=escape(p.status),
            )
            for p in card.payments
        ]
    if card.refunds:
        parts.append(t(lang, "card.refunds"))
        parts += [
            t(
                lang,
                "card.refund",
                id=r.id,
                amount=rub(r.amount),
                status=escape(r.status),
                error=f" ({escape(r.error)})" if r.error else "",
            )
            for r in card.refunds
        ]
    return "\n".join(parts)


def refund_status(lang: str, status: str, error: str | None) -> str:
    if status == "pending" and error:
        return t(lang, "refund.failed", error=escape(error))
    return t(lang, f"refund.{status}")


def period_text(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return f"{a:%d.%m.%Y %H:%M}–{b:%H:%M}"
    return f"{a:%d.%m.%Y %H:%M} – {b:%d.%m.%Y %H:%M}"


def target_text(lang: str, hall: Hall | None) -> str:
    return hall_name(hall, lang) if hall is not None else t(lang, "all_halls")


def closure_conflict_text(lang: str, lines: str, command: str) -> str:
    """The bookings in the way and the forcing command, which repeats the typed reason."""
    return t(lang, "closure.conflict", lines=lines, command=escape(command))


def closures_text(lang: str, items: Sequence[tuple[Closure, Hall | None]], tz: ZoneInfo) -> str:
    if not items:
        return t(lang, "closures.empty")
    lines = [
        t(
            lang,
            "closure.line",
            id=c.id,
            target=target_text(lang, h),
            period=period_text(c.start_at, c.end_at, tz),
            reason=f" — {escape(c.reason)}" if c.reason else "",
        )
        for c, h in items
    ]
    return t(lang, "closures.title") + "\n" + "\n".join(lines)


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


def stats_text(lang: str, stats: PeriodStats) -> str:
    counts = stats.by_status
    halls = "\n".join(
        t(
            lang,
            "stats.hall",
            name=hall_name(h.hall, lang),
            percent=round(h.ratio * 100),
            booked=_hours(h.booked_minutes),
            open=_hours(h.open_minutes),
        )
        for h in stats.halls
    )
    pending = stats.refunds_pending
    return t(
        lang,
        "stats",
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
        refunds_pending=t(lang, "stats.pending", amount=rub(pending)) if pending else "",
        revenue=rub(stats.revenue),
        halls=halls or "—",
    )


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
