"""The staff's calendar feeds: an admin's /calendar gives the studio's and each hall's secret
address; a calendar app reading it sees every booking as it is now, with the client's name
and code and nothing more of theirs; /calendar new turns the old addresses off."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from tests.bot.flows import Studio, book, book_and_pay

ADMIN = 700_101
URL = re.compile(r"http://\S+/calendar/[A-Za-z0-9_-]+\.ics")


@pytest.fixture
def bot_env() -> dict[str, object]:
    return {"admin_ids": [ADMIN]}


async def links(studio: Studio, text: str = "/calendar") -> dict[str, str]:
    """Each feed's name (the line above its address) and address."""
    call = await studio.send(studio.tg.user(ADMIN, "Ольга"), text)
    lines = call.result["text"].splitlines()
    return {lines[i - 1]: line for i, line in enumerate(lines) if URL.fullmatch(line)}


async def read(studio: Studio, url: str) -> tuple[int, Calendar | None]:
    async with studio.http.get(url) as response:
        if response.status != 200:
            return response.status, None
        assert response.content_type == "text/calendar"
        return 200, Calendar.from_ical(await response.read())


def summaries(calendar: Calendar | None) -> dict[str, str]:
    assert calendar is not None
    return {str(e["uid"]): str(e["summary"]) for e in calendar.walk("VEVENT")}


async def test_feeds_follow_the_bookings_and_show_no_contact_details(studio: Studio) -> None:
    feeds = await links(studio)
    assert list(feeds)[:2] == ["Вся студия", "Белый зал"] and len(feeds) >= 3
    anna = studio.user(1001, "Анна")
    await book_and_pay(studio, anna)
    code = (await studio.bookings())[0].code

    status, whole = await read(studio, feeds["Вся студия"])
    assert status == 200 and summaries(whole) == {
        f"{code}@studio-booking": f"Белый зал · Анна · {code}"
    }
    event = next(iter(whole.walk("VEVENT")))  # type: ignore[union-attr]
    assert event["status"] == "CONFIRMED"
    assert event.decoded("dtstart").isoformat() == "2026-12-03T09:00:00+00:00"
    text = (whole.to_ical() if whole else b"").decode()
    assert "79991234567" not in text and "@example" not in text

    _, white = await read(studio, feeds["Белый зал"])
    assert summaries(white) == {f"{code}@studio-booking": f"Анна · {code}"}
    other = [url for name, url in feeds.items() if name not in ("Вся студия", "Белый зал")]
    assert summaries((await read(studio, other[0]))[1]) == {}

    # An unpaid hold shows as tentative, and leaves the feed when it lapses.
    await book(studio, studio.user(1002, "Борис"), time="15:00")
    assert statuses(await read(studio, feeds["Вся студия"])) == ["CONFIRMED", "TENTATIVE"]
    studio.clock.advance(minutes=16)
    await studio.expire()
    assert statuses(await read(studio, feeds["Вся студия"])) == ["CONFIRMED"]


def statuses(answer: tuple[int, Calendar | None]) -> list[str]:
    assert answer[1] is not None
    return sorted(str(e["status"]) for e in answer[1].walk("VEVENT"))


async def test_new_addresses_turn_the_old_ones_off(studio: Studio) -> None:
    old = await links(studio)
    assert await links(studio) == old  # asking again shows the same addresses
    new = await links(studio, "/calendar new")
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    for url in old.values():
        assert (await read(studio, url))[0] == 404
    for url in new.values():
        assert (await read(studio, url))[0] == 200


async def test_not_for_clients(studio: Studio) -> None:
    call = await studio.send(studio.user(1003, "Вера"), "/calendar")
    assert "/calendar/" not in call.result["text"]
