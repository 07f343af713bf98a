"""Clients of a hold: a Telegram user is one client, created or brought up to date in place,
keeping what they gave before; a website client is a new row each time; bad contacts
change nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.errors import BookingRuleError
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db.models import Booking, Client

MSK = ZoneInfo("Europe/Moscow")
TELEGRAM_ID = 5_550_001


def request(hour: int, client: ClientInfo, source: Source = Source.TELEGRAM) -> HoldRequest:
    start = datetime(2026, 12, 8, hour, tzinfo=MSK)
    return HoldRequest(
        hall_id=1,
        start=start,
        end=start.replace(hour=hour + 1),
        payment_mode=PaymentMode.PREPAY,
        client=client,
        source=source,
    )


async def hold(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, wanted: HoldRequest
) -> Client:
    async with sessionmaker() as session:
        booking, _ = await hold_booking(session, deps, wanted)
    async with sessionmaker() as session:
        found = await session.get(Client, booking.client_id)
        assert found is not None
        return found


async def clients(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count(Client.id))) or 0)


async def test_a_telegram_user_is_one_client_keeping_what_they_gave_before(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    first = await hold(
        sessionmaker,
        deps,
        request(
            10,
            ClientInfo(
                name="Анна",
                phone="8 999 111-22-33",
                email="anna@example.com",
                telegram_id=TELEGRAM_ID,
                username="anna",
                language="ru",
            ),
        ),
    )
    assert (first.phone, first.email, first.name) == ("+79991112233", "anna@example.com", "Анна")
    async with sessionmaker() as session:  # the bot learnt meanwhile that she blocked it
        client = await session.get(Client, first.id)
        assert client is not None
        client.bot_blocked = True
        await session.commit()

    again = await hold(
        sessionmaker,
        deps,
        request(12, ClientInfo(phone="+79994445566", telegram_id=TELEGRAM_ID, language="en")),
    )
    assert again.id == first.id
    assert again.phone == "+79994445566"  # the new phone replaces the old one
    assert again.email == "anna@example.com"  # not given this time: kept
    assert (again.name, again.username) == ("Анна", "anna")
    assert again.language == "en"
    assert again.bot_blocked is False  # writing to the bot again: it reaches them
    assert await clients(sessionmaker) == 1


async def test_website_clients_get_a_row_per_booking(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps
) -> None:
    info = ClientInfo(name="Boris", phone="+79990000001", email="b@example.com", language="en")
    one = await hold(sessionmaker, deps, request(10, info, Source.WEB))
    two = await hold(sessionmaker, deps, request(12, info, Source.WEB))
    assert one.id != two.id and one.telegram_id is None
    assert (two.name, two.phone, two.email, two.language) == (
        "Boris",
        "+79990000001",
        "b@example.com",
        "en",
    )


@pytest.mark.parametrize(
    "info",
    [
        ClientInfo(name="Другое имя", phone="12-34", telegram_id=TELEGRAM_ID, language="en"),
        ClientInfo(
            name="Другое имя",
            phone="+79990000001",
            email="not an address",
            telegram_id=TELEGRAM_ID,
            language="en",
        ),
    ],
)
async def test_bad_contacts_change_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], deps: BookingDeps, info: ClientInfo
) -> None:
    given = ClientInfo(
        name="Анна", phone="+79991112233", email="anna@example.com", telegram_id=TELEGRAM_ID
    )
    before = await hold(sessionmaker, deps, request(10, given))
    async with sessionmaker() as session:
        with pytest.raises(BookingRuleError):
            await hold_booking(session, deps, request(12, info))
        await session.commit()  # as the bot's reply after an error does
    async with sessionmaker() as session:
        after = await session.get(Client, before.id)
        assert after is not None
        assert (after.name, after.phone, after.email, after.language) == (
            "Анна",
            "+79991112233",
            "anna@example.com",
            "ru",
        )
        assert await session.scalar(select(func.count(Booking.id))) == 1
    assert await clients(sessionmaker) == 1
