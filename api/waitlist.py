"""The waitlist of a full day: a website client (or the Mini App's Telegram user) asks to be
told when time frees on it; the admin sees who waits."""

from __future__ import annotations

from aiohttp import web

from api import waitlist_io as wio
from api.auth import require_admin
from api.errors import json_response
from api.inputs import WaitlistIn
from api.json_body import read_json
from api.keys import DEPS, SETTINGS
from api.limits import check_rate
from api.middlewares import db
from api.query_params import only_known, query_date, query_int, query_limit
from api.serializers import checked_answer, iso
from api.telegram_auth import telegram_user
from booking.waitlist import Waiter, join_waitlist, waiting

routes = web.RouteTableDef()


@routes.post("/api/waitlist")
async def join(request: web.Request) -> web.Response:
    """201 with the wait (the same wait, `already_waiting`, when the client already waits
    for that day); 409 `day_not_full` when a start is free; 400 `no_contact` without an
    e-mail (or Telegram)."""
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
    mail = request.app[SETTINGS].smtp.enabled  # no SMTP: an e-mail reaches no one
    entry, new = await join_waitlist(db(request), deps, body.hall_id, body.date, who, mail=mail)
    answer = checked_answer(
        wio.WaitlistEntry,
        id=entry.id,
        hall_id=entry.hall_id,
        date=entry.day.isoformat(),
        ends_at=iso(entry.ends_at, deps.rules.tz),
        already_waiting=not new,
    )
    return json_response(answer, 201)


@routes.get("/api/waitlist")
async def list_waits(request: web.Request) -> web.Response:
    """Who waits for which day (admin), the waits whose day is not over yet."""
    require_admin(request)
    only_known(request, wio.WaitlistQuery)
    deps = request.app[DEPS]
    tz = deps.rules.tz
    entries = await waiting(
        db(request),
        deps,
        hall_id=query_int(request, "hall_id", default=0) or None,
        day=query_date(request, "date", required=False),
        limit=query_limit(request),
        offset=query_int(request, "offset", default=0, minimum=0),
    )
    waits = [
        checked_answer(
            wio.Waiting,
            id=e.id,
            hall_id=e.hall_id,
            date=e.day.isoformat(),
            ends_at=iso(e.ends_at, tz),
            name=e.name,
            phone=e.phone,
            email=e.email,
            telegram_id=e.telegram_id,
            language=e.language,
            created_at=iso(e.created_at, tz),
        )
        for e in entries
    ]
    return json_response(checked_answer(wio.WaitingList, waits=waits))
