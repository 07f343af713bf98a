"""Payments: create at a gateway, read, refund, and the gateways' webhooks."""

from __future__ import annotations

import logging

from aiohttp import web

from api.auth import require_admin, require_owner_or_admin, require_token
from api.errors import json_response
from api.inputs import PaymentIn, RefundIn, SettleIn
from api.json_body import read_json
from api.keys import DEPS, LOG_FIELDS
from api.limits import check_rate
from api.middlewares import db
from api.query_params import path_int
from api.serializers import payment_json, refund_json, requested_amount
from booking.errors import NotFound
from booking.money_by_hand import settle_by_hand
from booking.paying import start_payment
from booking.refund_requests import request_refund
from db.models import Booking, Payment

log = logging.getLogger("studio.payments")
routes = web.RouteTableDef()


@routes.post("/api/payments")
async def create_payment(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    require_token(request)
    await check_rate(request, "payments")  # 429 rate_limited: each one asks a gateway
    body = await read_json(request, PaymentIn)
    booking = await db(request).get(Booking, body.booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "No such booking.")
    await require_owner_or_admin(request, booking)
    payment = await start_payment(db(request), deps, booking.id, body.gateway)
    request[LOG_FIELDS] = {"booking_id": booking.id, "payment_id": payment.id}
    return json_response(payment_json(payment, deps.rules.tz), 201)


def _no_payment() -> NotFound:
    return NotFound("payment_not_found", "No such payment.")


async def load_payment(request: web.Request) -> tuple[Payment, Booking]:
    require_token(request)
    payment = await db(request).get(Payment, path_int(request, "payment_id"))
    if payment is None:
        raise _no_payment()
    booking = await db(request).get(Booking, payment.booking_id)
    assert booking is not None
    return payment, booking


@routes.get("/api/payments/{payment_id:\\d+}")
async def get_payment(request: web.Request) -> web.Response:
    payment, booking = await load_payment(request)
    await require_owner_or_admin(request, booking, _no_payment())
    return json_response(payment_json(payment, request.app[DEPS].rules.tz))


@routes.post("/api/payments/{payment_id:\\d+}/refund")
async def refund_payment(request: web.Request) -> web.Response:
    require_admin(request)
    deps = request.app[DEPS]
    payment, _ = await load_payment(request)
    body = await read_json(request, RefundIn, optional=True)
    amount = requested_amount(body.amount)
    refund = await request_refund(db(request), deps, payment.id, amount, body.reason)
    request[LOG_FIELDS] = {"payment_id": payment.id, "refund_id": refund.id}
    return json_response(refund_json(refund, deps.rules.tz), 201)


@routes.post("/api/refunds/{refund_id:\\d+}/settle")
async def settle_refund(request: web.Request) -> web.Response:
    """A pending refund the service cannot settle, settled by an admin from the cabinet."""
    require_admin(request)
    deps = request.app[DEPS]
    refund_id = path_int(request, "refund_id")
    body = await read_json(request, SettleIn)
    refund = await settle_by_hand(db(request), deps, refund_id, made=body.made, note=body.note)
    request[LOG_FIELDS] = {"refund_id": refund.id, "made": body.made}
    return json_response(refund_json(refund, deps.rules.tz))
