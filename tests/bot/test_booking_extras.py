"""The booking flow's steps beside hall time: the people coming (within the hall's capacity),
add-ons free for that time, a promo code typed on the summary, the price line by line, and
the hold that takes them all (through the API's use case)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from booking import promo
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.pricing import AddonWanted
from i18n.formats import money
from keyboards.callbacks import to_minutes
from keyboards.extras import GuestsCallback
from tests.bot.flows import (
    RU,
    Studio,
    book_and_pay,
    button,
    choose_time,
    labels,
    picker,
    share_phone,
    url_of,
)
from tests.fakes.telegram_api import FakeUser
from tests.support import EXAMPLE_STUDIO, msk


def rub(kopecks: int) -> str:
    return money(kopecks, "ru")


def text_of(user: FakeUser) -> str:
    return str(picker(user)["text"])


async def add_code(studio: Studio, code: str, **kw: Any) -> None:
    async with studio.sessionmaker() as session:
        await promo.create_code(session, promo.NewCode(code=code, **kw))
        await session.commit()


async def hold_in_the_loft(studio: Studio, start: int, end: int, *wanted: AddonWanted) -> None:
    """Another client's hold in the loft on 3 December, through the use case the API calls."""
    async with studio.sessionmaker() as session:
        request = HoldRequest(
            hall_id=2,
            start=msk(3, start),
            end=msk(3, end),
            payment_mode=PaymentMode.FULL,
            client=ClientInfo(name="Борис", phone="+79990000001"),
            source=Source.WEB,
            addons=wanted,
        )
        await hold_booking(session, studio.deps, request)


async def to_extras(studio: Studio, user: FakeUser, hall: str | None = None) -> None:
    """From /start to the first screen after the duration (Thursday 3 December, 12:00, 2 h)."""
    words = labels(user)
    await studio.send(user, "/start")
    await studio.press(user, words["book"])
    await studio.press(user, button(user, hall or words["hall"]))
    await studio.press(user, "3")
    await choose_time(studio, user, "12:00")
    await studio.press(user, "2 ч" if words is RU else "2 h")


async def test_guests_makeup_and_a_promo_code_are_priced_held_and_confirmed(
    studio: Studio,
) -> None:
    await add_code(studio, "BDAY20", percent=20)
    anna = studio.user()
    await to_extras(studio, anna)
    assert "Сколько человек придёт?" in text_of(anna)
    numbers = [text for row in anna.buttons()[:-1] for text in row]
    assert numbers[0] == "1" and numbers[3] == "• 4 •" and numbers[-1] == "15"  # capacity 15
    await studio.press(anna, "6")

    # Add-ons: the hall's and the studio's, with the running total.
    assert f"Стоимость: {rub(700000)}" in text_of(anna)  # 5 000 hall + 2 × 2 h × 500 guests
    await studio.press(anna, button(anna, "Гримёрное место"))
    assert button(anna, "✅ Гримёрное место")
    assert f"Стоимость: {rub(760000)}" in text_of(anna)
    await studio.press(anna, button(anna, "Реквизит"))  # the label: a count, not a toggle
    await studio.press(anna, "+")
    assert button(anna, "Реквизит").endswith(": 1")
    await studio.press(anna, "−")
    assert button(anna, "Реквизит").endswith(": 0")
    await studio.press(anna, "Далее ›")

    summary = text_of(anna)
    assert f"• Белый зал: {rub(500000)}" in summary
    assert f"• Гримёрное место: {rub(60000)}" in summary
    assert f"• Гости сверх 4: 2: {rub(200000)}" in summary
    await studio.press(anna, "🎟 У меня есть промокод / сертификат")
    assert "Отправьте промокод или код подарочного сертификата" in text_of(anna)
    await studio.send(anna, "bday20")
    await studio.settle()
    summary = text_of(anna)
    assert f"• Промокод BDAY20: −{rub(152000)}" in summary
    assert f"Стоимость: {rub(608000)}" in summary
    assert anna.buttons()[-2] == ["✖ Без промокода"]

    await studio.press(anna, button(anna, "Предоплата"))
    await studio.press(anna, "ЮKassa")
    await studio.press(anna, "Пропустить")
    hold = (await share_phone(studio, anna)).result
    [booking] = await studio.bookings()
    assert booking.guests == 6 and booking.total == 608000
    assert booking.guests_chosen == 6  # a move counts these against the new hall
    assert booking.prepay_amount == 304000
    assert [(line["kind"], line["amount"]) for line in booking.price_lines or []] == [
        ("hall", 500000),
        ("addon", 60000),
        ("guests", 200000),
        ("discount", -152000),
    ]
    assert (await studio.checkout(url_of(hold)))["webhook_statuses"] == [200]
    await studio.deliver()

    def confirmed() -> list[dict[str, Any]]:
        return [m for m in anna.messages() if "подтверждена" in (m.get("caption") or "")]

    [message] = await studio.tg.wait_until(confirmed)
    assert f"• Гримёрное место: {rub(60000)}" in message["caption"]
    assert f"• Промокод BDAY20: −{rub(152000)}" in message["caption"]


