"""Payments: create at a gateway, read, refund, and the gateways' webhooks."""

from __future__ import annotations

import logging

from aiohttp import web

from booking.errors import DomainError, NotFound
from booking.paying import request_refund, start_payment
from booking.refunds import settle_by_hand
from db.models import Booking, Payment
from payments.base import GatewayError, WebhookRejected, WebhookRequest
from webhooks.auth import require_admin, require_owner_or_admin, require_token
from webhooks.errors import ApiError, error_response, json_response
from webhooks.inputs import PaymentIn, RefundIn, SettleIn, path_int, read_json
from webhooks.keys import DEPS, LOG_FIELDS, REPORTS, SETTINGS
from webhooks.middlewares import db
from webhooks.remote import client_address
from webhooks.serializers import parse_money, payment_json, refund_json

log = logging.getLogger("studio.payments")
routes = web.RouteTableDef()


@routes.post("/api/payments")
async def create_payment(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    require_token(request)
    body = await read_json(request, PaymentIn)
    booking = await db(request).get(Booking, body.booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "No such booking.")
    require_owner_or_admin(request, booking)
    payment = await start_payment(db(request), deps, booking.id, body.gateway)
    request[LOG_FIELDS] = {"booking_id": booking.id, "payment_id": payment.id}
    return json_response(payment_json(payment, deps.rules.tz), 201)


async def load_payment(request: web.Request) -> tuple[Payment, Booking]:
    require_token(request)
    payment = await db(request).get(Payment, path_int(request, "payment_id"))
    if payment is None:
        raise NotFound("payment_not_found", "No such payment.")
    booking = await db(request).get(Booking, payment.booking_id)
    assert booking is not None
    return payment, booking


@routes.get("/api/payments/{payment_id:\\d+}")
async def get_payment(request: web.Request) -> web.Response:
    payment, booking = await load_payment(request)
    require_owner_or_admin(request, booking)
    return json_response(payment_json(payment, request.app[DEPS].rules.tz))


@routes.post("/api/payments/{payment_id:\\d+}/refund")
async def refund_payment(request: web.Request) -> web.Response:
    require_admin(request)
    deps = request.app[DEPS]
    payment, _ = await load_payment(request)
    body = await read_json(request, RefundIn, optional=True)
    try:
        amount = None if body.amount is None else parse_money(body.amount)
    except ValueError as exc:
        raise ApiError(400, "invalid_input", f"amount: {exc}") from None
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


@routes.route("*", "/api/payments/webhook/{gateway}")
async def gateway_webhook(request: web.Request) -> web.Response:
    """Verify first, then apply once. Forged or mismatched reports change nothing."""
    if request.method not in ("GET", "POST"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "POST"])
    gateway = request.match_info["gateway"]
    provider = request.app[DEPS].provider(gateway)
    if provider is None:
        return error_response(404, "unknown_gateway", f"No gateway {gateway!r} here.")
    queue = request.app[REPORTS]
    with queue.coming() as coming:
        incoming = WebhookRequest(
            method=request.method,
            query=dict(request.query),
            body=await request.read(),
            headers=dict(request.headers),
            remote=client_address(request, request.app[SETTINGS].server.trusted_proxies),
        )
        try:
            state = await provider.parse_webhook(incoming)
        except WebhookRejected as exc:
            log.warning("webhook rejected", extra={"gateway": gateway, "reason": str(exc)})
            return error_response(
                403, "webhook_rejected", "The notification could not be verified."
            )
        except GatewayError as exc:
            # Verifying needs the gateway's API (ЮKassa, Sber) and it did not answer: the
            # gateway delivers again later, so say "not now" rather than accept or reject.
            log.warning("webhook not verified yet", extra={"gateway": gateway, "error": str(exc)})
            return error_response(
                503, "gateway_unavailable", "The notification could not be checked yet."
            )
        try:
            outcome = await queue.apply(gateway, state, coming)
        except DomainError as exc:
            log.warning(
                "webhook refused",
                extra={
                    "gateway": gateway,
                    "gateway_payment_id": state.gateway_payment_id,
                    "code": exc.code,
                },
            )
            raise
    request[LOG_FIELDS] = {
        "gateway": gateway,
        "gateway_payment_id": state.gateway_payment_id,
        "outcome": outcome,
    }
    reply = provider.webhook_ack()
    return web.Response(status=reply.status, text=reply.body, content_type=reply.content_type)
