"""Texts of proactive messages, Russian first and English second, chosen by the language."""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "ru": {
        "created.subject": "Бронь {code}: ожидает оплаты",
        "created": (
            "Бронь {code} создана: {hall}, {when}.\n"
            "К оплате: {due} ₽ до {hold_until}. Без оплаты бронь снимется автоматически."
        ),
        "confirmed.subject": "Бронь {code} подтверждена",
        "confirmed": (
            "Бронь {code} подтверждена ✅\n{hall}, {when}.\n{address}\n"
            "Оплачено: {paid} ₽ из {total} ₽.{balance_line}"
        ),
        "balance_line": "\nОстаток {balance} ₽ можно оплатить в боте или в студии.",
        "balance_paid.subject": "Бронь {code}: доплата получена",
        "balance_paid": (
            "Получена оплата {amount} ₽ по брони {code}. Оплачено {paid} ₽ из {total} ₽."
        ),
        "book_again": "📅 Забронировать снова",
        "expired.subject": "Бронь {code} снята",
        "expired": (
            "Время на оплату брони {code} ({hall}, {when}) истекло, бронь снята. "
            "Вы можете забронировать снова."
        ),
        "cancelled.subject": "Бронь {code} отменена",
        "cancelled": "Бронь {code} ({hall}, {when}) отменена.{refund_line}",
        "refund_line": "\nВозврат: {refund} ₽.",
        "refunded.subject": "Возврат по брони {code}",
        "refunded": "Возврат {amount} ₽ по брони {code} выполнен.",
        "late_refunded.subject": "Бронь {code}: оплата возвращается",
        "late_refunded": (
            "Оплата {amount} ₽ по брони {code} пришла, когда время уже было недоступно. "
            "Деньги возвращаются полностью."
        ),
        "reminder.subject": "Напоминание: {hall}, {when}",
        "reminder": "Напоминаем: через {hours} ч у вас съёмка — {hall}, {when}.\n{address}",
        "ics.summary": "Фотостудия: {hall}",
        "ics.description": "Бронь {code}",
        "admin.created": "🆕 Новая бронь {code}: {hall}, {when}, {client}. Сумма {total} ₽.",
        "admin.confirmed": (
            "💳 Оплачена бронь {code}: {hall}, {when}, {client}. Оплачено {paid} ₽."
        ),
        "admin.balance_paid": "💳 Доплата {amount} ₽ по брони {code}.",
        "admin.cancelled": "❌ Отменена бронь {code}: {hall}, {when}. Возврат {refund} ₽.",
        "admin.late_refunded": (
            "⚠️ Оплата {amount} ₽ по брони {code} пришла поздно (слот недоступен), "
            "оформлен возврат."
        ),
        "admin.refund_failed": (
            "⚠️ Не удался возврат {amount} ₽ по брони {code}: {error}. Повтор будет автоматически."
        ),
        "admin.refund_canceled": (
            "⚠️ Возврат {amount} ₽ по брони {code} не выполнен: {error}. Повторов не будет."
        ),
        "admin.refund_in_doubt": (
            "⚠️ Возврат {amount} ₽ по брони {code} (№ {refund_id}) ждёт проверки: {error}. "
            "Посмотрите платёж в кабинете и отметьте возврат: /settle {refund_id} да|нет "
            "в боте или POST /api/refunds/{refund_id}/settle."
        ),
        "admin.payment_stuck": (
            "⚠️ Платёж {amount} ₽ по брони {code} (№ {payment_id}, {gateway}) так и не "
            "получил ответа от шлюза: срок оплаты давно истёк, а платёж всё ещё ждёт. "
            "Проверьте его в кабинете шлюза."
        ),
        "admin.audit_failed": (
            "⚠️ Ежедневная сверка денег за {day} нашла расхождения: {count}.\n{details}\n"
            "Полный отчёт: python main.py audit"
        ),
        "audit.paid": "оплачено не равно сумме платежей",
        "audit.refunded": "возвращено не равно сумме возвратов",
        "audit.refund_above_payment": "возвраты больше платежа",
        "audit.payment_refunded": "у платежа неверная сумма возвратов",
        "audit.unused_payment": "деньги не засчитаны ни в одну бронь и не возвращаются",
        "audit.orphan": "платёж или возврат без своей брони",
        "audit.unpaid_confirmed": "бронь подтверждена без оплаты и без подтверждения админа",
        "audit.overlap": "брони одного зала пересекаются",
        "audit.stuck_payment": "платёж завис, а админам не сообщили",
    },
    "en": {
        "created.subject": "Booking {code}: awaiting payment",
        "created": (
            "Booking {code} created: {hall}, {when}.\n"
            "To pay: {due} ₽ by {hold_until}. Unpaid, the booking is released automatically."
        ),
        "confirmed.subject": "Booking {code} confirmed",
        "confirmed": (
            "Booking {code} is confirmed ✅\n{hall}, {when}.\n{address}\n"
            "Paid: {paid} ₽ of {total} ₽.{balance_line}"
        ),
        "balance_line": "\nThe balance of {balance} ₽ can be paid in the bot or at the studio.",
        "balance_paid.subject": "Booking {code}: payment received",
        "balance_paid": "Received {amount} ₽ for booking {code}. Paid {paid} ₽ of {total} ₽.",
        "book_again": "📅 Book again",
        "expired.subject": "Booking {code} released",
        "expired": (
            "The time to pay for booking {code} ({hall}, {when}) ran out and it was released. "
            "You are welcome to book again."
        ),
        "cancelled.subject": "Booking {code} cancelled",
        "cancelled": "Booking {code} ({hall}, {when}) is cancelled.{refund_line}",
        "refund_line": "\nRefund: {refund} ₽.",
        "refunded.subject": "Refund for booking {code}",
        "refunded": "A refund of {amount} ₽ for booking {code} has been made.",
        "late_refunded.subject": "Booking {code}: payment refunded",
        "late_refunded": (
            "Your payment of {amount} ₽ for booking {code} arrived when the time was no longer "
            "available. It is being refunded in full."
        ),
        "reminder.subject": "Reminder: {hall}, {when}",
        "reminder": "A reminder: your session is in {hours} h — {hall}, {when}.\n{address}",
        "ics.summary": "Photo studio: {hall}",
        "ics.description": "Booking {code}",
        "admin.created": "🆕 New booking {code}: {hall}, {when}, {client}. Total {total} ₽.",
        "admin.confirmed": "💳 Booking {code} paid: {hall}, {when}, {client}. Paid {paid} ₽.",
        "admin.balance_paid": "💳 Balance of {amount} ₽ paid for booking {code}.",
        "admin.cancelled": "❌ Booking {code} cancelled: {hall}, {when}. Refund {refund} ₽.",
        "admin.late_refunded": (
            "⚠️ A payment of {amount} ₽ for booking {code} came late (the time was taken); "
            "it is being refunded."
        ),
        "admin.refund_failed": (
            "⚠️ A refund of {amount} ₽ for booking {code} failed: {error}. "
            "It will be retried automatically."
        ),
        "admin.refund_canceled": (
            "⚠️ A refund of {amount} ₽ for booking {code} was not made: {error}. "
            "It will not be retried."
        ),
        "admin.refund_in_doubt": (
            "⚠️ A refund of {amount} ₽ for booking {code} (no. {refund_id}) needs checking: "
            "{error}. Look the payment up in the gateway's cabinet and settle the refund: "
            "/settle {refund_id} yes|no in the bot, or POST /api/refunds/{refund_id}/settle."
        ),
        "admin.payment_stuck": (
            "⚠️ A payment of {amount} ₽ for booking {code} (no. {payment_id}, {gateway}) "
            "never got the gateway's final word: its time to pay ran out long ago and it is "
            "still waiting. Look it up in the gateway's cabinet."
        ),
        "admin.audit_failed": (
            "⚠️ The daily money audit of {day} found {count} problem(s).\n{details}\n"
            "The full report: python main.py audit"
        ),
        "audit.paid": "paid is not the sum of the payments",
        "audit.refunded": "refunded is not the sum of the refunds",
        "audit.refund_above_payment": "refunds above the payment",
        "audit.payment_refunded": "a payment's refunded total is wrong",
        "audit.unused_payment": "money counted in no booking and not being returned",
        "audit.orphan": "a payment or refund without its booking",
        "audit.unpaid_confirmed": "confirmed with nothing paid and no admin's confirmation",
        "audit.overlap": "bookings of one hall overlap",
        "audit.stuck_payment": "a payment stuck, admins not told",
    },
}


def is_russian(language: str | None) -> bool:
    """Russian for Russian speakers and for anyone whose language is unknown."""
    return (language or "ru").lower().startswith("ru")


def text(language: str, key: str, **values: object) -> str:
    """The message in the user's language (English for non-Russian speakers)."""
    lang = "ru" if is_russian(language) else "en"
    template = TEXTS[lang].get(key) or TEXTS["ru"][key]
    return template.format(**values)
