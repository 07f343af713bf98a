"""Admin routes about clients who break the rules: a booking marked a no-show, a client
blocked or unblocked (by phone, Telegram id or one of their booking codes)."""

from __future__ import annotations

from aiohttp import web

from api.auth import require_admin
from api.bookings import booking_answer, load_booking
from api.clients_io import BlockIn, ClientRefIn
from api.clients_io import ClientBlock as ClientBlockOut
from api.errors import json_response
from api.json_body import read_json
from api.keys import DEPS, LOG_FIELDS
from api.middlewares import db
from api.serializers import checked_answer
from booking import blocks
from booking.no_show import mark_no_show

routes = web.RouteTableDef()


@routes.post("/api/bookings/{booking_id}/no-show")
async def no_show(request: web.Request) -> web.Response:
    require_admin(request)
    deps = request.app[DEPS]
    booking = await load_booking(request)
    booking = await mark_no_show(db(request), deps, booking.id)
    request[LOG_FIELDS] = {"booking_id": booking.id}
    return json_response(await booking_answer(request, booking))


def _ref(body: ClientRefIn) -> blocks.ClientRef:
    return blocks.ClientRef(
        phone=body.phone, telegram_id=body.telegram_id, booking_code=body.booking_code
    )


def _answer(who: blocks.Identities, *, blocked: bool) -> web.Response:
    fields = checked_answer(ClientBlockOut, blocked=blocked, **who.payload())
    return json_response(fields)


@routes.post("/api/clients/block")
async def block_client(request: web.Request) -> web.Response:
    require_admin(request)
    body = await read_json(request, BlockIn)
    who = await blocks.block(db(request), request.app[DEPS], _ref(body), body.reason)
    return _answer(who, blocked=True)


@routes.post("/api/clients/unblock")
async def unblock_client(request: web.Request) -> web.Response:
    require_admin(request)
    body = await read_json(request, ClientRefIn)
    who = await blocks.unblock(db(request), request.app[DEPS], _ref(body))
    return _answer(who, blocked=False)
