"""Demo bookings for trying the studio out (`main.py seed-demo`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking.cash import confirm_by_hand
from booking.deps import BookingDeps
from booking.errors import DomainError
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from db import queries


async def create_demo_bookings(session: AsyncSession, deps: BookingDeps) -> int:
    """A few confirmed and held bookings over the next days; skips slots already taken."""
    tz = deps.rules.tz
    today = deps.now().astimezone(tz).date()
    made = 0
    # Plain values: a refused hold rolls the session back, which expires loaded objects.
    halls = [(hall.id, hall.min_minutes) for hall in await queries.active_halls(session)]
    for offset in range(1, 4):
        day = today + timedelta(days=offset)
        for index, (hall_id, min_minutes) in enumerate(halls):
            start = datetime.combine(day, time(11 + 3 * index), tzinfo=tz)
            request = HoldRequest(
                hall_id=hall_id,
                start=start,
                end=start + timedelta(minutes=max(min_minutes, 120)),
                payment_mode=PaymentMode.PREPAY,
                client=ClientInfo(name=f"Демо клиент {offset}{index}", phone="+79990000000"),
                source=Source.ADMIN,
            )
            try:
                booking, _ = await hold_booking(session, deps, request)
                if (offset + index) % 2 == 0:
                    await confirm_by_hand(session, deps, booking.id, None, "demo")
            except DomainError:
                continue
            made += 1
    return made