async def test_a_tap_on_a_count_changes_nothing_and_says_how(studio: Studio) -> None:
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "• 4 •")
    await studio.press(anna, "+")
    edits = len(studio.tg.calls("editMessageText"))
    answer = await studio.press(anna, button(anna, "Реквизит"))
    assert answer.params["text"] == "Количество меняется кнопками − и +."
    assert len(studio.tg.calls("editMessageText")) == edits  # the screen is left as it is
    assert button(anna, "Реквизит").endswith(": 1")


async def test_the_last_light_kit_taken_by_another_booking_is_not_offered(
    studio: Studio,
) -> None:
    await hold_in_the_loft(studio, 11, 15, AddonWanted("light-kit", 2), AddonWanted("smoke", 1))
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "• 4 •")
    offered = [text for row in anna.buttons() for text in row]
    assert not any("комплект света" in text or "Генератор дыма" in text for text in offered)
    assert any("Гримёрное место" in text for text in offered)


async def test_a_kit_taken_while_choosing_is_refused_with_a_fresh_screen(studio: Studio) -> None:
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "• 4 •")
    await studio.press(anna, button(anna, "Генератор дыма"))
    await hold_in_the_loft(studio, 12, 14, AddonWanted("smoke", 1))
    answer = await studio.press(anna, "Далее ›")
    assert answer.params["text"] == "Эту услугу на ваше время только что заняли."
    offered = [text for row in anna.buttons() for text in row]
    assert not any("Генератор дыма" in text for text in offered)
    await studio.press(anna, "Далее ›")
    assert f"Стоимость: {rub(500000)}" in text_of(anna)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("NOSUCH", "Такого промокода нет"),
        ("OLD10", "срок его действия истёк"),
        ("ONCE", "Этот промокод уже израсходован"),
    ],
)
async def test_a_bad_promo_code_is_refused_in_words(studio: Studio, code: str, words: str) -> None:
    await add_code(studio, "OLD10", percent=10, valid_to=date(2026, 11, 30))
    await add_code(studio, "ONCE", percent=10, max_uses=1)
    if code == "ONCE":
        boris = studio.user(1002, "Борис")
        await to_extras(studio, boris, hall="Лофт")
        await studio.press(boris, "• 10 •")
        await studio.press(boris, "Далее ›")
        await studio.press(boris, "🎟 У меня есть промокод / сертификат")
        await studio.send(boris, "ONCE")
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "• 4 •")
    await studio.press(anna, "Далее ›")
    await studio.press(anna, "🎟 У меня есть промокод / сертификат")
    if code == "ONCE":  # Boris's hold takes the only use
        await studio.press(boris, button(boris, "Предоплата"))
        await studio.press(boris, "ЮKassa")
        await studio.press(boris, "Пропустить")
        await share_phone(studio, boris)
    reply = await studio.send(anna, code)
    assert words in reply.params["text"]
    assert anna.buttons() == [["‹ Без кода"]]
    await studio.press(anna, "‹ Без кода")
    assert f"Стоимость: {rub(500000)}" in text_of(anna)
    assert "Промокод" not in text_of(anna)


async def test_more_people_than_the_hall_takes_cannot_be_chosen(studio: Studio) -> None:
    anna = studio.user()
    await to_extras(studio, anna)
    guests_screen = picker(anna)
    forged = GuestsCallback(hall_id=1, start=to_minutes(msk(3, 12)), minutes=120, guests=16).pack()
    query = await anna.press_data(forged, guests_screen["message_id"])
    answer = await studio.answered(query["id"])
    assert answer.params["text"] == "Столько человек зал не вмещает."
    assert "Сколько человек придёт?" in text_of(anna)
    assert max(int(t.strip("• ")) for row in anna.buttons()[:-1] for t in row) == 15
    await studio.press(anna, "• 4 •")
    await studio.press(anna, "Далее ›")
    await studio.press(anna, button(anna, "Предоплата"))
    await studio.press(anna, "ЮKassa")
    await studio.press(anna, "Пропустить")
    await share_phone(studio, anna)
    [booking] = await studio.bookings()
    assert booking.guests == 4 and booking.total == 500000
    assert booking.guests_chosen == 4  # chosen, though the price's own number


def plain_studio(folder: Path) -> Path:
    """The example studio with nothing sold beside hall time."""
    data = json.loads(EXAMPLE_STUDIO.read_text(encoding="utf-8"))
    for key in ("rules", "addons"):
        data.pop(key, None)
    for hall in data["halls"]:
        for key in ("capacity", "included_guests", "extra_guest_fee", "addons", "photos"):
            hall.pop(key, None)
    path = folder / "plain.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


