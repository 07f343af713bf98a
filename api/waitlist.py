"""The waitlist of a full day: a website client (or the Mini App's Telegram user) asks to be
told when time frees on it."""

from __future__ import annotations

from aiohttp import web

from api import outputs as out
from api.errors import json_response
from api.inputs import WaitlistIn
from api.json_body import read_json
from api.keys import DEPS
from api.limits import check_rate
from api.middlewares import db
from api.serializers import checked_answer, iso
from api.telegram_auth import telegram_user
from booking.waitlist import Waiter, join_waitlist

routes = web.RouteTableDef()


@routes.post("/api/waitlist")
async def join(request: web.Request) -> web.Response:
    """201 with the wait (the same wait when the client already waits for that day); 409
    `day_not_full` when a start is free; 400 `no_contact` without an e-mail (or Telegram)."""
    deps = request.app[DEPS]
    await check_rate(request, "bookings")
    body = await read_json(request, WaitlistIn)
    user = telegram_user(request)
    who = Waiter(
        name=body.client.name,
        telegram_id=user.id if user else None,
        phone=body.client.phone,
        email=body.client.email,
        language=body.language,
    )
    entry, _new = await join_waitlist(db(request), deps, body.hall_id, body.date, who)
    answer = checked_answer(
        out.WaitlistEntry,
        id=entry.id,
        hall_id=entry.hall_id,
        date=entry.day.isoformat(),
        ends_at=iso(entry.ends_at, deps.rules.tz),
    )
    return json_response(answer, 201)
