"""What a gateway calls: its payment notifications, verified before anything changes."""

from __future__ import annotations

import logging

from aiohttp import web

from api.errors import error_response
from api.keys import DEPS, LOG_FIELDS, REPORTS, SETTINGS
from api.remote import client_address
from booking.errors import DomainError
from payments.base import GatewayError, WebhookRejected, WebhookRequest

log = logging.getLogger("studio.payments")
routes = web.RouteTableDef()


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