class TestAHallWithNothingBeside:
    @pytest.fixture
    def bot_env(self, tmp_path: Path) -> dict[str, Any]:
        return {"studio_file": plain_studio(tmp_path)}

    async def test_the_duration_goes_straight_to_the_summary(self, studio: Studio) -> None:
        anna = studio.user()
        await to_extras(studio, anna)
        summary = text_of(anna)
        assert summary.endswith("Как будете оплачивать?"), summary
        assert "•" not in summary  # no lines: the hall time alone
        assert anna.buttons()[-2] == ["🎟 У меня есть промокод / сертификат"]
        hold = await book_and_pay(studio, anna)
        assert hold["text"].startswith("⏳")
        [booking] = await studio.bookings()
        assert booking.total == 500000 and booking.status == "confirmed"
        assert timedelta(hours=2) == booking.end_at - booking.start_at


async def test_an_add_on_taken_before_the_hold_gets_words_and_the_add_ons_again(
    studio: Studio,
) -> None:
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "• 4 •")
    await studio.press(anna, button(anna, "Генератор дыма"))
    await studio.press(anna, "Далее ›")
    await studio.press(anna, button(anna, "Предоплата"))
    await studio.press(anna, "ЮKassa")
    await studio.press(anna, "Пропустить")
    await hold_in_the_loft(studio, 13, 15, AddonWanted("smoke", 1))
    await anna.send_contact("+79991234567")

    def refused() -> list[dict[str, Any]]:
        return [m for m in anna.messages() if (m.get("text") or "").startswith("😔")]

    [message] = await studio.tg.wait_until(refused)
    assert message["text"].startswith("😔 Эту услугу на ваше время только что заняли.")
    assert "Выберите дополнительные услуги" in message["text"]
    offered = [text for row in anna.buttons(message) for text in row]
    assert not any("Генератор дыма" in text for text in offered)
    assert len(await studio.bookings()) == 1  # the loft's alone: nothing of Anna's was held


async def test_back_goes_step_by_step_and_keeps_the_choice(studio: Studio) -> None:
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "6")
    await studio.press(anna, button(anna, "Гримёрное место"))
    await studio.press(anna, "Далее ›")
    assert "Как будете оплачивать?" in text_of(anna)
    await studio.press(anna, "‹ Назад")  # the add-ons, makeup still chosen
    assert button(anna, "✅ Гримёрное место")
    await studio.press(anna, "‹ Назад")  # the people, 6 marked
    assert "Сколько человек придёт?" in text_of(anna)
    assert "• 6 •" in anna.buttons()[1]
    await studio.press(anna, "‹ Назад")  # the durations
    assert "Выберите длительность" in text_of(anna)
    await studio.press(anna, "2 ч")  # the same pick: the cart is kept
    await studio.press(anna, "• 6 •")
    await studio.press(anna, "Далее ›")
    assert f"Стоимость: {rub(760000)}" in text_of(anna)


async def test_a_code_covering_the_whole_price_confirms_without_a_payment(studio: Studio) -> None:
    await add_code(studio, "FREE", percent=100)
    anna = studio.user()
    await to_extras(studio, anna)
    await studio.press(anna, "• 4 •")
    await studio.press(anna, "Далее ›")
    await studio.press(anna, "🎟 У меня есть промокод / сертификат")
    await studio.send(anna, "free")
    await studio.settle()
    assert f"Стоимость: {rub(0)}" in text_of(anna)
    assert "Оплачивать нечего." in text_of(anna)
    offered = [text for row in anna.buttons() for text in row]
    assert not any("оплата" in text.lower() or "₽" in text for text in offered), offered
    await studio.press(anna, "✅ Подтвердить бронь")  # no payment mode, no gateway
    await studio.press(anna, "Пропустить")
    await anna.send_contact("+79991234567")

    def covered() -> list[dict[str, Any]]:
        return [m for m in anna.messages() if (m.get("text") or "").startswith("✅ Бронь")]

    [message] = await studio.tg.wait_until(covered)
    assert "покрывает всю стоимость" in message["text"]
    [booking] = await studio.bookings()
    assert booking.status == "confirmed" and booking.total == 0
    assert await studio.payments() == []


async def test_an_english_client_reads_the_steps_and_lines_in_english(studio: Studio) -> None:
    bob = studio.user(1002, "Bob", lang="en")
    await to_extras(studio, bob)
    assert "How many people are coming?" in text_of(bob)
    await studio.press(bob, "5")
    await studio.press(bob, button(bob, "Makeup place"))
    await studio.press(bob, "Next ›")
    summary = text_of(bob)
    assert f"• White hall: {money(500000, 'en')}" in summary
    assert f"• Makeup place: {money(60000, 'en')}" in summary
    assert f"• Guests over 4: 1: {money(100000, 'en')}" in summary
    await studio.press(bob, "🎟 I have a promo code / certificate")
    reply = await studio.send(bob, "NOSUCH")
    assert reply.params["text"].startswith("There is no such promo code")
