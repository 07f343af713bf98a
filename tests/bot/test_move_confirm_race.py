"""A move quoted as dearer is not made unconfirmed when it has become no dearer by the
moment it is asked for (the price lowered meanwhile): it is shown first, as every move that
costs no more is, and made only on "✅ Move". Showing a move writes nothing: a dearer change
waiting for its difference stays held and payable."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from db.models import Hall
from handlers import moving
from i18n.formats import money
from tests.bot.flows import Studio, book_and_pay, choose_time, url_of
from tests.bot.test_move_confirm import CONFIRM, text_of
from tests.bot.test_move_elsewhere import open_move, to_hall
from tests.support import msk, table_counts


async def test_a_move_that_became_cheaper_after_its_quote_waits_for_confirmation(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_quote = moving.quote_move

    async def quote_then_cheaper(*args: Any, **kwargs: Any) -> Any:
        quote = await real_quote(*args, **kwargs)
        async with studio.sessionmaker() as session:  # the studio lowers the loft's price
            await session.execute(update(Hall).where(Hall.id == 2).values(hourly_price=100000))
            await session.commit()
        return quote

    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")  # white, Thu 3 Dec 12:00-14:00, 5 000 paid
    await open_move(studio, anna)
    await to_hall(studio, anna, "Лофт")  # 1 800 ₽/h: 3 hours are 5 400, dearer
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    monkeypatch.setattr(moving, "quote_move", quote_then_cheaper)
    await studio.press(anna, "3 ч")  # quoted 5 400; by the move, 3 000
    monkeypatch.setattr(moving, "quote_move", real_quote)
    [booking] = await studio.bookings()  # nothing moved or refunded without a confirmation
    assert (booking.hall_id, booking.start_at, booking.refunded) == (1, msk(3, 12), 0)
    assert (booking.moves_made, booking.change_id) == (0, None)
    shown = text_of(anna)
    assert f"Станет: Лофт, пт, 4 декабря, 15:00–18:00, {money(300000, 'ru')}" in shown, shown
    await studio.press(anna, CONFIRM)
    [booking] = await studio.bookings()
    assert (booking.hall_id, booking.total, booking.refunded) == (2, 300000, 200000)


async def test_looking_at_a_cheaper_time_leaves_a_dearer_change_held_and_payable(
    studio: Studio,
) -> None:
    """A dearer move waits for its difference; the client then looks at a cheaper time and
    keeps the booking as it is: the quote wrote nothing, the dearer change is still held and
    its payment still makes it."""
    anna = studio.user()
    await book_and_pay(studio, anna, mode="full")  # white, Thu 3 Dec 12:00-14:00, 5 000 paid
    await open_move(studio, anna)
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "3 ч")  # 7 500: 2 500 to pay, the time held
    await studio.press(anna, "Т-Банк")
    ready = anna.last_message()
    assert ready is not None
    [booking] = [b for b in await studio.bookings() if b.status == "confirmed"]
    assert booking.change_id is not None
    before = await table_counts(studio.sessionmaker)
    await open_move(studio, anna)
    await to_hall(studio, anna, "Лофт")
    await studio.press(anna, "4")
    await choose_time(studio, anna, "15:00")
    await studio.press(anna, "2 ч")  # 3 600: shown, not made
    assert text_of(anna).startswith("🔁 Перенос брони"), text_of(anna)
    await studio.press(anna, "✖ Оставить как есть")
    assert await table_counts(studio.sessionmaker) == before
    held = [b for b in await studio.bookings() if b.status == "change_hold"]
    assert held and all(b.hall_id == 1 for b in held)
    [same] = [b for b in await studio.bookings() if b.status == "confirmed"]
    assert (same.change_id, same.change_due) == (booking.change_id, 250000)
    await studio.checkout(url_of(ready))
    [moved] = [b for b in await studio.bookings() if b.status == "confirmed"]
    assert (moved.start_at, moved.end_at, moved.total) == (msk(4, 15), msk(4, 18), 750000)
