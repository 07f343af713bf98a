"""`GET /api/integrations/webhooks`: what the outgoing webhooks delivered, and what waits
(with the attempts and the last error), for the admin."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from api.auth import require_admin
from api.errors import json_response
from api.keys import DEPS
from api.middlewares import db
from api.query_params import (
    DELIVERY_STATUSES,
    DeliveriesQuery,
    only_known,
    query_choices,
    query_limit,
)
from api.serializers import delivery_json
from db.outbox import Event, WebhookDelivery

routes = web.RouteTableDef()


@routes.get("/api/integrations/webhooks")
async def list_deliveries(request: web.Request) -> web.Response:
    require_admin(request)
    only_known(request, DeliveriesQuery)
    statuses = query_choices(request, "status", DELIVERY_STATUSES)
    query = select(WebhookDelivery, Event.type).join(Event, Event.id == WebhookDelivery.event_id)
    if statuses:
        query = query.where(WebhookDelivery.status.in_(statuses))
    query = query.order_by(WebhookDelivery.id.desc()).limit(query_limit(request))
    tz = request.app[DEPS].rules.tz
    found = await db(request).execute(query)
    return json_response({"deliveries": [delivery_json(d, kind, tz) for d, kind in found]})
