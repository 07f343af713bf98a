"""Admin views of the notification log and the event log, and manual messages."""

from __future__ import annotations

from aiohttp import web

from api.auth import require_admin
from api.errors import json_response
from api.inputs import NotificationIn
from api.json_body import read_json
from api.keys import DEPS, SETTINGS
from api.middlewares import db
from api.query_params import (
    NOTIFICATION_STATUSES,
    EventsQuery,
    NotificationsQuery,
    only_known,
    query_choices,
    query_int,
    query_limit,
)
from api.serializers import event_json, notification_json
from db import queries
from notifications.manual import queue_manual

routes = web.RouteTableDef()


@routes.get("/api/notifications")
async def list_notifications(request: web.Request) -> web.Response:
    require_admin(request)
    only_known(request, NotificationsQuery)
    items = await queries.list_notifications(
        db(request),
        statuses=query_choices(request, "status", NOTIFICATION_STATUSES),
        limit=query_limit(request),
        offset=query_int(request, "offset", default=0, minimum=0),
    )
    tz = request.app[DEPS].rules.tz
    return json_response({"notifications": [notification_json(n, tz) for n in items]})


@routes.post("/api/notifications/send")
async def send_notification(request: web.Request) -> web.Response:
    require_admin(request)
    body = await read_json(request, NotificationIn)
    items = await queue_manual(
        db(request),
        text=body.text,
        channel=body.channel,
        recipient=body.recipient,
        booking_id=body.booking_id,
        subject=body.subject,
        mail=request.app[SETTINGS].smtp.enabled,
    )
    tz = request.app[DEPS].rules.tz
    return json_response({"notifications": [notification_json(n, tz) for n in items]}, 202)


@routes.get("/api/integrations/events")
async def list_events(request: web.Request) -> web.Response:
    require_admin(request)
    only_known(request, EventsQuery)
    events = await queries.list_events(
        db(request),
        after_id=query_int(request, "after_id", default=0, minimum=0),
        booking_id=query_int(request, "booking_id", default=0) or None,
        limit=query_limit(request, maximum=1000),
    )
    tz = request.app[DEPS].rules.tz
    return json_response(
        {
            "events": [event_json(e, tz) for e in events],
            "next_after_id": events[-1].id
            if events
            else query_int(request, "after_id", default=0, minimum=0),
        }
    )
