"""Every client-facing text of the bot: Russian first, English second, one table per language.

Handlers and screens ask a `Texts` bound to the user's language; nothing else holds UI text.
Messages are plain text (no parse mode), so hall names and user input need no escaping.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

LANGUAGES = ("ru", "en")

RU: Final[dict[str, str]] = {
    "menu.book": "📅 Забронировать",
    "menu.my": "📋 Мои брони",
    "menu.halls": "💰 Залы и цены",
    "menu.help": "ℹ️ Контакты и помощь",
    "menu.home": "🏠 Меню",
    "greeting": (
        "Здравствуйте, {name}! 📸 {studio}\n"
        "Здесь можно выбрать зал и время, оплатить бронь и управлять своими бронями."
    ),
    "menu.text": "Что вы хотите сделать?",
    "studio.default": "«Фотостудия»",
    "halls.band": "• {days} {start}–{end} — {price}/ч",
    "help": (
        "{studio}\n📍 {address}\n\n🕘 Часы работы:\n{hours}\n\n"
        "Бронь ждёт оплаты {hold} мин. Можно внести предоплату {percent}% "
        "или оплатить всё сразу.\nОтмена клиентом: {policy}.\n\n"
        "Команды: /book — забронировать, /my — мои брони, /help — эта справка."
    ),
    "help.closed": "выходной",
    "policy.tier": "за {hours} ч и раньше — {percent}%",
    "policy.last": "позже — {percent}%",
    "halls.title": "💰 Залы и цены",
    "halls.item": "{name} — от {price}/ч, минимум {min}\n{description}",
    "halls.choose": "Выберите зал:",
    "halls.none": "Сейчас нет залов, доступных для брони.",
    "hall.button": "{name} · {price}/ч",
    "back": "‹ Назад",
    "calendar.text": "{hall} · {price}/ч\nВыберите день. ✖ — всё занято, · — недоступно.",
    "slots.text": "{hall}, {date}\nВыберите время начала:",
    "slots.none": "{hall}, {date}\nНа этот день свободного времени нет.",
    "durations.text": "{hall}, {date}, начало в {start}\nВыберите длительность:",
    "summary": ("🧾 {hall}\n{date}, {start}–{end} ({duration})\nСтоимость: {total}"),
    "summary.prepay": "\nПредоплата {percent}%: {prepay}, остаток — в студии или в боте.",
    "summary.choose": "\n\nКак будете оплачивать?",
    "mode.prepay": "Предоплата {amount}",
    "mode.full": "Оплатить всё: {amount}",
    "gateway.choose": "\nК оплате сейчас: {amount}\n\nВыберите способ оплаты:",
    "gateway.yookassa": "ЮKassa",
    "gateway.tinkoff": "T-Bank",
    "gateway.sberpay": "SberPay",
    "gateway.mock": "Тестовая оплата",
    "email.text": (
        "\n\n✉️ E-mail для чека (необязательно): напишите его сообщением или нажмите «Пропустить»."
    ),
    "email.saved": "Использовать {email}",
    "email.skip": "Пропустить",
    "email.bad": (
        "Это не похоже на e-mail. Напишите адрес, например anna@example.com, "
        "или нажмите «Пропустить» выше."
    ),
    "phone.text": (
        "\n\n📱 Телефон для связи по брони: нажмите «Поделиться номером» внизу экрана "
        "или напишите номер, например +7 999 123-45-67."
    ),
    "phone.text_saved": (
        "\n\n📱 Телефон для связи по брони: используйте сохранённый или напишите другой номер."
    ),
    "phone.prompt": "Нажмите кнопку ниже или напишите номер телефона.",
    "phone.saved": "Использовать {phone}",
    "phone.share": "📱 Поделиться номером",
    "phone.placeholder": "+7 999 123-45-67",
    "phone.bad": (
        "Не получилось разобрать номер. Напишите его в формате +7 999 123-45-67 "
        "или нажмите «Поделиться номером»."
    ),
    "phone.ok": "✓ Телефон {phone} получен, оформляю бронь…",
    "phone.not_now": "Номер сейчас не нужен. Чтобы забронировать, нажмите /book.",
    "picker.done": "✓ {hall}, {date}, {start}–{end}",
    "hold": (
        "⏳ Бронь {code} создана и ждёт оплаты.\n{hall}, {date}, {start}–{end}\n"
        "К оплате сейчас: {due} ({kind}), всего {total}.\n"
        "Оплатите в течение {minutes} мин (до {until}), иначе бронь снимется.\n"
        "Подтверждение придёт сюда, в этот чат."
    ),
    "hold.gateway_failed": (
        "\n\n⚠️ Платёжный сервис сейчас не отвечает. Бронь держится до {until} — "
        "нажмите «Попробовать снова»."
    ),
    "pay.link": "\n\nСсылка на оплату: {url}",
    "pay.button": "💳 Оплатить {amount}",
    "pay.retry": "🔄 Попробовать снова",
    "pay.choose": "Бронь {code}: к оплате {amount} ({kind}).\nВыберите способ оплаты:",
    "pay.ready": (
        "Бронь {code}: к оплате {amount} ({kind}).\n"
        "Нажмите кнопку, чтобы оплатить; подтверждение придёт сюда."
    ),
    "pay.nothing": "По этой брони сейчас нечего оплачивать.",
    "kind.prepayment": "предоплата",
    "kind.full": "полная оплата",
    "kind.balance": "остаток",
    "booking.cancel": "✖ Отменить бронь",
    "booking.my": "📋 Мои брони",
    "booking.pay": "💳 Оплатить {amount}",
    "booking.pay_balance": "💳 Оплатить остаток {amount}",
    "booking.details": (
        "Бронь {code}\n{hall}, {date}, {start}–{end}\nСтатус: {status}\n"
        "Стоимость: {total}, оплачено: {paid}"
    ),
    "booking.refunded": ", возвращено: {refunded}",
    "booking.due": "\nК оплате: {due} ({kind})",
    "booking.hold_until": ", до {until}",
    "status.pending_payment": "⏳ ждёт оплаты",
    "status.confirmed": "✅ подтверждена",
    "status.completed": "☑️ состоялась",
    "status.cancelled": "✖ отменена",
    "status.expired": "⌛ не оплачена вовремя",
    "my.upcoming": "📋 Ваши предстоящие брони:",
    "my.upcoming_none": "📋 Предстоящих броней нет. Забронировать: /book",
    "my.past": "🕘 Прошедшие и отменённые брони:",
    "my.past_none": "🕘 Прошедших броней пока нет.",
    "my.to_past": "🕘 Прошедшие",
    "my.to_upcoming": "📅 Предстоящие",
    "my.previous": "⬅️ Предыдущие",
    "my.next": "Следующие ➡️",
    "my.item": "{date} {start} · {hall} · {status}",
    "cancel.ask": "Отменить бронь {code} ({hall}, {date}, {start})?\n{refund}",
    "cancel.nothing_paid": "Оплаты не было — возвращать нечего.",
    "cancel.full_refund": "Вернём всю оплату: {refund}.",
    "cancel.part_refund": "По правилам отмены вернём {refund} из оплаченных {paid}.",
    "cancel.no_refund": "По правилам отмены оплата {paid} не возвращается.",
    "cancel.yes": "Да, отменить",
    "cancel.no": "Нет, оставить",
    "cancel.done": "Бронь {code} отменена.",
    "cancel.done_refund": "Бронь {code} отменена. Возврат {refund} оформлен.",
    "stale.slot": "Это время уже заняли",
    "stale.day": "На этот день свободного времени больше нет",
    "stale.hall": "Этот зал сейчас недоступен",
    "stale.step": "Этот шаг устарел — выберите заново",
    "stale.button": "Кнопка устарела",
    "stale.booking": "Бронь изменилась",
    "stale.refund": "Сумма возврата изменилась — проверьте ещё раз",
    "stale.done": "Бронь уже оформлена",
    "taken": "😔 Пока вы оформляли, это время заняли. Выберите другое:",
    "holds.limit": (
        "😔 Нельзя держать больше {limit} неоплаченных броней одновременно. Оплатите или "
        "отмените одну из них в «Мои брони» — и сможете забронировать ещё."
    ),
    "noop.full": "На этот день всё занято",
    "noop.closed": "Этот день недоступен для брони",
    "noop.edge": "Дальше бронировать нельзя",
    "noop.other": "Выберите кнопку ниже",
    "free_text": (
        "Не понял сообщение. Пользуйтесь кнопками или командами: /book — забронировать, "
        "/my — мои брони, /help — помощь."
    ),
    "unknown_command": "Неизвестная команда. Доступны: /start, /book, /my, /help.",
    "error": "Что-то пошло не так. Попробуйте ещё раз или начните с /start.",
    "gateway_error": "Платёжный сервис не ответил. Попробуйте ещё раз чуть позже.",
    "cmd.start": "Главное меню",
    "cmd.book": "Забронировать зал",
    "cmd.my": "Мои брони",
    "cmd.help": "Контакты и помощь",
    "dur.h": "{h} ч",
    "dur.hm": "{h} ч {m} мин",
    "dur.m": "{m} мин",
    "part.1": "Утро",
    "part.2": "День",
    "part.3": "Вечер",
}

EN: Final[dict[str, str]] = {
    "menu.book": "📅 Book",
    "menu.my": "📋 My bookings",
    "menu.halls": "💰 Halls and prices",
    "menu.help": "ℹ️ Contacts and help",
    "menu.home": "🏠 Menu",
    "greeting": (
        "Hello, {name}! 📸 {studio}\n"
        "Pick a hall and a time, pay for the booking and manage your bookings here."
    ),
    "menu.text": "What would you like to do?",
    "studio.default": "Photo studio",
    "halls.band": "• {days} {start}–{end} — {price}/h",
    "help": (
        "{studio}\n📍 {address}\n\n🕘 Opening hours:\n{hours}\n\n"
        "A booking waits {hold} min for payment. Pay a {percent}% prepayment "
        "or the full price.\nCancelling: {policy}.\n\n"
        "Commands: /book — book, /my — my bookings, /help — this help."
    ),
    "help.closed": "closed",
    "policy.tier": "{hours} h or more before — {percent}%",
    "policy.last": "later — {percent}%",
    "halls.title": "💰 Halls and prices",
    "halls.item": "{name} — from {price}/h, at least {min}\n{description}",
    "halls.choose": "Choose a hall:",
    "halls.none": "No halls can be booked right now.",
    "hall.button": "{name} · {price}/h",
    "back": "‹ Back",
    "calendar.text": "{hall} · {price}/h\nChoose a day. ✖ — fully booked, · — not available.",
    "slots.text": "{hall}, {date}\nChoose the start time:",
    "slots.none": "{hall}, {date}\nNo free time left on this day.",
    "durations.text": "{hall}, {date}, starting at {start}\nChoose the duration:",
    "summary": "🧾 {hall}\n{date}, {start}–{end} ({duration})\nPrice: {total}",
    "summary.prepay": ("\nPrepayment {percent}%: {prepay}; the rest at the studio or in the bot."),
    "summary.choose": "\n\nHow would you like to pay?",
    "mode.prepay": "Prepay {amount}",
    "mode.full": "Pay in full: {amount}",
    "gateway.choose": "\nTo pay now: {amount}\n\nChoose the payment method:",
    "gateway.yookassa": "YooKassa",
    "gateway.tinkoff": "T-Bank",
    "gateway.sberpay": "SberPay",
    "gateway.mock": "Test payment",
    "email.text": (
        "\n\n✉️ E-mail for the receipt (optional): type it in a message or press «Skip»."
    ),
    "email.saved": "Use {email}",
    "email.skip": "Skip",
    "email.bad": (
        "That does not look like an e-mail. Type an address like anna@example.com, "
        "or press «Skip» above."
    ),
    "phone.text": (
        "\n\n📱 A phone number for this booking: press «Share my phone» below "
        "or type it, e.g. +7 999 123-45-67."
    ),
    "phone.text_saved": (
        "\n\n📱 A phone number for this booking: use the saved one or type another."
    ),
    "phone.prompt": "Press the button below or type your phone number.",
    "phone.saved": "Use {phone}",
    "phone.share": "📱 Share my phone",
    "phone.placeholder": "+7 999 123-45-67",
    "phone.bad": (
        "I could not read that number. Type it like +7 999 123-45-67 or press «Share my phone»."
    ),
    "phone.ok": "✓ Got {phone}, making the booking…",
    "phone.not_now": "No phone number is needed right now. To book, send /book.",
    "picker.done": "✓ {hall}, {date}, {start}–{end}",
    "hold": (
        "⏳ Booking {code} is made and waits for payment.\n{hall}, {date}, {start}–{end}\n"
        "To pay now: {due} ({kind}), {total} in total.\n"
        "Please pay within {minutes} min (by {until}), or the booking is released.\n"
        "The confirmation will come here, in this chat."
    ),
    "hold.gateway_failed": (
        "\n\n⚠️ The payment service does not answer right now. The booking is held until "
        "{until} — press «Try again»."
    ),
    "pay.link": "\n\nPayment link: {url}",
    "pay.button": "💳 Pay {amount}",
    "pay.retry": "🔄 Try again",
    "pay.choose": "Booking {code}: {amount} to pay ({kind}).\nChoose the payment method:",
    "pay.ready": (
        "Booking {code}: {amount} to pay ({kind}).\n"
        "Press the button to pay; the confirmation will come here."
    ),
    "pay.nothing": "There is nothing to pay for this booking now.",
    "kind.prepayment": "prepayment",
    "kind.full": "full price",
    "kind.balance": "balance",
    "booking.cancel": "✖ Cancel booking",
    "booking.my": "📋 My bookings",
    "booking.pay": "💳 Pay {amount}",
    "booking.pay_balance": "💳 Pay the balance {amount}",
    "booking.details": (
        "Booking {code}\n{hall}, {date}, {start}–{end}\nStatus: {status}\n"
        "Price: {total}, paid: {paid}"
    ),
    "booking.refunded": ", refunded: {refunded}",
    "booking.due": "\nTo pay: {due} ({kind})",
    "booking.hold_until": ", by {until}",
    "status.pending_payment": "⏳ awaiting payment",
    "status.confirmed": "✅ confirmed",
    "status.completed": "☑️ done",
    "status.cancelled": "✖ cancelled",
    "status.expired": "⌛ not paid in time",
    "my.upcoming": "📋 Your upcoming bookings:",
    "my.upcoming_none": "📋 No upcoming bookings. To book: /book",
    "my.past": "🕘 Past and cancelled bookings:",
    "my.past_none": "🕘 No past bookings yet.",
    "my.to_past": "🕘 Past",
    "my.to_upcoming": "📅 Upcoming",
    "my.previous": "⬅️ Previous",
    "my.next": "Next ➡️",
    "my.item": "{date} {start} · {hall} · {status}",
    "cancel.ask": "Cancel booking {code} ({hall}, {date}, {start})?\n{refund}",
    "cancel.nothing_paid": "Nothing was paid, so there is nothing to refund.",
    "cancel.full_refund": "You get everything back: {refund}.",
    "cancel.part_refund": "By the cancellation rules you get back {refund} of {paid} paid.",
    "cancel.no_refund": "By the cancellation rules the {paid} paid is not refunded.",
    "cancel.yes": "Yes, cancel",
    "cancel.no": "No, keep it",
    "cancel.done": "Booking {code} is cancelled.",
    "cancel.done_refund": "Booking {code} is cancelled. A refund of {refund} is on its way.",
    "stale.slot": "This time has just been taken",
    "stale.day": "No free time left on this day",
    "stale.hall": "This hall is not available now",
    "stale.step": "This step has expired — please choose again",
    "stale.button": "This button is out of date",
    "stale.booking": "The booking has changed",
    "stale.refund": "The refund has changed — please check again",
    "stale.done": "The booking is already made",
    "taken": "😔 Someone took this time while you were booking. Please choose another:",
    "holds.limit": (
        "😔 You can hold at most {limit} unpaid bookings at a time. Pay for or cancel one "
        "of them in “My bookings”, and you can book again."
    ),
    "noop.full": "This day is fully booked",
    "noop.closed": "This day cannot be booked",
    "noop.edge": "Bookings do not go further",
    "noop.other": "Please use the buttons below",
    "free_text": (
        "I did not get that. Please use the buttons or the commands: /book — book, "
        "/my — my bookings, /help — help."
    ),
    "unknown_command": "Unknown command. Available: /start, /book, /my, /help.",
    "error": "Something went wrong. Please try again or start over with /start.",
    "gateway_error": "The payment service did not answer. Please try again a bit later.",
    "cmd.start": "Main menu",
    "cmd.book": "Book a hall",
    "cmd.my": "My bookings",
    "cmd.help": "Contacts and help",
    "dur.h": "{h} h",
    "dur.hm": "{h} h {m} min",
    "dur.m": "{m} min",
    "part.1": "Morning",
    "part.2": "Afternoon",
    "part.3": "Evening",
}

NAMES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "ru": {
        "weekdays": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"),
        "months": (
            "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
            "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
        ),
        "months_of": (
            "января", "февраля", "марта", "апреля", "мая", "июня",
            "июля", "августа", "сентября", "октября", "ноября", "декабря",
        ),
    },
    "en": {
        "weekdays": ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"),
        "months": (
            "January", "February", "March", "April", "May", "June",
            "July", "August", "September", "October", "November", "December",
        ),
        "months_of": (
            "January", "February", "March", "April", "May", "June",
            "July", "August", "September", "October", "November", "December",
        ),
    },
}  # fmt: skip

TEXTS: Final[dict[str, dict[str, str]]] = {"ru": RU, "en": EN}
COMMANDS: Final[tuple[str, ...]] = ("start", "book", "my", "help")


def language_of(code: str | None) -> str:
    """Russian for Russian-speaking users and when Telegram does not say; English otherwise."""
    return "ru" if not code or code.lower().startswith("ru") else "en"


class Texts:
    """The texts and formats of one language."""

    __slots__ = ("_names", "_table", "lang")

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in TEXTS else "ru"
        self._table = TEXTS[self.lang]
        self._names = NAMES[self.lang]

    def __call__(self, key: str, **values: object) -> str:
        template = self._table.get(key) or RU[key]
        return template.format(**values) if values else template

    @property
    def weekdays(self) -> tuple[str, ...]:
        return self._names["weekdays"]

    def money(self, kopecks: int) -> str:
        rubles, rest = divmod(kopecks, 100)
        text = f"{rubles:,}".replace(",", "\u00a0")
        return f"{text},{rest:02d}\u00a0₽" if rest else f"{text}\u00a0₽"

    def duration(self, minutes: int) -> str:
        hours, rest = divmod(minutes, 60)
        if not hours:
            return self("dur.m", m=rest)
        return self("dur.hm", h=hours, m=rest) if rest else self("dur.h", h=hours)

    def date(self, day: dt.date) -> str:
        weekday = self.weekdays[day.weekday()].lower()
        return f"{weekday}, {day.day} {self._names['months_of'][day.month - 1]}"

    def day_month(self, day: dt.date) -> str:
        return f"{day:%d.%m}"

    def month_title(self, year: int, month: int) -> str:
        return f"{self._names['months'][month - 1]} {year}"

    @staticmethod
    def time(moment: dt.datetime) -> str:
        return f"{moment:%H:%M}"
