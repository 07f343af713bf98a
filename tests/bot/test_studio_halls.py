"""An owner adds and changes halls and add-ons from the bot, end to end: the real aiogram
Bot and Dispatcher polling the fake Bot API, the studio's use cases on a real database, and
what clients read afterwards through the running app's GET /api/halls. Wrong arguments get
the usage and change nothing; admins who are not owners are refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Booking, Hall
from tests.bot.test_studio_commands import (  # noqa: F401
    ADMIN,
    OWNER,
    STRANGER,
    UNKNOWN,
    ask,
    polling,
    studio_events,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.support import Api, Running, moscow, rows

USAGE = "Как пользоваться"


@pytest.fixture
def telegram_options() -> dict[str, Any]:
    """An owner types faster than Telegram's per-chat limit lets a bot answer."""
    return {"chat_burst": 100}


async def shown_halls(api: Api) -> dict[int, dict[str, Any]]:
    """The halls as clients read them."""
    status, body = await api.call("GET", "/api/halls")
    assert status == 200, body
    return {hall["id"]: hall for hall in body["halls"]}


def offered(hall: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {addon["id"]: addon for addon in hall["addons"]}


@pytest.mark.usefixtures("polling")
async def test_owner_adds_a_hall_and_clients_see_each_change(
    tg: FakeTelegram, running: Running
) -> None:
    owner, api = tg.user(OWNER), running.api
    reply = await ask(tg, owner, "/hall new Чёрный зал 2000")
    assert "Новый зал № 4: Чёрный зал, 2 000 ₽ в час" in reply and "/book/chernyy-zal" in reply
    hall = (await shown_halls(api))[4]
    assert (hall["name"], hall["slug"], hall["hourly_price"]["value"]) == (
        "Чёрный зал", "chernyy-zal", "2000.00"
    )  # fmt: skip
    assert hall["name_en"] == "Chernyy zal"  # no English name given: the name in Latin letters
    assert "теперь называется «Графитовый зал»" in await ask(
        tg, owner, "/hall 4 name Графитовый зал"
    )
    assert (await shown_halls(api))[4]["name_en"] == "Grafitovyy zal"  # and it follows the name
    await ask(tg, owner, "/hall chernyy-zal name_en Graphite hall")
    assert "описание изменено" in await ask(tg, owner, "/hall 4 about 45 м², чёрные стены.\nСтол.")
    await ask(tg, owner, "/hall 4 about_en 45 m², black walls.")
    assert "фото добавлено, всего 1" in await ask(tg, owner, "/hall 4 photo https://ex.com/1.jpg")
    assert "всего 2" in await ask(tg, owner, "/hall 4 photo https://ex.com/2.jpg")
    reply = await ask(tg, owner, "/hall 4 band пт-вс 18:00-23:00 2500")
    assert "добавлен тариф по времени: Пт, Сб, Вс 18:00–23:00 2\xa0500\xa0₽/ч" in reply
    await ask(tg, owner, "/hall 4 band 8-10 1500")
    await ask(tg, owner, "/hall 4 min 90")
    await ask(tg, owner, "/hall 4 buffer 30")
    await ask(tg, owner, "/hall 4 capacity 8")
    assert "гостей в цене: 1." in await ask(tg, owner, "/hall 4 guests 1")
    assert "гостей в цене: 2." in await ask(tg, owner, "/hall 4 guests 2")
    assert "каждый следующий гость 300 ₽ в час" in await ask(tg, owner, "/hall 4 fee 300 hour")
    await ask(tg, owner, "/hall 4 spec area 45")
    await ask(tg, owner, "/hall 4 spec equipment стол, чёрный фон")
    hall = (await shown_halls(api))[4]
    assert (hall["name"], hall["name_en"]) == ("Графитовый зал", "Graphite hall")
    assert hall["description"] == "45 м², чёрные стены.\nСтол."
    assert hall["description_en"] == "45 m², black walls."
    assert hall["photos"] == ["https://ex.com/1.jpg", "https://ex.com/2.jpg"]
    bands = [(b["weekdays"], b["start"], b["end"], b["hourly_price"]["value"])
             for b in hall["price_rules"]]  # fmt: skip
    assert bands == [([4, 5, 6], "18:00", "23:00", "2500.00"),
                     ([0, 1, 2, 3, 4, 5, 6], "08:00", "10:00", "1500.00")]  # fmt: skip
    assert (hall["min_minutes"], hall["buffer_minutes"], hall["capacity"]) == (90, 30, 8)
    fee = hall["extra_guest_fee"]
    assert (hall["included_guests"], fee["per"], fee["price"]["value"]) == (
        2,
        "person_hour",
        "300.00",
    )
    assert hall["specs"] == {"area_m2": 45, "equipment": ["стол", "чёрный фон"]}

    assert "скрыт от клиентов" in await ask(tg, owner, "/hall 4 hide")
    assert 4 not in await shown_halls(api)
    assert "снова виден клиентам" in await ask(tg, owner, "/hall 4 show")
    assert "одна цена весь день" in await ask(tg, owner, "/hall 4 band none")
    assert "фото убраны" in await ask(tg, owner, "/hall 4 photo none")
    assert "доплаты за гостей нет" in await ask(tg, owner, "/hall 4 fee none")
    await ask(tg, owner, "/hall 4 spec equipment none")
    hall = (await shown_halls(api))[4]
    assert (hall["price_rules"], hall["photos"], hall["extra_guest_fee"]) == ([], [], None)
    assert hall["specs"] == {"area_m2": 45}
    assert "/book/chernyy-zal-2" in await ask(tg, owner, "/hall new Чёрный  зал 1000")
    events = await studio_events(running.sessionmaker)
    assert len(events) == 24 and {e.payload["by"] for e in events} == {OWNER}
    assert {e.payload["admin_id"] for e in events} == {OWNER}


@pytest.mark.usefixtures("polling")
async def test_wrong_arguments_get_the_usage_and_a_refused_value_says_why(
    tg: FakeTelegram, running: Running
) -> None:
    owner = tg.user(OWNER)
    for command in ("/hall new 2000", "/hall new Зал", "/hall 1 name", "/hall 1 band 18-22",
                    "/hall 1 band зимой 18-22 100", "/hall 1 fee 500 week", "/hall 1 spec area",
                    "/hall 1 guests many", "/hall 1 photo", "/addon new x 100",
                    "/addon new Bad!id 100 Имя", "/addon smoke per week",
                    "/addon smoke max"):  # fmt: skip
        reply = await ask(tg, owner, command)
        assert USAGE in reply, command
    usage = await ask(tg, owner, "/hall 1 colour red")
    assert "/hall new НАЗВАНИЕ ЦЕНА" in usage and "/hall ЗАЛ band [пн-пт]" in usage
    reply = await ask(tg, owner, "/hall 1 photo ftp://ex.com/1.jpg")
    assert "Не принято: фото — это http(s)-адрес" in reply
    reply = await ask(tg, owner, "/hall 1 band 20:00-18:00 3000")
    assert "Не принято: тариф по времени начинается раньше" in reply
    assert "Не принято" in await ask(tg, owner, "/hall new Дворец 2000000")
    assert "Зала 9 нет" in await ask(tg, owner, "/hall 9 name Другой")
    photo = [{"file_id": "AgAD1", "file_unique_id": "u1", "width": 800, "height": 600}]
    await owner.send_message({"photo": photo, "caption": "/hall 2 photo"})
    sent = await tg.wait_for("sendMessage", chat_id=OWNER)
    assert "Фото, присланное сюда, не сохраняется" in sent.result["text"]
    assert "/hall 2 photo https://" in sent.result["text"]
    assert await studio_events(running.sessionmaker) == []
    assert len(await shown_halls(running.api)) == 3


@pytest.mark.usefixtures("polling")
async def test_owner_adds_an_addon_and_offers_it_in_one_hall(
    tg: FakeTelegram, running: Running
) -> None:
    owner, api = tg.user(OWNER), running.api
    reply = await ask(tg, owner, "/addon new fog 700 hour Дым-машина")
    assert "Новая допуслуга fog: Дым-машина, 700 ₽ за час" in reply
    halls = await shown_halls(api)
    assert all("fog" in offered(hall) for hall in halls.values())
    fog = offered(halls[1])["fog"]
    assert (fog["title"], fog["price"]["value"], fog["per"]) == ("Дым-машина", "700.00", "hour")
    assert "английское название «Fog machine»" in await ask(
        tg, owner, "/addon fog title_en Fog machine"
    )
    assert "теперь называется «Дым»" in await ask(tg, owner, "/addon fog title Дым")
    assert "цена за бронь" in await ask(tg, owner, "/addon fog per booking")
    assert "не больше 2 на бронь" in await ask(tg, owner, "/addon fog max 2")
    assert "в наличии 1" in await ask(tg, owner, "/addon fog stock 1")
    assert "только в зале «Тёмный зал»" in await ask(tg, owner, "/addon fog hall 3")
    halls = await shown_halls(api)
    assert [hall_id for hall_id, hall in halls.items() if "fog" in offered(hall)] == [3]
    fog = offered(halls[3])["fog"]
    assert (fog["title"], fog["title_en"], fog["per"], fog["max_quantity"], fog["stock"]) == (
        "Дым", "Fog machine", "booking", 2, 1
    )  # fmt: skip
    assert "Зала 9 нет" in await ask(tg, owner, "/addon fog hall 9")
    assert "во всех залах" in await ask(tg, owner, "/addon fog hall all")
    assert "больше не предлагается" in await ask(tg, owner, "/addon fog hide")
    assert all("fog" not in offered(hall) for hall in (await shown_halls(api)).values())
    assert "Допуслуга fog уже есть" in await ask(tg, owner, "/addon new fog 100 Ещё дым")
    events = await studio_events(running.sessionmaker)
    assert len(events) == 9 and {e.payload["by"] for e in events} == {OWNER}


@pytest.mark.usefixtures("polling")
async def test_a_stock_or_capacity_below_live_bookings_is_refused_naming_them(
    tg: FakeTelegram, running: Running
) -> None:
    owner, api = tg.user(OWNER), running.api
    status, booking = await api.call("POST", "/api/bookings", json={
        "hall_id": 1, "start": moscow(3, 12), "end": moscow(3, 14), "payment_mode": "prepay",
        "addons": [{"id": "light-kit", "quantity": 2}], "guests": 10,
        "client": {"name": "Анна", "phone": "+7 999 123-45-67"}})  # fmt: skip
    assert status == 201, booking
    reply = await ask(tg, owner, "/addon light-kit stock 1")
    assert "Не изменено" in reply and booking["code"] in reply
    reply = await ask(tg, owner, "/hall 1 capacity 8")
    assert "Не изменено" in reply and booking["code"] in reply
    hall = (await shown_halls(api))[1]
    assert hall["capacity"] == 15 and offered(hall)["light-kit"]["stock"] == 2
    assert await studio_events(running.sessionmaker) == []


@pytest.mark.usefixtures("polling")
async def test_a_capacity_below_the_people_a_client_chose_is_refused(
    tg: FakeTelegram, running: Running
) -> None:
    """The number the client chose counts, though the booking is counted for fewer."""
    owner, api = tg.user(OWNER), running.api
    booking = await api.booked(day=3, hour=12, guests=8)
    async with running.sessionmaker() as session:
        stored = await session.get(Booking, booking["id"])
        assert stored is not None and stored.guests_chosen == 8
        stored.guests = 4  # the number the hall's price covers
        await session.commit()
    reply = await ask(tg, owner, "/hall 1 capacity 6")
    assert "Не изменено" in reply and booking["code"] in reply
    assert (await shown_halls(api))[1]["capacity"] == 15


@pytest.mark.usefixtures("polling")
async def test_admins_who_are_not_owners_cannot_add_or_change_halls(
    tg: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, stranger = tg.user(ADMIN), tg.user(STRANGER)
    for command in ("/hall new Зал 100", "/hall 1 name Другой", "/hall 1 band 18-22 100",
                    "/hall 1 photo https://e.x/1.jpg", "/addon new fog 1 Дым",
                    "/addon smoke title Пар"):  # fmt: skip
        assert "🔒 Это может только владелец студии" in await ask(tg, admin, command), command
        assert await ask(tg, stranger, command) == UNKNOWN
    assert await studio_events(sessionmaker) == []
    halls = await rows(sessionmaker, Hall)
    assert len(halls) == 3 and halls[0].name == "Белый зал"
