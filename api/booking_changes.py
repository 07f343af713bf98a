"""A booking moved or given more time, by its owner (the booking's token, or the Mini App's
Telegram user) or an admin; the rules are booking/changes.py's."""

from __future__ import annotations

from aiohttp import web

from api.auth import is_admin, require_admin, require_owner_or_admin
from api.bookings import booking_answer, load_booking, pending_change
from api.errors import json_response
from api.inputs import ExtendIn, OvertimeIn, RescheduleIn
from api.json_body import read_json
from api.keys import DEPS, LOG_FIELDS
from api.middlewares import db
from api.serializers import payment_json
from booking.changes import Actor, extend, reschedule
from booking.overtime import record_overtime
from db.models import Booking

routes = web.RouteTableDef()


async def _answer(request: web.Request, booking: Booking) -> web.Response:
    """The booking as changed, with the change that waits for its payment (`change`)."""
    deps = request.app[DEPS]
    data = await booking_answer(request, booking)
    data["change"] = await pending_change(db(request), booking, data, deps.rules.tz)
    return json_response(data)


def _actor(request: web.Request) -> Actor:
    return Actor(admin=True, who="admin") if is_admin(request) else Actor(admin=False)


@routes.post("/api/bookings/{booking_id}/reschedule")
async def reschedule_booking(request: web.Request) -> web.Response:
    """Move to another free start, in the same hall or another (`hall_id`)."""
    deps = request.app[DEPS]
    booking = await load_booking(request)
    await require_owner_or_admin(request, booking)
    body = await read_json(request, RescheduleIn)
    hall_id = body.hall_id or booking.hall_id
    booking = await reschedule(
        db(request), deps, booking.id, hall_id, body.start, body.end, _actor(request)
    )
    request[LOG_FIELDS] = {"booking_id": booking.id}
    return await _answer(request, booking)


@routes.post("/api/bookings/{booking_id}/extend")
async def extend_booking(request: web.Request) -> web.Response:
    """More time after the booking, in 15-minute steps, before or during the session."""
    deps = request.app[DEPS]
    booking = await load_booking(request)
    await require_owner_or_admin(request, booking)
    body = await read_json(request, ExtendIn)
    booking = await extend(db(request), deps, booking.id, body.minutes, _actor(request))
    request[LOG_FIELDS] = {"booking_id": booking.id}
    return await _answer(request, booking)


@routes.post("/api/bookings/{booking_id}/overtime")
async def overtime(request: web.Request) -> web.Response:
    """An admin records time a session ran over: priced by OVERTIME_RULE, answered with the
    payment whose link the client gets in the chat (and by e-mail)."""
    require_admin(request)
    deps = request.app[DEPS]
    booking = await load_booking(request)
    body = await read_json(request, OvertimeIn)
    booking, payment = await record_overtime(
        db(request), deps, booking.id, body.minutes, Actor(admin=True, who="admin"), body.gateway
    )
    request[LOG_FIELDS] = {"booking_id": booking.id, "payment_id": payment.id}
    return json_response(payment_json(payment, deps.rules.tz), 201)
