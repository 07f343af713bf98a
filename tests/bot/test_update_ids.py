"""Each bot update gets an id of its own, written on the events it caused; the payment that
follows, coming by HTTP, names its own request."""

from __future__ import annotations

from sqlalchemy import select

from db.outbox import Event
from tests.bot.flows import Studio, book_and_pay


async def test_events_name_the_update_or_request_that_wrote_them(studio: Studio) -> None:
    anna = studio.user()
    await book_and_pay(studio, anna)
    async with studio.sessionmaker() as session:
        events = {e.type: e.request_id for e in (await session.scalars(select(Event))).all()}
    held_by, paid_by = events["booking.created"], events["payment.succeeded"]
    assert held_by and paid_by and held_by != paid_by
    assert events["payment.created"] == held_by  # the shared phone holds and asks the gateway
