"""What a gateway calls: its payment notifications, verified before anything changes."""

from __future__ import annotations

import logging

from aiohttp import web

from api.errors import error_response
from api.keys import DEPS, LOG_FIELDS, SETTINGS
from api.middlewares import db
from api.remote import client_address
from booking.errors import DomainError
from booking.payment_reports import apply_payment_report
from ops.metrics import WEBHOOKS
from payments.base import GatewayError, WebhookRejected, WebhookRequest

log = logging.getLogger("studio.payments")
routes = web.RouteTableDef()


@routes.route("*", "/api/payments/webhook/{gateway}")
async def gateway_webhook(request: web.Request) -> web.Response:
    """Verify, apply in the request's own transaction, and only then answer: a gateway that
    hears 200 can rely on the change being stored. Forged or mismatched reports change
    nothing."""
    if request.method not in ("GET", "POST"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "POST"])
    gateway = request.match_info["gateway"]
    provider = request.app[DEPS].provider(gateway)
    if provider is None:
        return error_response(404, "unknown_gateway", f"No gateway {gateway!r} here.")
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
        WEBHOOKS.labels(gateway, "refused").inc()
        return error_response(403, "webhook_rejected", "The notification could not be verified.")
    except GatewayError as exc:
        # Verifying needs the gateway's API (ЮKassa, Sber) and it did not answer: the
        # gateway delivers again later, so say "not now" rather than accept or reject.
        log.warning("webhook not verified yet", extra={"gateway": gateway, "error": str(exc)})
        WEBHOOKS.labels(gateway, "deferred").inc()
        return error_response(
            503, "gateway_unavailable", "The notification could not be checked yet."
        )
    try:
        outcome = await apply_payment_report(db(request), request.app[DEPS], gateway, state)
    except DomainError as exc:
        log.warning(
            "webhook refused",
            extra={
                "gateway": gateway,
                "gateway_payment_id": state.gateway_payment_id,
                "code": exc.code,
            },
        )
        WEBHOOKS.labels(gateway, "refused").inc()
        raise
    WEBHOOKS.labels(gateway, "applied" if outcome == "applied" else "repeat").inc()
    request[LOG_FIELDS] = {
        "gateway": gateway,
        "gateway_payment_id": state.gateway_payment_id,
        "outcome": outcome,
    }
    reply = provider.webhook_ack()
    return web.Response(status=reply.status, text=reply.body, content_type=reply.content_type)
