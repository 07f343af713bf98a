"""Migrations go up, down and up again on the test backend (the stairway check)."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import downgrade, upgrade
from db.models import Base, Hall
from tests.support import Running


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_stairway(engine: AsyncEngine) -> None:
    expected = {t.name for t in Base.metadata.sorted_tables}
    assert expected <= await table_names(engine)
    await downgrade(engine, "base")
    assert not expected & await table_names(engine)
    await upgrade(engine)
    assert expected <= await table_names(engine)


async def test_payments_that_count_are_marked_and_refunds_summed_again(running: Running) -> None:
    """0003 on a database where a booking was paid twice and the second payment refunded as
    unusable: that refund had been counted in the booking's `refunded`, which hid the kept
    payment from a later cancellation. After the upgrade only the kept payment counts."""
    api = running.api
    booking = await api.booked(mode="full")
    await api.paid_twice(booking)
    engine = running.sessionmaker.kw["bind"]
    await downgrade(engine, "0002")
    async with engine.begin() as conn:  # as the code before 0003 left it
        await conn.execute(text("UPDATE bookings SET refunded = paid"))
    await upgrade(engine)
    async with engine.connect() as conn:
        applied = (await conn.execute(text("SELECT applied FROM payments ORDER BY id"))).all()
        refunded = await conn.scalar(text("SELECT refunded FROM bookings"))
    assert [bool(row.applied) for row in applied] == [True, False]
    assert refunded == 0
    assert (await api.cancel(booking))["refund"]["value"] == "5000.00"


async def test_bookings_made_with_the_halls_number_are_left_unchosen(running: Running) -> None:
    """0017 on bookings made before it: one for the number its hall's price covers, without
    a guest fee, most likely took the default and is left without a choice (a move then
    takes the new hall's number, no fee for people never stated); any other count, or one
    a guest fee was charged for, is kept as chosen. Going down drops the column."""
    api = running.api
    told = await api.booked(guests=6)  # the white hall covers four
    defaulted = await api.booked(hour=16)  # the white hall's four
    dark_four = await api.booked(hall_id=3, guests=4)  # the dark hall covers two
    async with running.sessionmaker() as session:  # a fee for each person over two
        white = await session.get_one(Hall, 1)
        white.guest_fee = {**(white.guest_fee or {}), "above": 2}
        await session.commit()
    charged = await api.booked(day=4)  # four, two of them charged for
    assert [line["kind"] for line in charged["price_lines"]] == ["hall", "guests"]
    engine = running.sessionmaker.kw["bind"]
    await downgrade(engine, "0016")
    async with engine.connect() as conn:
        columns = await conn.run_sync(lambda c: inspect(c).get_columns("bookings"))
    assert "guests_chosen" not in {column["name"] for column in columns}
    await upgrade(engine)
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT id, guests, guests_chosen FROM bookings"))
        found = {row.id: (row.guests, row.guests_chosen) for row in rows}
    assert found == {
        told["id"]: (6, 6),
        defaulted["id"]: (4, None),
        dark_four["id"]: (4, 4),
        charged["id"]: (4, 4),
    }
